"""What a customer should know ahead (issue 14): points still pending ("pending until DATE") and, with
rolling tiers, what keeps the tier at the next review ("earn X more points by DATE to keep Silver").

The pending credits come from the index; the tier outlook from the token's own views (`tierProgress`,
`nextTierReview`), asked at the index's block. In JSON, amounts are raw units beside plain decimals of
points ("12.50") and times are UTC ISO-8601 ("2026-12-07T06:40:00Z").
"""

from __future__ import annotations

from servicecoin.index.db import Database
from servicecoin.index.pending import pending_of
from servicecoin.reports.dates import day, utc
from servicecoin.token import UNIT


def points_text(raw: int) -> str:
    """Raw units as a plain decimal of points, no separators: 1250 → '12.50'."""
    return f"{raw // UNIT}.{raw % UNIT:02d}"


def _shown(raw: int) -> str:
    """Points for a sentence: '12.50' → '12.50', '12.00' → '12'."""
    text = points_text(raw)
    return text[:-3] if text.endswith(".00") else text


def pending_view(db: Database, account: str, now: int) -> dict:
    """The account's pending credits at `now`: total, and each with its release date."""
    credits = [{"amount": c["amount"], "points": points_text(c["amount"]), "release_at": c["release"],
                "release": utc(c["release"]), "text": f"{_shown(c['amount'])} points pending until {day(c['release'])}"}
               for c in pending_of(db, account, now)]
    total = sum(c["amount"] for c in credits)
    return {"amount": total, "points": points_text(total), "credits": credits}


def tier_outlook(tier: int, to_keep: int, to_next: int, review: int, names: list[str]) -> dict | None:
    """What keeps the tier at the next review and what reaches the next one (None in lifetime mode, where
    there is no review)."""
    if not review:
        return None
    name = names[tier] if tier < len(names) else f"tier {tier}"
    out = {"tier": tier, "tier_name": name, "review_at": review, "review": utc(review), "to_keep": to_keep,
           "to_keep_points": points_text(to_keep), "to_next": to_next, "to_next_points": points_text(to_next)}
    if tier == 0:
        out["text"] = None
    elif to_keep:
        out["text"] = f"earn {_shown(to_keep)} more points by {day(review)} to keep {name}"
    else:
        out["text"] = f"{name} is kept at the review on {day(review)}"
    if to_next and tier + 1 < len(names):
        out["next_text"] = f"earn {_shown(to_next)} more points to reach {names[tier + 1]}"
    return out


def chain_outlook(token, address: str, block: int, names: list[str]) -> dict | None:
    """`tier_outlook` from the token's views at `block` (None where the token has no rolling tiers)."""
    from web3.exceptions import ContractLogicError, Web3Exception

    try:
        tier, to_keep, to_next = token.functions.tierProgress(address).call(block_identifier=block)
        review = token.functions.nextTierReview(address).call(block_identifier=block)
    except (ContractLogicError, Web3Exception, ValueError, AttributeError):
        return None  # an old-layout token: lifetime tiers, no review
    return tier_outlook(tier, to_keep, to_next, review, names)


def keep_reminders(chain, db: Database, within_seconds: int, now: int, names: list[str]) -> list[dict]:
    """Customers above the base tier who must still earn points before a review within the window to keep
    their tier, soonest review first (the token's views at the index's block)."""
    from web3 import Web3

    token = chain.contract("RewardToken", db.meta("token"))
    block = int(db.meta("cursor"))
    accounts = [a for (a,) in db.query("SELECT DISTINCT account FROM tier_moves WHERE to_tier > 0")]
    out = []
    for account in accounts:
        outlook = chain_outlook(token, Web3.to_checksum_address(account), block, names)
        if outlook and outlook["to_keep"] and outlook["review_at"] <= now + within_seconds:
            out.append({"address": account, **outlook})
    return sorted(out, key=lambda r: (r["review_at"], -r["to_keep"], r["address"]))
