"""The bit layout of a ServiceLog `Recorded` event's `info` word, written once (interfaces/IServiceLog.sol).

    bits   0..63   seq        the record's position in the log (1-based)
    bits  64..127  timestamp  the block time it was appended at
    bits 128..191  ref        the seq of an earlier record it points at (0: none)
    bits 192..199  detail     kind-specific (a follow-up call's outcome, a rating)
    bits 200..207  kind       the record kind (servicelog.Kind)

Both the log's reader (servicelog.records) and the indexer (index.replay) decode it through here.
"""

from __future__ import annotations

_U64 = (1 << 64) - 1


def unpack_info(info: int) -> dict[str, int]:
    """The small fields a `Recorded` event packs into its `info` word."""
    info = int(info)
    return {"seq": info & _U64, "timestamp": (info >> 64) & _U64, "ref": (info >> 128) & _U64,
            "detail": (info >> 192) & 0xFF, "kind": (info >> 200) & 0xFF}
