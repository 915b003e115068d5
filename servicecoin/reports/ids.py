"""Identifiers as people see them: one format for a redemption id wherever it is shown.

A redemption id is a 256-bit number (item, time and slot, or the signer and nonce of a gasless one).
Every command, report, statement and JSON answer writes it as 0x-hex, the form `svc redemptions
fulfil|refund|cancel` take back; the index stores it as decimal text, which this turns into the same.
"""

from __future__ import annotations


def redemption_ref(redemption_id: int | str) -> str:
    """0x-hex of a redemption id given as an int, decimal text or 0x-hex text."""
    return hex(redemption_id if isinstance(redemption_id, int) else int(str(redemption_id), 0))
