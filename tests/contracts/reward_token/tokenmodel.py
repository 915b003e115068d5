"""A Python model of RewardToken written from its documented rules, for the differential fuzz.

Sources, not the contract's code: README "RewardToken rules", interfaces/IRewardToken.sol NatSpec
and contracts/LotRing.sol's layout (48-bit lot amounts, 16-bit epochs, at most 15 epochs of
validity). The model keeps no ring: a customer is a map epoch → points, and everything the token
shows is derived from it at a given epoch.

- Points credited in epoch e expire when epoch e + validity starts; expired points are never
  counted, spent or moved, and count in `totalExpired` whether swept or not.
- Spending and paying take the oldest live points first.
- Customer → customer transfers (only when open) keep the epochs the points were earned in;
  an acceptor's points never expire, and points it gives a customer are a new lot of this epoch.
- Issuance applies the multiplier of the tier the recipient holds at the moment of the credit for
  tier-eligible reasons (rounded down) and raises lifetime earned (saturating at 2^38 - 1 raw) and the
  qualifying points of the period, except for refunds; an acceptor gets the plain amount. The tier
  rules, lifetime and rolling, are in tiermodel.py.
- Pending credits (docs/token.md "Pending points"): a credit to a customer for a reason of the pending
  mask is an entry (amount, epoch earned, release time), at most 15 an account; it is neither in
  balanceOf nor spendable until its release time, from which it is, by itself (in balanceOf, lotsOf
  and expiringBefore, by the epoch it was earned in). It vests at its release: only then does it count
  in lifetime earned and in the qualifying points, of the period of its release (one that expired
  before its release never vests); its multiplier is the tier's when it was made. It expires by the
  epoch it was earned in (expired before its release: expired, never pending). A pending `issue` uses
  its ref once. The issuer cancels a credit before its release by (ref or batch id, recipient): its
  budget back, counted in totalCancelled, no tier to take back. A recovery moves the unreleased
  entries to the new address.
- totalIssued == totalSupply + totalPending + totalExpired + totalBurned + totalCancelled.
- Wallet recovery (IRewardToken NatSpec): the recovery role starts moving a customer's points to
  another customer (not to itself, not from or to an acceptor, not while either has one pending,
  not from an account that never held anything); while it pends the old address cannot be debited;
  the old address or the role cancels it; from `recoveryDelay` after the start anyone completes it,
  which moves every live lot (epochs kept, merged with the target's) and the lifetime earned
  (saturating), the qualification (tiermodel.py) and the unreleased pending credits, and changes no
  supply counter. Expired lots stay behind, still expired.

Every operation returns None when the token must refuse it, after changing nothing.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from tests.contracts.reward_token.tiermodel import LIFETIME, Qualification, TierRules

BPS = 10_000
MAX_LOT = (1 << 48) - 1
MAX_LIFETIME = (1 << 38) - 1
MAX_ENTRIES = 15  # pending credits an account holds at a time
REFUND = 7


@dataclass
class Entry:
    """A pending credit: made under `key` (ref or batch id) in `epoch`, released at `release`."""
    key: bytes
    amount: int
    epoch: int
    release: int | None = None  # set from the block that made it (`stamp`)
    vested: bool = False


@dataclass
class TokenModel:
    validity: int
    genesis: int
    epoch_length: int
    tiers: list[tuple[int, int]] = field(default_factory=lambda: [(0, BPS)])  # (threshold, multiplier bps)
    eligible_mask: int = 0b0011_1101  # purchase, survey, referral, social, campaign
    transfers_open: bool = False
    acceptors: set[str] = field(default_factory=set)
    lots: dict[str, dict[int, int]] = field(default_factory=dict)  # customer → epoch → points
    acceptor_balance: dict[str, int] = field(default_factory=dict)
    lifetime: dict[str, int] = field(default_factory=dict)
    allowances: dict[tuple[str, str], int] = field(default_factory=dict)
    pending: dict[str, tuple[str, int]] = field(default_factory=dict)  # old → (new, ready at)
    recovery_delay: int = 7 * 86_400
    tier_mode: int = LIFETIME
    tier_period: int = 12
    soft_landing: bool = False
    pending_mask: int = 0
    window: int = 0
    qual: dict[str, Qualification] = field(default_factory=dict)
    entries: dict[str, list[Entry]] = field(default_factory=dict)  # customer → pending credits
    used_keys: set[bytes] = field(default_factory=set)  # refs of pending `issue`s
    issued: int = 0
    burned: int = 0
    cancelled: int = 0

    def __post_init__(self) -> None:
        self.rules = TierRules(self.tiers, self.tier_mode, self.tier_period, self.soft_landing)

    def copy(self) -> "TokenModel":
        return copy.deepcopy(self)

    def _restore(self, before: "TokenModel") -> None:
        self.__dict__.update(before.__dict__)

    # ------------------------------------------------------------------ time
    def epoch_at(self, timestamp: int) -> int:
        return (timestamp - self.genesis) // self.epoch_length

    def expiry_of(self, epoch: int) -> int:
        return self.genesis + (epoch + self.validity) * self.epoch_length

    def _live(self, epoch: int, cur: int) -> bool:
        return epoch + self.validity > cur

    # ------------------------------------------------------------------ views
    def is_acceptor(self, who: str) -> bool:
        return who in self.acceptors

    def _live_lots(self, who: str, cur: int, now: int) -> dict[int, int]:
        """epoch → live points: the lots and the released pending credits."""
        lots = {e: a for e, a in self.lots.get(who, {}).items() if a and self._live(e, cur)}
        for x in self.released(who, cur, now):
            lots[x.epoch] = lots.get(x.epoch, 0) + x.amount
        return lots

    def lots_of(self, who: str, cur: int, now: int) -> list[tuple[int, int, int]]:
        """Live lots (epoch, amount, expiresAt), released pending credits in, oldest first; an acceptor has none."""
        if self.is_acceptor(who):
            return []
        return [(e, a, self.expiry_of(e)) for e, a in sorted(self._live_lots(who, cur, now).items())]

    def released(self, who: str, cur: int, now: int) -> list[Entry]:
        """Pending credits released and live, not settled into the lots yet."""
        return [x for x in self.entries.get(who, []) if x.release is not None and x.release <= now
                and self._live(x.epoch, cur)]

    def pending_of(self, who: str, cur: int, now: int) -> list[tuple[int, int]]:
        """(release time, amount) of the unreleased, unexpired pending credits, oldest first."""
        return sorted((x.release, x.amount) for x in self.entries.get(who, [])
                      if x.release > now and self._live(x.epoch, cur))

    def balance_of(self, who: str, cur: int, now: int) -> int:
        if self.is_acceptor(who):
            return self.acceptor_balance.get(who, 0)
        return sum(self._live_lots(who, cur, now).values())

    def expiring_before(self, who: str, timestamp: int, cur: int, now: int) -> int:
        """Live points (released pending credits included) that expire at or before `timestamp`."""
        return sum(a for _, a, expires in self.lots_of(who, cur, now) if expires <= timestamp)

    def total_expired(self, cur: int) -> int:
        lots = sum(a for lots in self.lots.values() for e, a in lots.items() if not self._live(e, cur))
        return lots + sum(x.amount for xs in self.entries.values() for x in xs if not self._live(x.epoch, cur))

    def total_pending(self, cur: int, now: int) -> int:
        return sum(x.amount for xs in self.entries.values() for x in xs if x.release > now and self._live(x.epoch, cur))

    def total_supply(self, cur: int, now: int) -> int:
        live = sum(a for lots in self.lots.values() for e, a in lots.items() if self._live(e, cur))
        released = sum(x.amount for who in self.entries for x in self.released(who, cur, now))
        return live + released + sum(self.acceptor_balance.values())

    def _qual(self, who: str) -> Qualification:
        return self.qual.setdefault(who, Qualification())

    def tier_of(self, who: str, cur: int) -> tuple[int, int]:
        """(tier index, multiplier bps) held at epoch `cur` (an acceptor: the base tier)."""
        if self.is_acceptor(who):
            return 0, self.tiers[0][1]
        tier = self.rules.tier(self._qual(who), self.lifetime.get(who, 0), cur)
        return tier, self.tiers[tier][1]

    def qualifying_points(self, who: str, cur: int) -> tuple[int, int]:
        return (0, 0) if self.is_acceptor(who) else self.rules.qualifying(self._qual(who), cur)

    def next_tier_review(self, cur: int) -> int:
        return self.rules.next_review(self.genesis, self.epoch_length, cur)

    def tier_progress(self, who: str, cur: int) -> tuple[int, int, int]:
        if self.is_acceptor(who):
            return self.rules.progress(Qualification(), 0, cur)
        return self.rules.progress(self._qual(who), self.lifetime.get(who, 0), cur)

    def lifetime_of(self, who: str) -> int:
        return 0 if self.is_acceptor(who) else self.lifetime.get(who, 0)

    # ------------------------------------------------------------------ issuance
    def vest(self, now: int) -> None:
        """Pending credits released by `now` count toward the tier, in the period of their release,
        unless they expired first."""
        for who, xs in self.entries.items():
            for x in xs:
                if x.release is not None and x.release <= now and not x.vested:
                    x.vested = True
                    at = self.epoch_at(x.release)
                    if self._live(x.epoch, at):
                        self.lifetime[who] = min(self.lifetime.get(who, 0) + x.amount, MAX_LIFETIME)
                        self.rules.earn(self._qual(who), x.amount, at)

    def _settle(self, who: str, now: int) -> None:
        """Released pending credits of `who` join its lots by the epoch they were earned in (expired
        ones too: they stay counted as expired)."""
        self.vest(now)
        lots = self.lots.setdefault(who, {})
        for x in [x for x in self.entries.get(who, []) if x.release is not None and x.release <= now]:
            lots[x.epoch] = lots.get(x.epoch, 0) + x.amount
            self.entries[who].remove(x)

    def _credit_issued(self, to: str, amount: int, reason: int, cur: int, key: bytes, now: int) -> int | None:
        if amount == 0:
            return None
        if self.is_acceptor(to):
            self.acceptor_balance[to] = self.acceptor_balance.get(to, 0) + amount
            return amount
        pending = (self.pending_mask >> reason) & 1
        if pending:
            self._settle(to, now)
            if len(self.entries.get(to, [])) >= MAX_ENTRIES:
                return None
        minted = amount
        if (self.eligible_mask >> reason) & 1:
            minted = amount * self.tier_of(to, cur)[1] // BPS
        if minted == 0 or minted > MAX_LOT:
            return None
        if pending:
            self.entries.setdefault(to, []).append(Entry(key, minted, cur))
            return minted  # counts toward the tier at its release (`vest`)
        lots = self.lots.setdefault(to, {})
        if lots.get(cur, 0) + minted > MAX_LOT:
            return None
        lots[cur] = lots.get(cur, 0) + minted
        if reason != REFUND:
            self.lifetime[to] = min(self.lifetime.get(to, 0) + minted, MAX_LIFETIME)
            self.rules.earn(self._qual(to), minted, cur)
        return minted

    def issue(self, to: str, amount: int, reason: int, cur: int, key: bytes, now: int) -> int | None:
        """A pending `issue` (to anyone) uses its ref: a second one under the same ref is refused."""
        if (self.pending_mask >> reason) & 1 and key in self.used_keys:
            return None
        before = self.copy()
        minted = self._credit_issued(to, amount, reason, cur, key, now)
        if minted is None:
            self._restore(before)
            return None
        if (self.pending_mask >> reason) & 1:
            self.used_keys.add(key)
        self.issued += minted
        return minted

    def issue_batch(self, recipients: list[str], amounts: list[int], reason: int, cur: int, key: bytes,
                    now: int) -> int | None:
        """Credits in order: a recipient named twice sees the tier its first credit reached."""
        if not recipients or len(recipients) != len(amounts):
            return None
        before = self.copy()
        total = 0
        for to, amount in zip(recipients, amounts):
            minted = self._credit_issued(to, amount, reason, cur, key, now)
            if minted is None:
                self._restore(before)
                return None
            total += minted
        self.issued += total
        return total

    def stamp(self, release: int) -> None:
        """Set the release time of the pending credits just made (from the block that made them)."""
        for xs in self.entries.values():
            for x in xs:
                if x.release is None:
                    x.release = release

    def cancel_pending(self, key: bytes, recipient: str, now: int, cur: int) -> int | None:
        """The issuer cancels the pending credit made under `key` to `recipient`: the points cancelled,
        or None when the token must refuse (none, released already)."""
        found = [x for x in self.entries.get(recipient, []) if x.key == key]
        if self.is_acceptor(recipient) or not found or found[0].release <= now:
            return None
        x = found[0]
        self.entries[recipient].remove(x)
        self.cancelled += x.amount
        return x.amount

    def budget_used(self) -> int:
        return self.issued - self.cancelled

    # ------------------------------------------------------------------ moving points
    def _take(self, who: str, amount: int, cur: int, now: int) -> list[tuple[int, int]] | None:
        """Debit `amount` from `who`, oldest live points first: [(epoch, taken)], or None if short
        or a recovery of `who` is pending. Settles its released pending credits first."""
        if who in self.pending:
            return None
        if self.is_acceptor(who):
            if self.acceptor_balance.get(who, 0) < amount:
                return None
            self.acceptor_balance[who] = self.acceptor_balance.get(who, 0) - amount
            return []
        self._settle(who, now)
        if self.balance_of(who, cur, now) < amount:
            return None
        lots = self.lots.setdefault(who, {})
        taken = []
        for epoch in sorted(lots):
            if amount == 0:
                break
            if not self._live(epoch, cur):
                continue
            t = min(lots[epoch], amount)
            lots[epoch] -= t
            amount -= t
            taken.append((epoch, t))
            if lots[epoch] == 0:
                del lots[epoch]
        return taken

    def transfer(self, sender: str, to: str, amount: int, cur: int, now: int) -> bool:
        from_customer, to_customer = not self.is_acceptor(sender), not self.is_acceptor(to)
        if from_customer and to_customer and not self.transfers_open:
            return False
        before = self.copy()
        taken = self._take(sender, amount, cur, now)
        if taken is None:
            self._restore(before)
            return False
        if not to_customer:
            self.acceptor_balance[to] = self.acceptor_balance.get(to, 0) + amount
        elif from_customer:  # the points keep their epochs
            lots = self.lots.setdefault(to, {})
            for epoch, t in taken:
                lots[epoch] = lots.get(epoch, 0) + t
                if lots[epoch] > MAX_LOT:
                    self._restore(before)
                    return False
        elif amount:  # an acceptor gives out a new lot of this epoch
            lots = self.lots.setdefault(to, {})
            if lots.get(cur, 0) + amount > MAX_LOT:
                self._restore(before)
                return False
            lots[cur] = lots.get(cur, 0) + amount
        return True

    def burn(self, who: str, amount: int, cur: int, now: int) -> bool:
        before = self.copy()
        if self._take(who, amount, cur, now) is None:
            self._restore(before)
            return False
        self.burned += amount
        return True

    def spend(self, who: str, amount: int, cur: int, now: int) -> bool:
        return amount != 0 and self.burn(who, amount, cur, now)

    def approve(self, owner: str, spender: str, amount: int) -> None:
        self.allowances[(owner, spender)] = amount

    def burn_from(self, spender: str, owner: str, amount: int, cur: int, now: int) -> bool:
        allowed = self.allowances.get((owner, spender), 0)
        if allowed < amount:
            return False
        if not self.burn(owner, amount, cur, now):
            return False
        self.allowances[(owner, spender)] = allowed - amount
        return True

    # ------------------------------------------------------------------ wallet recovery
    def recovery_of(self, who: str) -> tuple[str | None, int]:
        return self.pending.get(who, (None, 0))

    def recoverable(self, who: str, cur: int) -> bool | None:
        """Whether the token holds anything for `who` (a start is refused otherwise). None when the
        account was touched but holds nothing live (expired lots, a recovered or cancelled account):
        then it depends on what the token keeps of it."""
        live = any(a and self._live(e, cur) for e, a in self.lots.get(who, {}).items())
        if who in self.pending or self.lifetime.get(who, 0) or live or self.entries.get(who):
            return True
        if who in self.lots or who in self.lifetime or who in self.qual:
            return None
        return False

    def start_recovery(self, old: str, new: str, cur: int) -> bool:
        """Whether the start is accepted (the caller records the ready time from the block's)."""
        if old == new or self.is_acceptor(old) or self.is_acceptor(new):
            return False
        if old in self.pending or not self.recoverable(old, cur) or new in self.pending:
            return False
        return True

    def cancel_recovery(self, old: str, by: str, role_holders: set[str]) -> bool:
        if old not in self.pending or (by != old and by not in role_holders):
            return False
        del self.pending[old]
        return True

    def complete_recovery(self, old: str, now: int, cur: int) -> int | None:
        """The live points moved, or None when the token must refuse."""
        if old not in self.pending:
            return None
        new, ready_at = self.pending[old]
        if now < ready_at or self.is_acceptor(new) or new in self.pending:
            return None
        before = self.copy()
        self._settle(old, now)
        moving = self.entries.pop(old, [])
        if len(self.entries.get(new, [])) + len(moving) > MAX_ENTRIES:
            self._restore(before)
            return None
        self.entries.setdefault(new, []).extend(moving)
        lots, target = self.lots.setdefault(old, {}), self.lots.setdefault(new, {})
        moved = 0
        for epoch in sorted(lots):
            if lots[epoch] and self._live(epoch, cur):
                target[epoch] = target.get(epoch, 0) + lots[epoch]
                moved += lots.pop(epoch)
                if target[epoch] > MAX_LOT:
                    self._restore(before)
                    return None
        self.lifetime[new] = min(self.lifetime.get(new, 0) + self.lifetime.get(old, 0), MAX_LIFETIME)
        self.lifetime[old] = 0
        p = self.rules.period_of(cur)
        self.qual[new] = self.rules.merge(self._qual(old), self._qual(new), cur)
        self.qual[old] = Qualification(anchor=(p, 0))
        del self.pending[old]
        return moved
