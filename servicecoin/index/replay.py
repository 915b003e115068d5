"""Replay: decoded events → rows of the index's tables, one range at a time.

Each (contract, event) has a handler (`@handles`) that turns a `Log` into rows; events without
one go to the generic `events` table as JSON. RewardToken's handlers also replay the token's lot
rules (points move oldest epoch first, acceptors hold one plain balance, expiry sweeps a lot), so
balances, lots and expiry can be answered from the database alone. A `Replay` collects the rows
of one range; the indexer writes them in the transaction that moves its cursor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable

from servicecoin.errors import ChainError
from servicecoin.index.db import Database
from servicecoin.index.events import NEVER, ZERO, Log
from servicecoin.loginfo import unpack_info
from servicecoin.servicelog.packed import RECORD_SIZE as PACKED_SIZE
from servicecoin.servicelog.packed import unpack as unpack_packed
from servicecoin.token import Reason

Handler = Callable[["Replay", Log], None]
# (contract, event) → handler. Events without a handler go to the generic `events` table.
HANDLERS: dict[tuple[str, str], Handler] = {}


def running_balance(db: Database, account: str, epoch: int) -> int:
    """The account's lot in `epoch` (NEVER: an acceptor's plain balance) from its newest lot_changes row."""
    return int(db.scalar("SELECT balance FROM lot_changes WHERE account = ? AND epoch = ? "
                         "ORDER BY block DESC, log_index DESC, seq DESC LIMIT 1", (account, epoch), 0))


def handles(contract: str, event: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[(contract, event)] = fn
        return fn

    return register


@dataclass
class Replay:
    """The state one indexing range needs, and the rows it produces (written in one transaction)."""

    db: Database
    genesis: int
    epoch_length: int
    validity: int
    acceptors: set[str]
    lots: dict[str, dict[int, int]] = field(default_factory=dict)
    rows: dict[str, list[tuple]] = field(default_factory=dict)
    pending_mints: list[tuple] = field(default_factory=list)  # (log, to, amount, epoch, to_acceptor)
    pending_tx: str = ""
    _seq: dict[tuple[int, int], int] = field(default_factory=dict)
    # running totals: account → [credited, spent, expired, transferred_in, transferred_out, last log index]
    totals: dict[str, list[int]] = field(default_factory=dict)
    _moved: set[str] = field(default_factory=set)
    _block: int = -1
    extra: dict = field(default_factory=dict)  # state of handlers registered elsewhere (index/replay_v2.py)

    # columns per table, in insert order
    COLUMNS = {
        "transfers": "block, log_index, tx_hash, ts, sender, recipient, amount",
        "credits": "block, log_index, tx_hash, ts, account, issuer, reason, amount, base_amount, ref, batch_id, epoch, counts_lifetime",
        "batches": "block, log_index, tx_hash, ts, batch_id, issuer, reason, recipients, total",
        "expirations": "block, log_index, tx_hash, ts, account, epoch, amount",
        "lot_changes": "block, log_index, seq, account, epoch, delta, balance",
        "budget_changes": "block, log_index, tx_hash, ts, issuer, allowance, used",
        "acceptor_changes": "block, log_index, tx_hash, ts, account, accepted",
        "tier_changes": "block, log_index, tx_hash, ts, thresholds, multipliers",
        "recoveries": "block, log_index, tx_hash, ts, sender, recipient, amount, lifetime, lots",
        "events": "block, log_index, tx_hash, ts, contract, name, args",
        "service_records": "block, log_index, tx_hash, ts, seq, kind, ticket, customer, agent, commitment, detail, ref, record_ts, head, position, form, channel, event_time",
        "service_anchors": "block, log_index, tx_hash, ts, first_seq, count, agent, root, head",
        "service_rewards": "block, log_index, tx_hash, ts, seq, ticket, customer, due, paid",
        "vault_items": "block, log_index, tx_hash, ts, item_id, merchant, kind, price, stock, min_tier, metadata_uri, metadata_hash",
        "redemptions": "block, log_index, tx_hash, ts, id, customer, item_id, quantity, points",
        "redemption_outcomes": "block, log_index, tx_hash, ts, id, outcome, merchant, voucher_hash, points",
        "discounts": "block, log_index, tx_hash, ts, customer, order_ref, points, discount, rate",
        "account_totals": "block, log_index, account, credited, spent, expired, transferred_in, transferred_out",
    }
    TOTALS = ("credited", "spent", "expired", "transferred_in", "transferred_out")

    @classmethod
    def for_range(cls, db: Database, genesis: int, epoch_length: int, validity: int) -> "Replay":
        """A replay starting from what `db` holds: the token's parameters and its current acceptors."""
        acceptors = {a for a, in db.query(
            "SELECT account FROM acceptor_changes c WHERE accepted = 1 AND NOT EXISTS (SELECT 1 FROM acceptor_changes d "
            "WHERE d.account = c.account AND (d.block > c.block OR (d.block = c.block AND d.log_index > c.log_index)))")}
        return cls(db, genesis, epoch_length, validity, acceptors)

    def apply(self, logs: list[Log]) -> None:
        """Replay one range's logs (in chain order) into rows."""
        touched: set[str] = set()
        for log in logs:
            if log.contract == "RewardToken":
                if log.name == "Transfer":
                    touched.add(log.args["from"])
                    touched.add(log.args["to"])
                elif log.name == "PointsExpired":
                    touched.add(log.args["account"])
        self.preload(touched - {ZERO})
        for log in logs:
            if log.block != self._block:
                self.close_block()
            self.begin_log(log)
            HANDLERS.get((log.contract, log.name), _generic)(self, log)
        self.close_block()
        self.flush()

    def write(self) -> None:
        """Insert the rows (inside the caller's transaction; rows already there are kept)."""
        for table, rows in self.rows.items():
            marks = ",".join("?" * len(rows[0]))
            self.db.executemany(f"INSERT INTO {table} ({self.COLUMNS[table]}) VALUES ({marks}) ON CONFLICT DO NOTHING",
                                rows)

    def add(self, table: str, row: tuple) -> None:
        self.rows.setdefault(table, []).append(row)

    def epoch_at(self, ts: int) -> int:
        return (ts - self.genesis) // self.epoch_length

    # ------------------------------------------------------------------ lots
    def preload(self, accounts: set[str]) -> None:
        """Load the current lots of `accounts` in a few queries (before a range is replayed)."""
        todo = [a for a in accounts if a not in self.lots]
        for a in todo:
            self.lots[a] = {}
        for i in range(0, len(todo), 500):
            chunk = todo[i: i + 500]
            marks = ",".join("?" * len(chunk))
            for account, epoch, amount in self.db.query(
                f"SELECT account, epoch, SUM(delta) FROM lot_changes WHERE account IN ({marks}) AND epoch >= 0 "
                f"GROUP BY account, epoch", chunk):
                if amount:
                    self.lots[account][epoch] = amount
            for account, *values in self.db.query(
                f"SELECT account, credited, spent, expired, transferred_in, transferred_out FROM account_totals t "
                f"WHERE account IN ({marks}) AND block = (SELECT MAX(block) FROM account_totals u "
                f"WHERE u.account = t.account)", chunk):
                self.totals[account] = [*(int(v) for v in values), 0]
        for account in todo:
            self.totals.setdefault(account, [0, 0, 0, 0, 0, 0])
        for account in (a for a in todo if a in self.acceptors):  # its newest running balance, not a re-sum
            amount = running_balance(self.db, account, NEVER)
            if amount:
                self.lots[account][NEVER] = amount

    def count(self, log: Log, account: str, total: str, amount: int) -> None:
        """Add to one of the account's running totals (written as one account_totals row per block)."""
        if account not in self.totals:
            row = self.db.query("SELECT credited, spent, expired, transferred_in, transferred_out FROM account_totals "
                                "WHERE account = ? ORDER BY block DESC LIMIT 1", (account,))
            self.totals[account] = [*(int(v) for v in row[0]), 0] if row else [0, 0, 0, 0, 0, 0]
        t = self.totals[account]
        t[self.TOTALS.index(total)] += amount
        t[5] = log.log_index
        self._block = log.block
        self._moved.add(account)

    def close_block(self) -> None:
        for account in sorted(self._moved):
            t = self.totals[account]
            self.add("account_totals", (self._block, t[5], account, *t[:5]))
        self._moved.clear()

    def lots_of(self, account: str) -> dict[int, int]:
        if account not in self.lots:
            self.preload({account})
        return self.lots[account]

    def change_lot(self, log: Log, account: str, epoch: int, delta: int) -> None:
        lots = self.lots_of(account)
        value = lots.get(epoch, 0) + delta
        if value:
            lots[epoch] = value
        else:
            lots.pop(epoch, None)
        key = (log.block, log.log_index)
        seq = self._seq.get(key, 0)
        self._seq[key] = seq + 1
        self.add("lot_changes", (log.block, log.log_index, seq, account, epoch, delta, value))

    def take_oldest(self, log: Log, account: str, amount: int) -> list[tuple[int, int]]:
        """Debit `amount` from the account's oldest lots (the token's FIFO); returns (epoch, taken)."""
        lots = self.lots_of(account)
        taken = []
        for epoch in sorted(e for e in lots if e != NEVER):
            if amount == 0:
                break
            take = min(lots[epoch], amount)
            taken.append((epoch, take))
            amount -= take
        if amount:
            raise ChainError(f"index replay: {account} spends {amount} more than its indexed lots hold "
                             f"(block {log.block}, log {log.log_index}); the index is inconsistent — delete it and reindex")
        for epoch, take in taken:
            self.change_lot(log, account, epoch, -take)
        return taken

    # ------------------------------------------------------------------ transactions
    def begin_log(self, log: Log) -> None:
        if log.tx_hash != self.pending_tx:
            self.pending_mints.clear()
            self.pending_tx = log.tx_hash

    def flush(self) -> None:
        self.pending_mints.clear()
        self.pending_tx = ""


# ---------------------------------------------------------------- RewardToken

@handles("RewardToken", "Transfer")
def _transfer(r: Replay, log: Log) -> None:
    a = log.args
    sender, recipient, value = a["from"], a["to"], a["value"]
    r.add("transfers", (log.block, log.log_index, log.tx_hash, log.ts, sender, recipient, value))
    if sender != ZERO:
        r.count(log, sender, "spent" if recipient == ZERO else "transferred_out", value)
    if recipient != ZERO and sender not in (ZERO, recipient):
        r.count(log, recipient, "transferred_in", value)
    cur = r.epoch_at(log.ts)
    taken: list[tuple[int, int]] = []
    from_customer = False
    if sender != ZERO:
        if sender in r.acceptors:
            r.change_lot(log, sender, NEVER, -value)
        else:
            from_customer = True
            taken = r.take_oldest(log, sender, value)
    if recipient == ZERO:
        return
    if recipient in r.acceptors:
        r.change_lot(log, recipient, NEVER, value)
    elif from_customer:
        for epoch, amount in taken:  # points moved between customers keep their epochs
            r.change_lot(log, recipient, epoch, amount)
    else:
        r.change_lot(log, recipient, cur, value)
    if sender == ZERO:
        r.pending_mints.append((log, recipient, value, cur, recipient in r.acceptors))


@handles("RewardToken", "Issued")
def _issued(r: Replay, log: Log) -> None:
    a = log.args
    for i in range(len(r.pending_mints) - 1, -1, -1):
        mint, to, amount, epoch, to_acceptor = r.pending_mints[i]
        if to == a["to"] and amount == a["amount"]:
            del r.pending_mints[i]
            break
    else:
        epoch, to_acceptor = r.epoch_at(log.ts), a["to"] in r.acceptors
    counts = int(a["reason"] != Reason.REFUND and not to_acceptor)
    r.count(log, a["to"], "credited", a["amount"])
    r.add("credits", (log.block, log.log_index, log.tx_hash, log.ts, a["to"], a["issuer"], a["reason"], a["amount"],
                      a["baseAmount"], a["ref"], None, epoch, counts))


@handles("RewardToken", "BatchIssued")
def _batch_issued(r: Replay, log: Log) -> None:
    a = log.args
    batch = a["batchId"]
    for mint, to, amount, epoch, to_acceptor in r.pending_mints:
        counts = int(a["reason"] != Reason.REFUND and not to_acceptor)
        r.count(mint, to, "credited", amount)
        r.add("credits", (mint.block, mint.log_index, mint.tx_hash, mint.ts, to, a["issuer"], a["reason"], amount,
                          amount, batch, batch, epoch, counts))
    r.pending_mints.clear()
    r.add("batches", (log.block, log.log_index, log.tx_hash, log.ts, batch, a["issuer"], a["reason"],
                      a["recipients"], a["total"]))


@handles("RewardToken", "PointsExpired")
def _points_expired(r: Replay, log: Log) -> None:
    a = log.args
    r.add("expirations", (log.block, log.log_index, log.tx_hash, log.ts, a["account"], a["epoch"], a["amount"]))
    r.count(log, a["account"], "expired", a["amount"])
    r.change_lot(log, a["account"], a["epoch"], -a["amount"])


@handles("RewardToken", "WalletRecovered")
def _wallet_recovered(r: Replay, log: Log) -> None:
    """A completed wallet recovery. Its Transfer (just before, same tx) moved the lots: every live lot
    of the old address, oldest first, keeping epochs; the row here is what statements show."""
    a = log.args
    lots = [[int(e), int(n)] for e, n in zip(a["epochs"], a["amounts"])]
    r.add("recoveries", (log.block, log.log_index, log.tx_hash, log.ts, a["from"], a["to"], a["amount"], a["lifetime"],
                         json.dumps(lots)))


@handles("RewardToken", "IssuerBudgetSet")
def _budget_set(r: Replay, log: Log) -> None:
    a = log.args
    r.add("budget_changes", (log.block, log.log_index, log.tx_hash, log.ts, a["issuer"], str(a["allowance"]), str(a["used"])))


@handles("RewardToken", "AcceptorSet")
def _acceptor_set(r: Replay, log: Log) -> None:
    a = log.args
    account, accepted = a["account"], bool(a["accepted"])
    r.add("acceptor_changes", (log.block, log.log_index, log.tx_hash, log.ts, account, int(accepted)))
    if accepted and account not in r.acceptors:
        r.acceptors.add(account)
        # The token sweeps the account (events already replayed) and starts it clean.
        for epoch, amount in list(r.lots_of(account).items()):
            r.change_lot(log, account, epoch, -amount)
    elif not accepted and account in r.acceptors:
        r.acceptors.discard(account)


@handles("RewardToken", "TiersSet")
def _tiers_set(r: Replay, log: Log) -> None:
    a = log.args
    r.add("tier_changes", (log.block, log.log_index, log.tx_hash, log.ts, json.dumps(a["thresholds"]),
                           json.dumps(a["multipliersBps"])))


# ---------------------------------------------------------------- ServiceLog

@handles("ServiceLog", "Recorded")
def _recorded(r: Replay, log: Log) -> None:
    a = {**log.args, **unpack_info(log.args["info"])}  # seq, timestamp, ref, detail, kind
    r.add("service_records", (log.block, log.log_index, log.tx_hash, log.ts, a["seq"], a["kind"], str(a["ticket"]),
                              a["customer"], a["agent"], a["commitment"], a["detail"], a["ref"], a["timestamp"],
                              a["head"], 0, "single", 0, 0))


@handles("ServiceLog", "BatchRecorded")
def _batch_recorded(r: Replay, log: Log) -> None:
    """One row per packed record; the records are the event's, or its transaction's input (the indexer
    puts them in `records` before the replay)."""
    a = log.args
    raw = bytes.fromhex(str(a["records"])[2:])
    if len(raw) != a["count"] * PACKED_SIZE:
        raise ChainError(f"BatchRecorded in tx {log.tx_hash}: {len(raw)} bytes of records for {a['count']} records")
    for i in range(a["count"]):
        kind, channel, detail, ticket, customer, commitment, ref, time = unpack_packed(raw[i * PACKED_SIZE:(i + 1) * PACKED_SIZE])
        head = a["head"] if i == a["count"] - 1 else ""
        r.add("service_records", (log.block, log.log_index, log.tx_hash, log.ts, a["firstSeq"] + i, kind, str(ticket),
                                  "0x" + customer.hex(), a["agent"], "0x" + commitment.hex(), detail, ref,
                                  a["timestamp"], head, i, "packed", channel, time))


@handles("ServiceLog", "Anchored")
def _anchored(r: Replay, log: Log) -> None:
    a = log.args
    r.add("service_anchors", (log.block, log.log_index, log.tx_hash, log.ts, a["firstSeq"], a["count"], a["agent"],
                              a["root"], a["head"]))


@handles("ServiceLog", "Rewarded")
def _rewarded(r: Replay, log: Log) -> None:
    a = log.args
    r.add("service_rewards", (log.block, log.log_index, log.tx_hash, log.ts, a["seq"], str(a["ticket"]),
                              a["customer"], a["due"], a["paid"]))


# ---------------------------------------------------------------- RedemptionVault

@handles("RedemptionVault", "ItemListed")
def _item_listed(r: Replay, log: Log) -> None:
    a = log.args
    r.add("vault_items", (log.block, log.log_index, log.tx_hash, log.ts, str(a["itemId"]), a["merchant"], a["kind"],
                          a["price"], a["stock"], a["minTier"], a["metadataURI"], a["metadataHash"]))


@handles("RedemptionVault", "Redeemed")
def _redeemed(r: Replay, log: Log) -> None:
    a = log.args
    r.add("redemptions", (log.block, log.log_index, log.tx_hash, log.ts, str(a["id"]), a["customer"], str(a["itemId"]),
                          a["quantity"], a["points"]))


@handles("RedemptionVault", "Fulfilled")
def _fulfilled(r: Replay, log: Log) -> None:
    a = log.args
    r.add("redemption_outcomes", (log.block, log.log_index, log.tx_hash, log.ts, str(a["id"]), "fulfilled",
                                  a["merchant"], a["voucherHash"], 0))


@handles("RedemptionVault", "Refunded")
def _refunded(r: Replay, log: Log) -> None:
    a = log.args
    r.add("redemption_outcomes", (log.block, log.log_index, log.tx_hash, log.ts, str(a["id"]), "refunded",
                                  a["merchant"], None, a["points"]))


@handles("RedemptionVault", "RedemptionCancelled")
def _cancelled(r: Replay, log: Log) -> None:
    a = log.args  # the customer cancelled after the fulfilment deadline: no merchant acted
    r.add("redemption_outcomes", (log.block, log.log_index, log.tx_hash, log.ts, str(a["id"]), "cancelled",
                                  "", None, a["points"]))


@handles("RedemptionVault", "DiscountRedeemed")
def _discount(r: Replay, log: Log) -> None:
    a = log.args
    r.add("discounts", (log.block, log.log_index, log.tx_hash, log.ts, a["customer"], a["orderRef"], a["points"],
                        a["discount"], a["rate"]))


def _generic(r: Replay, log: Log) -> None:
    r.add("events", (log.block, log.log_index, log.tx_hash, log.ts, log.contract, log.name,
                     json.dumps(log.args, default=str, sort_keys=True)))


