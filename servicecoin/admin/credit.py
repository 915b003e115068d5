"""A single credit for a till or point of sale: `issue(to, amount, reason, ref)` under a reference that is
paid once.

The token records the reference in its `Issued` event but does not refuse a repeated one (only batch ids
are single-use on chain). So before sending, the issuer's earlier credits are read from the chain: the
same reference with the same recipient, amount and reason is a retry that was already paid (nothing is
sent again); the same reference for anything else is refused. Two tills sending the same reference at
the same moment are not caught: give each till its own issuer key or its own reference prefix.
"""

from __future__ import annotations


from servicecoin.account import checksum
from servicecoin.admin.actions import Plan
from servicecoin.admin.program import events_start, program_contracts
from servicecoin.chain import Chain
from servicecoin.errors import ConfigError
from servicecoin.token import Reason, fmt, to_raw
from servicecoin.vault.discounts import order_ref

MAX_AMOUNT = 2**48 - 1  # a lot holds 48 bits of hundredths of a point
MAX_BUDGET = 2**128 - 1  # setIssuerBudget's limit


def parse_points(text: str, where: str = "POINTS", allow_zero: bool = False, maximum: int = MAX_AMOUNT) -> int:
    """Whole points written as ASCII digits with at most two decimals → raw units, more than 0 unless
    `allow_zero`, at most `maximum` (by default what one credit can hold)."""
    try:
        raw = to_raw(text.strip())  # the one plain decimal grammar (servicecoin.token.parse_decimal)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    if raw <= 0 and not (allow_zero and raw == 0):
        raise ConfigError(f"{where}: must be more than 0")
    if raw > maximum:
        what = "one credit can hold" if maximum == MAX_AMOUNT else "the contract takes"
        raise ConfigError(f"{where}: {fmt(raw)} is more than {what} ({fmt(maximum)})")
    return raw


def credit_ref(text: str) -> bytes:
    """The 32-byte reference of `text`: 0x + 64 hex digits as is, anything else hashed (keccak of the text)."""
    if not text.strip():
        raise ConfigError("--ref: give the sale's or ticket's reference")
    return order_ref(text.strip())


def earlier_credit(chain: Chain, token, issuer: str, ref: bytes) -> dict | None:
    """The issuer's earlier credit under `ref`, from its `Issued` events, or None."""
    for ev in chain.events(token, "Issued", from_block=events_start(chain), argument_filters={"issuer": issuer}):
        a = ev["args"]
        if bytes(a["ref"]) == ref:
            return {"to": a["to"], "amount": a["amount"], "base_amount": a["baseAmount"],
                    "reason": Reason(a["reason"]).name.lower(), "block": ev["blockNumber"],
                    "tx": "0x" + bytes(ev["transactionHash"]).hex().removeprefix("0x")}
    return None


def check_credit(to_text: str, points_text: str, reason_text: str, ref_text: str) -> tuple[str, int, Reason, bytes]:
    """The recipient, raw amount, reason and 32-byte reference of a credit, or the ConfigError of the first
    bad value (no chain needed)."""
    to = checksum(to_text, "ADDRESS: ")
    if int(to, 16) == 0:
        raise ConfigError("ADDRESS: the zero address cannot receive points")
    return to, parse_points(points_text), Reason.parse(reason_text, "--reason: "), credit_ref(ref_text)


def credit_plan(chain: Chain, issuer: str, to_text: str, points_text: str, reason_text: str,
                ref_text: str) -> tuple[Plan, dict | None]:
    """The plan of one credit, and the earlier credit it repeats (then the plan is empty)."""
    to, amount, reason, ref = check_credit(to_text, points_text, reason_text, ref_text)
    token = program_contracts(chain)["RewardToken"]
    plan = Plan(f"credit {fmt(amount)} points to {to}")
    before = earlier_credit(chain, token, issuer, ref)
    if before is not None:
        same = before["to"].lower() == to.lower() and before["base_amount"] == amount and before["reason"] == reason.name.lower()
        if not same:
            raise ConfigError(f"--ref {ref_text!r} was already used by {issuer} for {fmt(before['base_amount'])} points "
                              f"({before['reason']}) to {before['to']} in block {before['block']}; give a new reference")
        plan.notes.append(f"already paid: {fmt(before['amount'])} points to {to} under this reference in block "
                          f"{before['block']} (tx {before['tx']}); nothing sent")
        return plan, before
    plan.add(token, "RewardToken", "issue", to, amount, int(reason), ref,
             description=f"credit {fmt(amount)} points to {to} for {reason.name.lower()} (ref {ref_text}); the "
                         f"recipient's tier multiplier applies to tier-eligible reasons")
    return plan, None
