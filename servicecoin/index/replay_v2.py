"""Replay of the RewardToken events of issue 14 (registered over replay.py's handlers on import):

    PointsExpired      one sweep of epochs from..to (the old layout's one event per lot is still read)
    Issued, BatchIssued  a credit with no mint is pending: a `pending_credits` row, its release time from
                       the pending policy in force (a batch's amounts from its transaction input)
    Transfer           before an account's points move, its released pending credits join its lots
    PendingCancelled, TierChanged, TierPolicySet, PendingPolicySet, AccountMigrated  rows of their tables
                       (a migrated account's lots, with their epochs, from the migrateAccounts input)

Released pending credits are not written to `lot_changes` (no event releases them): the replay adds them
to an account's in-memory lots when it next moves, and the ledger adds them at query time.
"""

from __future__ import annotations

from servicecoin.errors import ChainError
from servicecoin.index.events import NEVER, ZERO, Log
from servicecoin.index.pending import released_lots
from servicecoin.index.replay import HANDLERS, Replay, handles

Replay.COLUMNS.update({
    "expiry_sweeps": "block, log_index, tx_hash, ts, account, amount, from_epoch, to_epoch",
    "pending_credits": "block, log_index, seq, tx_hash, ts, account, issuer, key, amount, epoch, release",
    "pending_cancels": "block, log_index, tx_hash, ts, issuer, key, account, amount",
    "tier_moves": "block, log_index, tx_hash, ts, account, from_tier, to_tier",
    "policy_changes": "block, log_index, tx_hash, ts, kind, mode, period, flag",
    "migrations": "block, log_index, tx_hash, ts, account, balance, pending, tier",
})
_transfer, _issued, _batch_issued, _expired_lot = (HANDLERS[("RewardToken", n)] for n in
                                                   ("Transfer", "Issued", "BatchIssued", "PointsExpired"))


def _window(r: Replay) -> int:
    """The pending window in force (seconds; 0 before any PendingPolicySet)."""
    if "window" not in r.extra:
        rows = r.db.query("SELECT period FROM policy_changes WHERE kind = 'pending' "
                          "ORDER BY block DESC, log_index DESC LIMIT 1")
        r.extra["window"] = int(rows[0][0]) if rows else 0
    return r.extra["window"]


def vest(r: Replay, account: str, now: int) -> None:
    """Add the account's pending credits released by `now` (and not cancelled) to its in-memory lots, once."""
    if account == ZERO or account in r.acceptors:
        return
    vested = r.extra.setdefault("vested", {})
    lots = r.lots_of(account)
    have = vested.setdefault(account, {})
    for epoch, amount in released_lots(r.db, account, now).items():
        grown = amount - have.get(epoch, 0)
        if grown:
            lots[epoch] = lots.get(epoch, 0) + grown
            have[epoch] = amount
    for row in r.rows.get("pending_credits", []):  # credits of this range not in the database yet
        _, _, _, _, _, to, issuer, key, amount, epoch, release = row
        tag = (row[0], row[1], row[2])
        if to == account and release <= now and tag not in r.extra.setdefault("vested_rows", set()) \
                and not _cancelled_in_range(r, issuer, key, to):
            r.extra["vested_rows"].add(tag)
            lots[epoch] = lots.get(epoch, 0) + amount


def _cancelled_in_range(r: Replay, issuer: str, key: str, account: str) -> bool:
    return any(c[4] == issuer and c[5] == key and c[6] == account for c in r.rows.get("pending_cancels", []))


def _pending(r: Replay, log: Log, seq: int, to: str, issuer: str, key: str, amount: int) -> None:
    r.add("pending_credits", (log.block, log.log_index, seq, log.tx_hash, log.ts, to, issuer, key, amount,
                              r.epoch_at(log.ts), log.ts + _window(r)))


@handles("RewardToken", "Transfer")
def _transfer_v2(r: Replay, log: Log) -> None:
    if log.args["from"] != ZERO:
        vest(r, log.args["from"], log.ts)
    _transfer(r, log)


@handles("RewardToken", "Issued")
def _issued_v2(r: Replay, log: Log) -> None:
    a = log.args
    minted = any(to == a["to"] and amount == a["amount"] for _, to, amount, _, _ in r.pending_mints)
    _issued(r, log)
    if not minted and a["to"] not in r.acceptors:
        _pending(r, log, 0, a["to"], a["issuer"], a["ref"], a["amount"])


@handles("RewardToken", "BatchIssued")
def _batch_issued_v2(r: Replay, log: Log) -> None:
    a = log.args
    minted = bool(r.pending_mints)
    _batch_issued(r, log)
    credits = a.get("credits")  # [(recipient, amount)] from the input, when the batch minted nothing
    if minted or not credits:
        return
    if sum(n for _, n in credits) != a["total"]:
        raise ChainError(f"index replay: pending batch {a['batchId']} (tx {log.tx_hash}) credited {a['total']}, its "
                         f"recipients' pending credits add up to {sum(n for _, n in credits)}; reindex from a node "
                         f"that keeps old state (archive)")
    for seq, (to, amount) in enumerate(credits):
        _pending(r, log, seq, to, a["issuer"], a["batchId"], amount)
        r.count(log, to, "credited", amount)
        # one credits row per recipient, at a position of its own after the batch's log (no Transfer has one)
        r.add("credits", (log.block, log.log_index * 1_000 + seq + 1, log.tx_hash, log.ts, to, a["issuer"], a["reason"],
                          amount, amount, a["batchId"], a["batchId"], r.epoch_at(log.ts), int(a["reason"] != 7)))


@handles("RewardToken", "PointsExpired")
def _points_expired(r: Replay, log: Log) -> None:
    a = log.args
    if "epoch" in a:  # the old layout: one event per lot
        _expired_lot(r, log)
        return
    account, first, last = a["account"], a["fromEpoch"], a["toEpoch"]
    vest(r, account, log.ts)
    lots = r.lots_of(account)
    swept = [(e, n) for e, n in sorted(lots.items()) if e != NEVER and first <= e <= last]
    if sum(n for _, n in swept) != a["amount"]:
        raise ChainError(f"index replay: {account} sweeps {a['amount']} expired points of epochs {first}-{last}, its "
                         f"indexed lots there hold {sum(n for _, n in swept)} (block {log.block}); the index is "
                         f"inconsistent — delete it and reindex")
    r.add("expiry_sweeps", (log.block, log.log_index, log.tx_hash, log.ts, account, a["amount"], first, last))
    r.add("expirations", (log.block, log.log_index, log.tx_hash, log.ts, account, first, a["amount"]))
    r.count(log, account, "expired", a["amount"])
    for epoch, amount in swept:
        r.change_lot(log, account, epoch, -amount)


@handles("RewardToken", "PendingCancelled")
def _pending_cancelled(r: Replay, log: Log) -> None:
    a = log.args
    r.add("pending_cancels", (log.block, log.log_index, log.tx_hash, log.ts, a["issuer"], a["key"], a["recipient"],
                              a["amount"]))


@handles("RewardToken", "TierChanged")
def _tier_changed(r: Replay, log: Log) -> None:
    a = log.args
    r.add("tier_moves", (log.block, log.log_index, log.tx_hash, log.ts, a["account"], a["fromTier"], a["toTier"]))


@handles("RewardToken", "TierPolicySet")
def _tier_policy(r: Replay, log: Log) -> None:
    a = log.args
    r.add("policy_changes", (log.block, log.log_index, log.tx_hash, log.ts, "tier", a["mode"], a["periodEpochs"],
                             int(a["softLanding"])))


@handles("RewardToken", "PendingPolicySet")
def _pending_policy(r: Replay, log: Log) -> None:
    a = log.args
    r.extra["window"] = a["window"]
    r.add("policy_changes", (log.block, log.log_index, log.tx_hash, log.ts, "pending", a["reasonMask"], a["window"], 0))


@handles("RewardToken", "AccountMigrated")
def _account_migrated(r: Replay, log: Log) -> None:
    """The Transfer just before minted `balance` into the current epoch's lot; the input says which epochs
    the lots really belong to (their expiry is kept), and which pending credits came along."""
    a = log.args
    account = a["account"]
    r.add("migrations", (log.block, log.log_index, log.tx_hash, log.ts, account, a["balance"], a["pending"], a["tier"]))
    record = a.get("record")
    if record is None:
        return
    r.pending_mints[:] = [m for m in r.pending_mints if m[1] != account]
    if a["balance"]:
        r.change_lot(log, account, r.epoch_at(log.ts), -a["balance"])
    for epoch, amount in record.lots:
        r.change_lot(log, account, epoch, amount)
    for seq, p in enumerate(record.pending):
        r.add("pending_credits", (log.block, log.log_index, seq, log.tx_hash, log.ts, account, p.issuer.lower(),
                                  p.key, p.amount, record.touched, p.release))

