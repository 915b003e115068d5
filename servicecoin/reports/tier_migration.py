"""Tier migration per qualification period (analytics, issue 14): how many customers moved up, moved down or
stayed from the end of one period to the end of the next, and how many arrived.

Replayed from the index by the token's rules: a period is `periodEpochs` epochs from genesis (12 when the
token never set a tier policy); the points that qualify are credits that count for lifetime earned, in
the epoch they were earned, less cancelled pending credits. In rolling mode the tier held at the end of a
period is the better of the tier held at its start and the tier its points reached; at a boundary the
tier becomes the one the last period reached, at most one level lower with a soft landing. In lifetime
mode the tier follows lifetime points. A migrated account starts from the tier it brought.
"""

from __future__ import annotations

from servicecoin.index import ledger
from servicecoin.index.db import Database
from servicecoin.reports.dates import utc

DEFAULT_PERIOD_EPOCHS = 12


def _qualifying(db: Database, period: int) -> dict[str, dict[int, int]]:
    """account → period → qualifying points."""
    out: dict[str, dict[int, int]] = {}
    for account, epoch, amount in db.query("SELECT account, epoch, amount FROM credits WHERE counts_lifetime = 1"):
        per = out.setdefault(account, {})
        per[epoch // period] = per.get(epoch // period, 0) + int(amount)
    for account, epoch, amount in db.query(
            "SELECT c.account, p.epoch, c.amount FROM pending_cancels c JOIN pending_credits p ON p.issuer = c.issuer "
            "AND p.key = c.key AND p.account = c.account"):
        per = out.setdefault(account, {})
        per[epoch // period] = per.get(epoch // period, 0) - int(amount)
    return out


def held_by_period(reached: dict[int, int], first: int, last: int, rolling: bool, soft: bool,
                   start_tier: int = 0) -> dict[int, int]:
    """Period → tier held at its end, from `first` to `last`, given the tier each period's points reached
    (`reached`; cumulative lifetime tiers in lifetime mode)."""
    held: dict[int, int] = {}
    start = start_tier
    for p in range(first, last + 1):
        got = reached.get(p, 0)
        end = max(start, got)
        held[p] = end
        if rolling:
            start = max(got, end - 1) if soft else got
        else:
            start = end
    return held


def tier_migration(db: Database, now: int, names: list[str]) -> dict:
    """Per period (oldest first): customers who moved up, moved down, stayed, and arrived."""
    ep = ledger.Epochs.of(db)
    mode, period, soft = ledger.tier_policy(db)
    period = period or DEFAULT_PERIOD_EPOCHS
    rolling = mode == 1
    thresholds, _ = ledger.tier_table(db)
    current = max(0, ep.epoch_at(now)) // period
    accepting = ledger.acceptors(db)
    points = _qualifying(db, period)
    brought = {a: (ep.epoch_at(ts) // period, int(t)) for a, ts, t in db.query("SELECT account, ts, tier FROM migrations")}
    rows = [{"period": p, "starts": utc(ep.genesis + p * period * ep.length), "up": 0, "down": 0, "stayed": 0,
             "new": 0, "complete": p < current} for p in range(current + 1)]
    now_held: dict[int, int] = {}  # tier → customers holding it now
    for account in set(points) | set(brought):
        if account in accepting:
            continue
        per = points.get(account, {})
        first, start_tier = brought.get(account, (min(per) if per else current, 0))
        first = min([first, *per]) if per else first
        if rolling:
            reached = {p: ledger.tier_for(max(0, q), thresholds) for p, q in per.items()}
        else:
            total, reached = 0, {}
            for p in range(first, current + 1):
                total += per.get(p, 0)
                reached[p] = ledger.tier_for(total, thresholds)
        held = held_by_period(reached, first, current, rolling, soft, start_tier)
        now_held[held[current]] = now_held.get(held[current], 0) + 1
        rows[first]["new"] += 1
        for p in range(first + 1, current + 1):
            key = "up" if held[p] > held[p - 1] else "down" if held[p] < held[p - 1] else "stayed"
            rows[p][key] += 1
    return {"mode": "rolling" if rolling else "lifetime", "period_epochs": period, "soft_landing": soft,
            "tier_names": names, "periods": rows,
            "held_now": {(names[t] if t < len(names) else f"tier {t}"): now_held.get(t, 0)
                         for t in range(max(1, len(thresholds)))}}
