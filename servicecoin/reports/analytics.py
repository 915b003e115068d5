"""Does the program work? Customers, repeat purchases, redemption, lifetime value, segments,
feedback and follow-up coverage — and the alliance settlement between merchants.

Purchases are the token's `purchase` credits (one credit = one rewarded purchase, its base amount
the points the purchase earned). Non-rewarded purchases are not on chain: pass a CSV of all
purchases (`customer,date[,amount]`) to compare rewarded with non-rewarded customers.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from servicecoin.errors import ConfigError
from servicecoin.index import ledger
from servicecoin.index.db import Database
from servicecoin.index.events import ZERO
from servicecoin.index.ledger import DAY, Epochs
from servicecoin.reports.dates import iso, month, months_between
from servicecoin.reports.tier_migration import tier_migration
from servicecoin.statement import DEFAULT_TIER_NAMES, followups
from servicecoin.token import UNIT

ACTIVE_DAYS = 90
YEAR = 365 * DAY


@dataclass
class Purchase:
    customer: str
    ts: int
    amount: float


def load_purchases(path: str | Path) -> list[Purchase]:
    """All purchases (rewarded or not) from a CSV with columns customer,date[,amount]."""
    out = []
    with open(path, newline="") as fp:
        reader = csv.DictReader(fp)
        for line, row in enumerate(reader, start=2):
            try:
                customer = ledger.norm(row["customer"])
                when = datetime.fromisoformat(row["date"].strip())
                if when.tzinfo is None:
                    when = when.replace(tzinfo=timezone.utc)
                amount = float(row.get("amount") or 0)
            except (KeyError, ValueError, ConfigError) as exc:
                raise ConfigError(f"{path}:{line}: bad purchase row ({exc})") from None
            out.append(Purchase(customer, int(when.timestamp()), amount))
    return out


def _repeat_rate(counts: dict[str, int]) -> float | None:
    buyers = [c for c in counts.values() if c >= 1]
    return round(sum(1 for c in buyers if c >= 2) / len(buyers), 4) if buyers else None


def analytics(db: Database, now: int | None = None, purchases: list[Purchase] | None = None,
              tier_names: list[str] | None = None) -> dict:
    now = ledger.indexed_now(db) if now is None else now
    accepting = ledger.acceptors(db)
    credits = db.query("SELECT account, ts, reason, amount, base_amount FROM credits")
    customers: dict[str, dict] = {}
    for account, ts, reason, amount, base in credits:
        if account in accepting:
            continue
        c = customers.setdefault(account, {"first": ts, "last": ts, "credits": 0, "earned": 0, "purchases": 0,
                                           "purchase_points": 0, "spent": 0})
        c["first"], c["last"] = min(c["first"], ts), max(c["last"], ts)
        c["credits"] += 1
        c["earned"] += amount
        if reason == 0:
            c["purchases"] += 1
            c["purchase_points"] += base
    for sender, ts, amount in db.query("SELECT sender, ts, amount FROM transfers WHERE sender <> ? AND "
                                       "recipient = ?", (ZERO, ZERO)) + \
            db.query(f"SELECT sender, ts, amount FROM transfers WHERE sender <> ? AND recipient <> ? "
                     f"AND {ledger.NOT_RECOVERY}", (ZERO, ZERO)):
        if sender in customers and sender not in accepting:
            c = customers[sender]
            c["spent"] += amount
            c["last"] = max(c["last"], ts)
    n = len(customers)
    active = sum(1 for c in customers.values() if c["last"] >= now - ACTIVE_DAYS * DAY)
    redeemers = sum(1 for c in customers.values() if c["spent"] > 0)

    rewarded_counts = {a: c["purchases"] for a, c in customers.items() if c["purchases"]}
    repeat = {"rewarded": _repeat_rate(rewarded_counts), "non_rewarded": None, "source": "purchase credits"}
    if purchases is not None:
        counts: dict[str, int] = {}
        for p in purchases:
            counts[p.customer] = counts.get(p.customer, 0) + 1
        rewarded = {a: k for a, k in counts.items() if a in customers}
        repeat = {"rewarded": _repeat_rate(rewarded),
                  "non_rewarded": _repeat_rate({a: k for a, k in counts.items() if a not in customers}),
                  "source": "purchases CSV"}

    # Customer lifetime value: average yearly purchase value × average observed lifespan (years,
    # at least one year), in points earned by purchases (or currency, with a purchases CSV). The
    # chain counts raw units (100 per point): they become points here, before any averaging is shown.
    clv = None
    if customers:
        if purchases:
            value = {}
            for p in purchases:
                value[p.customer] = value.get(p.customer, 0.0) + p.amount
            spans = {}
            for p in purchases:
                f, l = spans.get(p.customer, (p.ts, p.ts))
                spans[p.customer] = (min(f, p.ts), max(l, p.ts))
            unit = "currency"
        else:
            value = {a: c["purchase_points"] / UNIT for a, c in customers.items()}
            spans = {a: (c["first"], c["last"]) for a, c in customers.items()}
            unit = "points earned by purchases"
        years = [max(1.0, (l - f) / YEAR) for f, l in spans.values()]
        yearly = [value.get(a, 0.0) / max(1.0, (l - f) / YEAR) for a, (f, l) in spans.items()]
        clv = {"estimate": round(sum(yearly) / len(yearly) * sum(years) / len(years), 2), "unit": unit,
               "method": "average yearly value × average lifespan (years, min 1)"}

    thresholds, _ = ledger.tier_table(db)
    names = tier_names or DEFAULT_TIER_NAMES
    counts_by_tier = [0] * max(1, len(thresholds))
    for a in customers:
        counts_by_tier[ledger.tier_for(ledger.lifetime(db, a, now), thresholds)] += 1
    tiers = {(names[t] if t < len(names) else f"tier {t}"): n for t, n in enumerate(counts_by_tier)}  # lowest first

    migration = tier_migration(db, now, names)
    if migration["mode"] == "rolling":  # tiers follow recent points: the tier held now, not lifetime's
        tiers = migration["held_now"]
    segments = rfm_segments(customers, now)
    ratings = {str(r): 0 for r in range(1, 6)}
    trend: dict[str, list[int]] = {}
    for detail, ts in db.query("SELECT detail, record_ts FROM service_records WHERE kind = 5"):
        ratings[str(detail)] = ratings.get(str(detail), 0) + 1
        trend.setdefault(month(ts), []).append(detail)
    total_ratings = sum(ratings.values())
    fu = followups(db, now=now)
    issued = sum(c["earned"] for c in customers.values())
    return {
        "as_of": now,
        "as_of_text": iso(now),
        "block": int(db.meta("cursor", "0")),
        "customers": n,
        "active_customers": active,
        "active_window_days": ACTIVE_DAYS,
        "repeat_purchase_rate": repeat,
        "redemption_rate": round(redeemers / n, 4) if n else None,
        "average_points_per_customer": round(issued / n / UNIT, 2) if n else None,  # points, not raw units
        "customer_lifetime_value": clv,
        "tiers": tiers,
        "tier_migration": migration,
        "segments": segments,
        "feedback": {"ratings": ratings, "count": total_ratings,
                     "average": round(sum(int(k) * v for k, v in ratings.items()) / total_ratings, 3) if total_ratings else None,
                     "trend": {m: round(sum(trend[m]) / len(trend[m]), 3) if m in trend else None
                               for m in (months_between(min(trend), max(trend)) if trend else [])}},
        "follow_up_coverage": fu["coverage"],
        "follow_up_satisfaction": fu["satisfaction_rate"],
    }


def rfm_segments(customers: dict[str, dict], now: int) -> dict[str, int]:
    """Recency / frequency / monetary scores (1–3 by tercile) grouped into named segments."""
    if not customers:
        return {}

    def score(values: dict[str, float], reverse: bool = False) -> dict[str, int]:
        ordered = sorted(values, key=lambda a: values[a], reverse=reverse)
        n = len(ordered)
        return {a: 1 + (3 * i) // n for i, a in enumerate(ordered)}

    r = score({a: -(now - c["last"]) for a, c in customers.items()})
    f = score({a: c["credits"] for a, c in customers.items()})
    m = score({a: c["earned"] for a, c in customers.items()})
    out: dict[str, int] = {}
    for a in customers:
        if r[a] == 3 and f[a] >= 2 and m[a] >= 2:
            name = "champions"
        elif f[a] >= 2 and m[a] >= 2:
            name = "loyal, cooling" if r[a] == 1 else "loyal"
        elif r[a] == 3:
            name = "new or occasional"
        elif r[a] == 1:
            name = "hibernating"
        else:
            name = "needs attention"
        out[name] = out.get(name, 0) + 1
    return dict(sorted(out.items()))


# =====================================================================================
# Series for charts and settlement
# =====================================================================================

def monthly_flows(db: Database, now: int | None = None) -> dict[str, dict[str, int]]:
    """Raw units issued, spent and expired per calendar month (expiry at the lot's expiry time), every
    month from the first to the last with a movement, empty months included (zeros)."""
    now = ledger.indexed_now(db) if now is None else now
    ep = Epochs.of(db)
    out: dict[str, dict[str, int]] = {}

    def add(ts: int, key: str, amount: int) -> None:
        out.setdefault(month(ts), {"issued": 0, "spent": 0, "expired": 0})[key] += amount

    for ts, amount in db.query("SELECT ts, amount FROM transfers WHERE sender = ?", (ZERO,)):
        add(ts, "issued", amount)
    for ts, amount in db.query("SELECT ts, amount FROM transfers WHERE recipient = ?", (ZERO,)):
        add(ts, "spent", amount)
    for epoch, amount in db.query("SELECT epoch, SUM(amount) FROM expirations GROUP BY epoch"):
        add(ep.expiry(epoch), "expired", amount)
    for epoch, amount in db.query("SELECT epoch, SUM(delta) FROM lot_changes WHERE epoch >= 0 AND epoch < ? "
                                  "GROUP BY epoch", (ep.first_live(now),)):
        if amount:
            add(ep.expiry(epoch), "expired", amount)
    if not out:
        return {}
    return {m: out.get(m, {"issued": 0, "spent": 0, "expired": 0}) for m in months_between(min(out), max(out))}


def settlement(db: Database, period: str = "month", merchants: list[str] | None = None) -> dict:
    """Per period and merchant: points it issued, points redeemed at it, and the net position.

    A merchant is an issuer or an acceptor. Points are redeemed at a merchant when a customer pays
    it (transfer to the acceptor) or redeems one of its vault items. Net = redeemed at − issued:
    positive means the alliance owes the merchant for points others issued.
    """
    if period not in ("month", "epoch"):
        raise ConfigError(f"--period: '{period}' is not month or epoch")
    ep = Epochs.of(db)
    accepting = ledger.acceptors(db)

    def key(ts: int) -> str:
        return month(ts) if period == "month" else str(ep.epoch_at(ts))

    table: dict[str, dict[str, dict[str, int]]] = {}

    def add(ts: int, merchant: str, col: str, amount: int) -> None:
        row = table.setdefault(key(ts), {}).setdefault(merchant, {"issued": 0, "redeemed_at": 0})
        row[col] += amount

    vault = (db.meta("contract.RedemptionVault") or "").lower()
    for issuer, ts, amount in db.query("SELECT issuer, ts, amount FROM credits WHERE reason <> 7"):
        if issuer != vault:
            add(ts, issuer, "issued", amount)
    for recipient, sender, ts, amount in db.query("SELECT recipient, sender, ts, amount FROM transfers "
                                                  "WHERE recipient <> ? AND sender <> ?", (ZERO, ZERO)):
        if recipient in accepting and recipient != vault and sender not in accepting:
            add(ts, recipient, "redeemed_at", amount)
    from servicecoin.index.vault import GIVEN_BACK, redemptions

    for r in redemptions(db):
        if r["status"] not in GIVEN_BACK and r["merchant"]:
            add(r["ts"], r["merchant"], "redeemed_at", r["points"])
    periods = {}
    for p, rows in sorted(table.items()):
        if merchants:
            rows = {m: v for m, v in rows.items() if m in merchants}
        periods[p] = {m: {**v, "net": v["redeemed_at"] - v["issued"]} for m, v in sorted(rows.items())}
    totals: dict[str, dict[str, int]] = {}
    for rows in periods.values():
        for m, v in rows.items():
            t = totals.setdefault(m, {"issued": 0, "redeemed_at": 0, "net": 0})
            for k in t:
                t[k] += v[k]
    now = ledger.indexed_now(db)
    return {"as_of": now, "as_of_text": iso(now), "block": int(db.meta("cursor", "0")), "period": period,
            "periods": periods, "totals": totals}
