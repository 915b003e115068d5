"""What is due: the notices the chain's history (through the index) calls for, each with its cause — the key
that makes it at most once (outbox.py records it before sending).

    expiry     the reminder logic of `svc reminders` (statement.reminders) once per threshold of
               notices.expiry_thresholds; one notice per expiring lot (its first expiry) and the tightest
               threshold it is within: cause expiry:<customer>:<first expiry>:<threshold seconds>
    delivered  a redemption fulfilled within notices.recent: cause delivered:<redemption id>
    rate       a ticket resolved within notices.recent without feedback since: cause rate:<ticket>:<resolution seq>
    tier       rolling tiers only: when the deployed token's ABI has tierProgress and nextTierReview, a customer
               whose review is within notices.tier_warning and who still needs points to keep a tier above the
               first: cause tier:<customer>:<review time>:<tier>

Only customers in `wanted` (confirmed contacts → the kinds they want) are looked at.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from servicecoin.index.db import Database
from servicecoin.index.ledger import indexed_now
from servicecoin.reports.dates import iso
from servicecoin.statement import reminders
from servicecoin.token import fmt

ROLLING_VIEWS = ("tierProgress", "nextTierReview")


@dataclass(frozen=True)
class Notice:
    cause: str
    customer: str  # lower case
    kind: str
    values: dict = field(default_factory=dict, compare=False)


def _day(ts: int) -> str:
    return (iso(ts) or "")[:10]


def expiry_notices(db: Database, thresholds: tuple[int, ...], wanted: dict[str, tuple[str, ...]],
                   now: int | None = None) -> list[Notice]:
    """One reminder per customer's first expiring lot, at the tightest threshold it is within."""
    tightest: dict[str, tuple[int, dict]] = {}
    for threshold in sorted(thresholds, reverse=True):  # widest first: tighter ones overwrite
        for row in reminders(db, threshold, now=now):
            if "expiry" in wanted.get(row["address"], ()):
                tightest[row["address"]] = (threshold, row)
    out = []
    for customer, (threshold, row) in sorted(tightest.items()):
        out.append(Notice(f"expiry:{customer}:{row['first_expiry']}:{threshold}", customer, "expiry",
                          {"points": fmt(row["amount"]), "date": _day(row["first_expiry"]), "days": row["days_left"]}))
    return out


def item_name(uri: str | None, item: str) -> str:
    """'demo://gift/coffee-mug' → 'Coffee mug', as the page shows it."""
    last = (uri or "").rstrip("/").rpartition("/")[2].replace("-", " ").replace("_", " ").strip()
    return last[:1].upper() + last[1:] if last else f"item #{item}"


def delivered_notices(db: Database, recent: int, wanted: dict[str, tuple[str, ...]], now: int | None = None) -> list[Notice]:
    from servicecoin.index.vault import redemptions

    now = indexed_now(db) if now is None else now
    fulfilled = {rid: ts for rid, ts in db.query("SELECT id, ts FROM redemption_outcomes WHERE outcome = 'fulfilled'")}
    out = []
    for r in redemptions(db):
        ts = fulfilled.get(r["id"])
        if r["status"] != "fulfilled" or ts is None or now - ts > recent or "delivered" not in wanted.get(r["customer"], ()):
            continue
        out.append(Notice(f"delivered:{r['id']}", r["customer"], "delivered",
                          {"item": item_name(r["item_name"], r["item"]), "redemption": r["id"]}))
    return out


def rate_notices(db: Database, recent: int, wanted: dict[str, tuple[str, ...]], now: int | None = None) -> list[Notice]:
    """Tickets resolved within `recent` whose customer has given no feedback on them since."""
    now = indexed_now(db) if now is None else now
    tickets: dict[str, dict] = {}
    for seq, kind, ticket, customer, ts in db.query(
            "SELECT seq, kind, ticket, customer, record_ts FROM service_records WHERE kind IN (0, 2, 5) ORDER BY seq"):
        t = tickets.setdefault(ticket, {"customer": customer, "resolved": None, "rated": False})
        if kind == 0 and customer:
            t["customer"] = customer
        elif kind == 2:
            t["resolved"], t["rated"] = (seq, ts), False
        elif kind == 5:
            t["rated"] = True
    out = []
    for ticket, t in sorted(tickets.items(), key=lambda kv: (kv[1]["resolved"] or (0, 0))[0]):
        if t["resolved"] is None or t["rated"] or now - t["resolved"][1] > recent:
            continue
        if "rate" in wanted.get(t["customer"], ()):
            out.append(Notice(f"rate:{ticket}:{t['resolved'][0]}", t["customer"], "rate", {"ticket": ticket}))
    return out


def has_rolling_tiers(token) -> bool:
    """Whether the token's ABI has the rolling-tier views (the tier-at-risk notice is sent only then)."""
    names = {f.get("name") for f in token.abi if f.get("type") == "function"}
    return all(v in names for v in ROLLING_VIEWS)


def tier_notices(token, warning: int, wanted: dict[str, tuple[str, ...]], now: int,
                 tier_names: list[str] | None = None) -> list[Notice]:
    """Tier at risk, read from the token at the latest block (nothing when the views are not there)."""
    from web3 import Web3
    from web3.exceptions import BadFunctionCallOutput, ContractLogicError

    if token is None or not has_rolling_tiers(token):
        return []
    out = []
    for customer in sorted(c for c, kinds in wanted.items() if "tier" in kinds):
        address = Web3.to_checksum_address(customer)
        try:
            tier, to_keep, _ = token.functions.tierProgress(address).call()
            review = token.functions.nextTierReview(address).call()
        except (BadFunctionCallOutput, ContractLogicError):  # a deployed token older than its ABI
            return []
        if tier == 0 or to_keep == 0 or review == 0 or review - now > warning or review < now:
            continue
        name = tier_names[tier] if tier_names and tier < len(tier_names) else f"tier {tier}"
        out.append(Notice(f"tier:{customer}:{review}:{tier}", customer, "tier",
                          {"tier": name, "points": fmt(to_keep), "date": _day(review)}))
    return out
