"""Pending points answered from the index: credits inside their return window, released ones (spendable,
part of their epoch's lot from their release time on, with no event), and cancelled ones.

A pending credit is in `pending_credits` from its block; it is cancelled when a `pending_cancels` row of
the same issuer, key and account follows it. At time t it is
    pending    when t < release and it is not cancelled,
    released   when t >= release and it was not cancelled (then it counts in its epoch's lot),
    cancelled  otherwise.
"""

from __future__ import annotations

from servicecoin.index.db import Database

# A pending credit's row with no later cancel of the same issuer, key and account.
NOT_CANCELLED = ("NOT EXISTS (SELECT 1 FROM pending_cancels c WHERE c.issuer = p.issuer AND c.key = p.key "
                 "AND c.account = p.account AND (c.block > p.block OR (c.block = p.block AND c.log_index > p.log_index)))")


def pending_of(db: Database, account: str, now: int) -> list[dict]:
    """The account's credits still pending at `now`, soonest release first: amount, release, epoch, key."""
    rows = db.query(f"SELECT amount, release, epoch, key, issuer, block, log_index FROM pending_credits p "
                    f"WHERE account = ? AND release > ? AND {NOT_CANCELLED} ORDER BY release, block, log_index",
                    (account, now))
    return [{"amount": int(a), "release": int(r), "epoch": int(e), "key": k, "issuer": i} for a, r, e, k, i, _, _ in rows]


def released_lots(db: Database, account: str, now: int, first_epoch: int = 0) -> dict[int, int]:
    """Epoch → points of the account's pending credits released by `now` (not cancelled), from `first_epoch`."""
    rows = db.query(f"SELECT epoch, SUM(amount) FROM pending_credits p WHERE account = ? AND release <= ? "
                    f"AND epoch >= ? AND {NOT_CANCELLED} GROUP BY epoch", (account, now, first_epoch))
    return {int(e): int(a) for e, a in rows if a}


def released_between(db: Database, now: int, first_epoch: int, last_epoch: int | None = None) -> int:
    """Points of every pending credit released by `now` (not cancelled) earned in epochs first..last."""
    upper, params = ("AND epoch <= ?", (last_epoch,)) if last_epoch is not None else ("", ())
    return int(db.scalar(f"SELECT SUM(amount) FROM pending_credits p WHERE release <= ? AND epoch >= ? {upper} "
                         f"AND {NOT_CANCELLED}", (now, first_epoch, *params), 0))


def released_rows(db: Database, now: int, first_epoch: int, last_epoch: int) -> list[tuple[str, int, int]]:
    """(account, epoch, points) of released pending credits earned in epochs first..last (reminders)."""
    return [(a, int(e), int(n)) for a, e, n in db.query(
        f"SELECT account, epoch, SUM(amount) FROM pending_credits p WHERE release <= ? AND epoch >= ? AND epoch <= ? "
        f"AND {NOT_CANCELLED} GROUP BY account, epoch", (now, first_epoch, last_epoch))]


def pending_total(db: Database, now: int) -> int:
    """Points pending at `now`: credited, not released, not cancelled (the token's totalPending)."""
    return int(db.scalar(f"SELECT SUM(amount) FROM pending_credits p WHERE release > ? AND {NOT_CANCELLED}", (now,), 0))


def unvested(db: Database, account: str, now: int, after: tuple[int, int], expiry) -> int:
    """Points of the account's pending credits made after `after` (block, log index) that have not counted
    toward its tier by `now`: not released yet, cancelled, or released only once their points had expired
    (`expiry(epoch)`: when points of that epoch expire)."""
    rows = db.query(f"SELECT amount, release, epoch, CASE WHEN {NOT_CANCELLED} THEN 0 ELSE 1 END "
                    f"FROM pending_credits p WHERE account = ? AND (block > ? OR (block = ? AND log_index > ?))",
                    (account, after[0], after[0], after[1]))
    return sum(int(a) for a, r, e, cancelled in rows if cancelled or int(r) > now or int(r) >= expiry(int(e)))


def cancelled_total(db: Database) -> int:
    """Pending points their issuers cancelled (the token's totalCancelled)."""
    return int(db.scalar("SELECT SUM(amount) FROM pending_cancels", default=0))

