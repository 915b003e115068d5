"""Balances, lots, tiers and expiry answered from the index (what statements and reports share)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from servicecoin.errors import ConfigError
from servicecoin.index import pending
from servicecoin.index.db import Database
from servicecoin.index.events import NEVER, ZERO

DAY = 86_400
REASONS = ["purchase", "feedback", "survey", "referral", "social", "campaign", "compensation", "refund"]
RECORD_KINDS = ["opened", "reply", "resolved", "follow-up", "complaint", "feedback", "amendment"]
OUTCOMES = ["reached", "not reached", "satisfied", "unsatisfied"]
# SQL condition on a `transfers` row: it is not the Transfer of a wallet recovery (which statements
# and reports show as the recovery, from the `recoveries` table).
NOT_RECOVERY = ("NOT EXISTS (SELECT 1 FROM recoveries v WHERE v.tx_hash = transfers.tx_hash "
                "AND v.sender = transfers.sender AND v.recipient = transfers.recipient)")


@dataclass(frozen=True)
class Epochs:
    """The token's expiry clock, as stored in the index's meta table."""

    genesis: int
    length: int
    validity: int

    @classmethod
    def of(cls, db: Database) -> "Epochs":
        genesis = db.meta("genesis")
        if genesis is None:
            raise ConfigError(f"index database {db.url}: empty; run 'svc index' first")
        return cls(int(genesis), int(db.meta("epoch_length")), int(db.meta("validity")))

    def epoch_at(self, ts: int) -> int:
        return (ts - self.genesis) // self.length

    def expiry(self, epoch: int) -> int:
        return self.genesis + (epoch + self.validity) * self.length

    def first_live(self, now: int) -> int:
        """The oldest epoch whose points are still live at `now`.

        Never below 0: in the program's first `validity` epochs nothing has expired yet, and a
        negative bound would take in lot epoch -1 (NEVER), an acceptor's plain balance."""
        return max(0, self.epoch_at(now) - self.validity + 1)


def norm(address: str) -> str:
    """An address as the index stores it (lower case), or a ConfigError."""
    a = address.strip().lower()
    if not (a.startswith("0x") and len(a) == 42 and all(c in "0123456789abcdef" for c in a[2:])):
        raise ConfigError(f"'{address}' is not an address")
    return a


def indexed_now(db: Database) -> int:
    """The time of the newest indexed block (the index's 'now' when no node is asked)."""
    return int(db.meta("cursor_ts") or db.scalar("SELECT MAX(ts) FROM blocks", default=0))


def acceptors(db: Database) -> set[str]:
    rows = db.query("SELECT account, accepted FROM acceptor_changes ORDER BY block, log_index")
    current: dict[str, int] = {}
    for account, accepted in rows:
        current[account] = accepted
    return {a for a, v in current.items() if v}


def lots(db: Database, account: str, now: int) -> list[dict]:
    """The account's live lots at `now`, oldest first (amount, epoch, expires_at); pending credits released
    by `now` are part of their epoch's lot."""
    ep = Epochs.of(db)
    amounts = pending.released_lots(db, account, now, ep.first_live(now))
    for e, a in db.query("SELECT epoch, SUM(delta) FROM lot_changes WHERE account = ? AND epoch >= ? "
                         "GROUP BY epoch", (account, ep.first_live(now))):
        amounts[e] = amounts.get(e, 0) + int(a)
    return [{"epoch": e, "amount": a, "expires_at": ep.expiry(e)} for e, a in sorted(amounts.items()) if a]


def expired_unswept(db: Database, account: str, now: int) -> list[dict]:
    """The account's lots that expired by `now` but are still held (no PointsExpired swept them yet), oldest
    first (amount, epoch, expires_at): the balance no longer counts them, the chain still lists them."""
    ep = Epochs.of(db)
    rows = db.query("SELECT epoch, SUM(delta) FROM lot_changes WHERE account = ? AND epoch >= 0 AND epoch < ? "
                    "GROUP BY epoch ORDER BY epoch", (account, ep.first_live(now)))
    return [{"epoch": e, "amount": int(a), "expires_at": ep.expiry(e)} for e, a in rows if a and int(a) > 0]


def plain_balance(db: Database, account: str) -> int:
    """An acceptor's never-expiring balance (its newest running balance)."""
    from servicecoin.index.replay import running_balance

    return running_balance(db, account, NEVER)


def balance(db: Database, account: str, now: int) -> int:
    return plain_balance(db, account) + sum(l["amount"] for l in lots(db, account, now))


def tier_table(db: Database) -> tuple[list[int], list[int]]:
    rows = db.query("SELECT thresholds, multipliers FROM tier_changes ORDER BY block DESC, log_index DESC LIMIT 1")
    if not rows:
        return [0], [10_000]
    return json.loads(rows[0][0]), json.loads(rows[0][1])


def lifetime(db: Database, account: str, now: int | None = None) -> int:
    """Lifetime earned (tiers) at `now` (default: the last indexed block's time): points the account earned
    by issuance, plus the lifetime wallet recoveries moved into it, since it last became or stopped being
    an acceptor or was recovered away (each of which starts it from zero). A pending credit counts from its
    release on, as the token counts it (never if cancelled, or released only after its points expired)."""
    resets = db.query("SELECT block, log_index FROM acceptor_changes WHERE account = ? "
                      "ORDER BY block DESC, log_index DESC LIMIT 1", (account,))
    resets += db.query("SELECT block, log_index FROM recoveries WHERE sender = ? "
                       "ORDER BY block DESC, log_index DESC LIMIT 1", (account,))
    b, i = max(resets) if resets else (-1, -1)
    after = "AND (block > ? OR (block = ? AND log_index > ?))"
    earned = db.scalar(f"SELECT SUM(amount) FROM credits WHERE account = ? AND counts_lifetime = 1 {after}",
                       (account, b, b, i), 0)
    moved_in = db.scalar(f"SELECT SUM(lifetime) FROM recoveries WHERE recipient = ? {after}", (account, b, b, i), 0)
    if now is None:
        now = int(db.meta("cursor_ts", "0") or 0)
    return int(earned) + int(moved_in) - pending.unvested(db, account, now, (b, i), Epochs.of(db).expiry)


def tier_policy(db: Database) -> tuple[int, int, bool]:
    """(mode, period in epochs, soft landing) of the newest TierPolicySet; (0, 0, False) — lifetime tiers —
    before any (and on an old-layout token)."""
    rows = db.query("SELECT mode, period, flag FROM policy_changes WHERE kind = 'tier' "
                    "ORDER BY block DESC, log_index DESC LIMIT 1")
    return (int(rows[0][0]), int(rows[0][1]), bool(rows[0][2])) if rows else (0, 0, False)


def stored_tier(db: Database, account: str) -> int:
    """The tier of the account's newest TierChanged (what the token stored at its last touch)."""
    return int(db.scalar("SELECT to_tier FROM tier_moves WHERE account = ? ORDER BY block DESC, log_index DESC "
                         "LIMIT 1", (account,), 0))


def tier_for(points: int, thresholds: list[int]) -> int:
    tier = 0
    for i, t in enumerate(thresholds):
        if points >= t:
            tier = i
    return tier


def expired_total(db: Database, now: int) -> int:
    """Points that expired unspent by `now`: swept by the token, and still in expired lots."""
    ep = Epochs.of(db)
    swept = int(db.scalar("SELECT SUM(amount) FROM expirations", default=0))
    unswept = int(db.scalar("SELECT SUM(delta) FROM lot_changes WHERE epoch >= 0 AND epoch < ?",
                            (ep.first_live(now),), 0))
    if ep.first_live(now) > 0:
        unswept += pending.released_between(db, now, 0, ep.first_live(now) - 1)
    return swept + unswept


def outstanding(db: Database, now: int) -> dict[str, int]:
    ep = Epochs.of(db)
    customers = int(db.scalar("SELECT SUM(delta) FROM lot_changes WHERE epoch >= ?", (ep.first_live(now),), 0))
    customers += pending.released_between(db, now, ep.first_live(now))
    accepted = int(db.scalar("SELECT SUM(delta) FROM lot_changes WHERE epoch = ?", (NEVER,), 0))
    return {"customers": customers, "acceptors": accepted, "total": customers + accepted}


def expiring_within(db: Database, now: int, seconds: int) -> list[tuple[str, int, int]]:
    """(account, points, first expiry) for every account with live points expiring by now + seconds."""
    ep = Epochs.of(db)
    first = ep.first_live(now)
    last = ep.epoch_at(now + seconds) - ep.validity  # newest epoch expiring by then
    if last < first:
        return []
    rows = db.query("SELECT account, epoch, SUM(delta) FROM lot_changes WHERE epoch >= ? AND epoch <= ? "
                    "GROUP BY account, epoch", (first, last)) + pending.released_rows(db, now, first, last)
    found: dict[str, list[int]] = {}
    for account, epoch, amount in rows:
        if amount and account != ZERO:
            entry = found.setdefault(account, [0, ep.expiry(epoch)])
            entry[0] += int(amount)
            entry[1] = min(entry[1], ep.expiry(epoch))
    return sorted(((a, v[0], v[1]) for a, v in found.items() if v[0] > 0), key=lambda r: (r[2], r[0]))
