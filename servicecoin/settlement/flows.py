"""The index's movements in a time window, attributed to the parties of the clearing.

Customers' live points are the program's liability. Every movement that changes it is attributed to
one party (a merchant, or the clearing house for the program's own keys and contracts):

| movement | attributed as |
|---|---|
| credit to a customer (`credits`) | issued by its issuer |
| an acceptor pays points out to a customer | issued by that acceptor |
| customer pays an acceptor | redeemed with that acceptor |
| customer redeems a vault item (burn) | redeemed with the item's merchant (at redemption time) |
| a vault refund or cancellation (its reason-7 credit) | a negative redemption with that merchant |
| any other burn from a customer (checkout discounts, `spend`) | redeemed with the clearing house |

Customer-to-customer transfers and movements between acceptors leave the liability unchanged.
Each movement is valued at the terms in force at its block time. `inflows` keeps, per lot epoch and
party, the points that entered customers' lots (what breakage is shared by).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

from servicecoin.index.db import Database
from servicecoin.index.events import ZERO
from servicecoin.index.ledger import Epochs
from servicecoin.settlement.terms import TermsHistory
from servicecoin.token import Reason


@dataclass
class Figures:
    """One party's points (raw) and money (atoms) in a window."""

    issued: int = 0
    redeemed: int = 0
    issued_value: int = 0
    redeemed_value: int = 0


@dataclass
class Flows:
    parties: dict[str, Figures] = field(default_factory=lambda: defaultdict(Figures))
    inflows: dict[int, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))


@dataclass(frozen=True)
class Roles:
    """Who is the clearing house: its account and the program's contracts (they merge into one party)."""

    clearing_house: str
    house: frozenset[str]
    vault: str

    @classmethod
    def of(cls, db: Database) -> "Roles":
        from servicecoin.errors import ConfigError

        rows = db.query("SELECT args FROM events WHERE contract = 'Settlement' AND name = 'ClearingHouseSet'")
        if not rows:
            raise ConfigError("the index holds no Settlement contract: deploy it ('svc deploy') and run 'svc index'")
        ch = json.loads(rows[0][0])["clearingHouse"].lower()
        contracts = {(db.meta(f"contract.{n}") or "").lower() for n in ("RedemptionVault", "ServiceLog", "Settlement")}
        return cls(ch, frozenset(({ch, ZERO} | contracts) - {""}), (db.meta("contract.RedemptionVault") or "").lower())

    def party(self, account: str) -> str:
        return self.clearing_house if account in self.house else account


def _acceptor_timeline(db: Database) -> list[tuple[int, int, str, int]]:
    return db.query("SELECT block, log_index, account, accepted FROM acceptor_changes ORDER BY block, log_index")


def _item_merchants(db: Database) -> dict[str, list[tuple[tuple[int, int], str]]]:
    """item id → [(position, merchant)]: listed, then every ItemReassigned, in chain order."""
    out: dict[str, list] = defaultdict(list)
    for b, i, item, m in db.query("SELECT block, log_index, item_id, merchant FROM vault_items ORDER BY block, log_index"):
        out[item].append(((b, i), m))
    for b, i, args in db.query("SELECT block, log_index, args FROM events WHERE name = 'ItemReassigned' "
                               "ORDER BY block, log_index"):
        a = json.loads(args)
        out[str(a["itemId"])].append(((b, i), a["newMerchant"].lower()))
    return out


def _merchant_at(history: list, pos: tuple[int, int]) -> str:
    found = ""
    for p, m in history:
        if p <= pos:
            found = m
    return found


def flows(db: Database, start: int, end: int, roles: Roles, terms: TermsHistory) -> Flows:
    """Movements with start <= ts < end, attributed and valued."""
    ep = Epochs.of(db)
    out = Flows()
    timeline = _acceptor_timeline(db)
    items = _item_merchants(db)

    def add(party: str, kind: str, ts: int, amount: int, epoch: int | None = None) -> None:
        f = out.parties[roles.party(party)]
        value = terms.at(ts).value(amount)
        if kind == "issued":
            f.issued += amount
            f.issued_value += value
        else:
            f.redeemed += amount
            f.redeemed_value += value
        if epoch is not None:
            out.inflows[epoch][roles.party(party)] += amount

    # every position-ordered movement, merged with the acceptor changes
    events: list[tuple] = []
    for b, i, tx, ts, acc, issuer, reason, amount, epoch in db.query(
            "SELECT block, log_index, tx_hash, ts, account, issuer, reason, amount, epoch FROM credits "
            "WHERE ts >= ? AND ts < ?", (start, end)):
        events.append(((b, i), "credit", (tx, ts, acc, issuer, reason, amount, epoch)))
    for b, i, tx, ts, s, r, amount in db.query(
            "SELECT block, log_index, tx_hash, ts, sender, recipient, amount FROM transfers WHERE ts >= ? AND ts < ? "
            "AND sender <> ?", (start, end, ZERO)):
        events.append(((b, i), "transfer", (tx, ts, s, r, amount)))
    redeemed_in_tx: dict[str, list[tuple[str, str, int, tuple]]] = defaultdict(list)
    for b, i, tx, cust, item, points in db.query(
            "SELECT block, log_index, tx_hash, customer, item_id, points FROM redemptions WHERE ts >= ? AND ts < ?",
            (start, end)):
        redeemed_in_tx[tx].append((cust, item, points, (b, i)))
    redemption_item = dict(db.query("SELECT id, item_id FROM redemptions"))
    redemption_pos = {rid: (b, i) for rid, b, i in db.query("SELECT id, block, log_index FROM redemptions")}
    for b, i, ts, rid, outcome, merchant, points in db.query(
            "SELECT block, log_index, ts, id, outcome, merchant, points FROM redemption_outcomes "
            "WHERE outcome <> 'fulfilled' AND ts >= ? AND ts < ?", (start, end)):
        item = redemption_item.get(rid, "")
        m = merchant or _merchant_at(items.get(item, []), redemption_pos.get(rid, (b, i)))
        events.append(((b, i), "refund", (ts, m or roles.clearing_house, points)))
    events.sort(key=lambda e: e[0])

    accepting: set[str] = set()
    t = 0
    for pos, kind, data in events:
        while t < len(timeline) and timeline[t][:2] <= pos:
            _, _, account, accepted = timeline[t]
            (accepting.add if accepted else accepting.discard)(account)
            t += 1
        if kind == "credit":
            tx, ts, acc, issuer, reason, amount, epoch = data
            if acc in accepting or (issuer == roles.vault and reason == Reason.REFUND):
                continue  # credits to acceptors are no liability; vault refunds come as "refund"
            add(issuer, "issued", ts, amount, epoch)
        elif kind == "refund":
            ts, merchant, points = data
            add(merchant, "redeemed", ts, -points, ep.epoch_at(ts))
        else:
            tx, ts, s, r, amount = data
            from_customer = s not in accepting
            if from_customer and r == ZERO:
                match = next((x for x in redeemed_in_tx.get(tx, []) if x[0] == s and x[2] == amount), None)
                if match:
                    redeemed_in_tx[tx].remove(match)
                    merchant = _merchant_at(items.get(match[1], []), match[3]) or roles.clearing_house
                    add(merchant, "redeemed", ts, amount)
                else:
                    add(roles.clearing_house, "redeemed", ts, amount)
            elif from_customer and r in accepting:
                add(r, "redeemed", ts, amount)
            elif not from_customer and r != ZERO and r not in accepting:
                add(s, "issued", ts, amount, ep.epoch_at(ts))
    return out
