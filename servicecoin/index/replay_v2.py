"""Replay of the RewardToken events of issue 14 (registered over replay.py's handlers on import):

    PointsExpired      one sweep of epochs from..to (the old layout's one event per lot is still read)
    Issued, BatchIssued  a credit for a reason of the pending policy in force is pending: its mint put it
                       in a lot, it leaves the lot for a `pending_credits` row, released at its block time
                       plus the window (the policy from PendingPolicySet)
    Transfer           before an account's points move, its released pending credits join its lots; the
                       burn of a cancelled pending credit (marked by token_inputs) is no spend and moves no lot
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


def _policy(r: Replay) -> tuple[int, int]:
    """The pending policy in force: (reason mask, window in seconds); (0, 0) before any PendingPolicySet."""
    if "policy" not in r.extra:
        rows = r.db.query("SELECT mode, period FROM policy_changes WHERE kind = 'pending' "
                          "ORDER BY block DESC, log_index DESC LIMIT 1")
        r.extra["policy"] = (int(rows[0][0]), int(rows[0][1])) if rows else (0, 0)
    return r.extra["policy"]


def is_pending(r: Replay, reason: int, to: str) -> bool:
    """Whether a credit for `reason` to `to` is pending under the policy in force (never to an acceptor)."""
    mask, window = _policy(r)
    return bool(window and mask >> reason & 1) and to not in r.acceptors


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


def _pending(r: Replay, log: Log, to: str, issuer: str, key: str, amount: int, epoch: int) -> None:
    """A pending credit: its mint (the Transfer just before) put it in a lot; it leaves the lot until release."""
    r.change_lot(log, to, epoch, -amount)
    r.add("pending_credits", (log.block, log.log_index, 0, log.tx_hash, log.ts, to, issuer, key, amount, epoch,
                              log.ts + _policy(r)[1]))


@handles("RewardToken", "Transfer")
def _transfer_v2(r: Replay, log: Log) -> None:
    if log.args.get("pending_cancel"):
        return  # a cancelled pending credit leaving: not a spend, and never in a lot (PendingCancelled says it)
    if log.args["from"] != ZERO:
        vest(r, log.args["from"], log.ts)
    _transfer(r, log)


@handles("RewardToken", "Issued")
def _issued_v2(r: Replay, log: Log) -> None:
    a = log.args
    mint = next((m for m in reversed(r.pending_mints) if m[1] == a["to"] and m[2] == a["amount"]), None)
    _issued(r, log)
    if mint is not None and is_pending(r, a["reason"], a["to"]):
        _pending(r, log, a["to"], a["issuer"], a["ref"], a["amount"], mint[3])


@handles("RewardToken", "BatchIssued")
def _batch_issued_v2(r: Replay, log: Log) -> None:
    a = log.args
    mints = list(r.pending_mints)
    _batch_issued(r, log)
    for mint, to, amount, epoch, _ in mints:
        if is_pending(r, a["reason"], to):
            _pending(r, mint, to, a["issuer"], a["batchId"], amount, epoch)


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
    r.extra["policy"] = (a["reasonMask"], a["window"])
    r.add("policy_changes", (log.block, log.log_index, log.tx_hash, log.ts, "pending", a["reasonMask"], a["window"], 0))


@handles("RewardToken", "AccountMigrated")
def _account_migrated(r: Replay, log: Log) -> None:
    """The account's mint (the Transfer before it) went to the current epoch's lot; the input says which
    epochs the lots really belong to (their expiry is kept), and which pending credits came along."""
    a = log.args
    account = a["account"]
    r.add("migrations", (log.block, log.log_index, log.tx_hash, log.ts, account, a["balance"], a["pending"], a["tier"]))
    record = a.get("record")
    if record is None:
        return
    minted = [m for m in r.pending_mints if m[1] == account]
    r.pending_mints[:] = [m for m in r.pending_mints if m[1] != account]
    for _, _, amount, epoch, _ in minted:
        r.change_lot(log, account, epoch, -amount)
    for epoch, amount in record.lots:
        r.change_lot(log, account, epoch, amount)
    for seq, p in enumerate(record.pending):
        r.add("pending_credits", (log.block, log.log_index, seq, log.tx_hash, log.ts, account, p.issuer.lower(),
                                  p.key, p.amount, p.epoch, p.release))
