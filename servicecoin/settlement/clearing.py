"""The settlement statement of one period, from the index alone.

For each party (every merchant active in the period, and the clearing house for the program's own
keys and contracts): points issued, points redeemed with it, its breakage share, and its net in money,
positive when the clearing house owes it (redeemed + breakage share - issued, each valued at the terms
in force at the movement). Breakage is the lots whose expiry falls in the period, valued at their
expiry; under `return_to_issuers` each lot is shared among the parties whose points entered it, pro
rata (largest remainder in raw points, ties to the lower address), else the clearing house keeps it.

The check: sum of all nets + change in customers' outstanding liability (valued the same way) +
breakage kept = 0. The transfer plan settles the merchants' nets with the clearing house in at most
n-1 transfers. Money is integer atoms (1e-8 currency) throughout.
"""

from __future__ import annotations

from servicecoin.errors import ConfigError
from servicecoin.index.db import Database
from servicecoin.index.ledger import Epochs
from servicecoin.money import Breakage, plain
from servicecoin.settlement.flows import Figures, Roles, flows
from servicecoin.reports.dates import utc
from servicecoin.settlement.periods import Period
from servicecoin.settlement.terms import TermsHistory
from servicecoin.settlement.transfers import plan
from servicecoin.token import plain_points as points

STATEMENT_VERSION = 1


def liability(db: Database, ep: Epochs, t: int) -> int:
    """Customers' live points just before time t: movements before t in lots that expire at t or later."""
    min_epoch = max(0, -(-(t - ep.genesis) // ep.length) - ep.validity)
    return int(db.scalar("SELECT SUM(l.delta) FROM lot_changes l JOIN blocks b ON b.number = l.block "
                         "WHERE b.ts < ? AND l.epoch >= ?", (t, min_epoch), 0))


def expired_lots(db: Database, ep: Epochs, start: int, end: int) -> list[tuple[int, int, int]]:
    """(epoch, expiry time, points) of every lot epoch expiring in [start, end), what was left at expiry."""
    out = []
    first = max(0, -(-(start - ep.genesis) // ep.length) - ep.validity)
    e = first
    while ep.expiry(e) < end:
        if ep.expiry(e) >= start:
            amount = int(db.scalar("SELECT SUM(l.delta) FROM lot_changes l JOIN blocks b ON b.number = l.block "
                                   "WHERE l.epoch = ? AND b.ts < ?", (e, ep.expiry(e)), 0))
            if amount:
                out.append((e, ep.expiry(e), amount))
        e += 1
    return out


def share(amount: int, weights: dict[str, int]) -> dict[str, int]:
    """`amount` split pro rata to `weights` in whole units: largest remainder, ties to the lower key."""
    total = sum(weights.values())
    base = {k: amount * w // total for k, w in weights.items()}
    left = amount - sum(base.values())
    order = sorted(weights, key=lambda k: (-(amount * weights[k] % total), k))
    for k in order[:left]:
        base[k] += 1
    return base


def settlement_statement(db: Database, period: Period, chain_id: int | None = None) -> dict:
    """The statement of `period` (a dict ready for canonical JSON). Raises when the index does not reach
    the end of the period yet (a statement is of a closed period only)."""
    ep = Epochs.of(db)
    cursor_ts = int(db.meta("cursor_ts") or 0)
    if cursor_ts < period.end:
        raise ConfigError(f"period {period.label} ends {utc(period.end)}; the index reaches {utc(cursor_ts)}: "
                          f"a statement needs a closed period (index again after its end)")
    roles, terms = Roles.of(db), TermsHistory.of(db)
    in_force = terms.during(period.start, period.end)
    currencies = {t.currency for _, t in in_force}
    if len(currencies) > 1:
        raise ConfigError(f"period {period.label}: the currency changed within it ({', '.join(sorted(currencies))})")
    f = flows(db, period.start, period.end, roles, terms)
    lots = expired_lots(db, ep, period.start, period.end)
    inflows: dict = {}
    if lots:  # who put points into the expired lots: the epochs' windows, whenever they were
        first, last = min(e for e, _, _ in lots), max(e for e, _, _ in lots)
        inflows = flows(db, ep.genesis + first * ep.length, ep.genesis + (last + 1) * ep.length, roles, terms).inflows
    breakage: dict[str, list[int]] = {}  # party → [points, atoms]
    expired_points = expired_value = kept_points = kept_value = 0
    lot_rows = []
    for e, at, amount in lots:
        t = terms.at(at)
        expired_points += amount
        expired_value += t.value(amount)
        weights = {p: w for p, w in inflows.get(e, {}).items() if w > 0}
        if t.breakage == Breakage.KEPT_BY_OPERATOR or not weights:
            kept_points += amount
            kept_value += t.value(amount)
            shares = {}
        else:
            shares = share(amount, weights)
            for p, s in shares.items():
                b = breakage.setdefault(p, [0, 0])
                b[0] += s
                b[1] += t.value(s)
        lot_rows.append({"epoch": e, "expired_at": utc(at), "points": points(amount), "value": plain(t.value(amount)),
                         "policy": t.breakage.label, "shares": {p: points(s) for p, s in sorted(shares.items())}})

    parties: dict[str, dict] = {}
    for p in sorted(set(f.parties) | set(breakage)):
        fig = f.parties.get(p, Figures())
        bp, bv = breakage.get(p, [0, 0])
        if not (fig.issued or fig.redeemed or bp) and p != roles.clearing_house:
            continue
        net = fig.redeemed_value + bv - fig.issued_value
        parties[p] = {"issued": fig.issued, "issued_value": fig.issued_value, "redeemed": fig.redeemed,
                      "redeemed_value": fig.redeemed_value, "breakage": bp, "breakage_value": bv, "net": net}
    parties.setdefault(roles.clearing_house, {"issued": 0, "issued_value": 0, "redeemed": 0, "redeemed_value": 0,
                                              "breakage": 0, "breakage_value": 0, "net": 0})
    merchants = {p: v for p, v in parties.items() if p != roles.clearing_house}
    house = parties[roles.clearing_house]

    opening, closing = liability(db, ep, period.start), liability(db, ep, period.end)
    issued_all = sum(v["issued"] for v in parties.values())
    redeemed_all = sum(v["redeemed"] for v in parties.values())
    change_value = (sum(v["issued_value"] for v in parties.values()) - sum(v["redeemed_value"] for v in parties.values())
                    - expired_value)
    nets = sum(v["net"] for v in parties.values())
    balances = {p: v["net"] for p, v in merchants.items()}
    balances[roles.clearing_house] = -sum(balances.values())
    currency = in_force[0][1].currency
    through = db.scalar("SELECT MAX(number) FROM blocks WHERE ts < ?", (period.end,), 0)

    def row(p: str, v: dict) -> dict:
        return {"address": p, "issued_points": points(v["issued"]), "issued_value": plain(v["issued_value"]),
                "redeemed_points": points(v["redeemed"]), "redeemed_value": plain(v["redeemed_value"]),
                "breakage_points": points(v["breakage"]), "breakage_value": plain(v["breakage_value"]),
                "net": plain(v["net"]), "net_atoms": v["net"]}

    return {
        "kind": "servicecoin.settlement.statement",
        "version": STATEMENT_VERSION,
        "chain_id": chain_id if chain_id is not None else int(db.meta("chain_id") or 0),
        "token": db.meta("token"),
        "settlement_contract": (db.meta("contract.Settlement") or "").lower(),
        "period": {**period.as_json(), "through_block": int(through)},
        "currency": currency,
        "terms": [{"from": utc(t), **x.as_json()} for t, x in in_force],
        "clearing_house": {**row(roles.clearing_house, house),
                           "settlement_balance": plain(balances[roles.clearing_house])},
        "merchants": [row(p, v) for p, v in merchants.items()],
        "breakage": {"expired_points": points(expired_points), "expired_value": plain(expired_value),
                     "returned_value": plain(expired_value - kept_value), "kept_points": points(kept_points),
                     "kept_value": plain(kept_value), "lots": lot_rows},
        "liability": {"opening_points": points(opening), "closing_points": points(closing),
                      "change_points": points(closing - opening), "change_value": plain(change_value),
                      "issued_points": points(issued_all), "redeemed_points": points(redeemed_all),
                      "expired_points": points(expired_points)},
        "check": {"sum_of_nets": plain(nets), "change_in_liability": plain(change_value),
                  "breakage_kept": plain(kept_value), "total": plain(nets + change_value + kept_value),
                  "liability_moves_match": closing - opening == issued_all - redeemed_all - expired_points},
        "transfers": [{**t, "amount": plain(t["amount"]), "amount_atoms": t["amount"]} for t in plan(balances)],
    }
