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
- Issuance applies the recipient's tier multiplier for tier-eligible reasons (rounded down) and
  raises lifetime earned, except for refunds; an acceptor gets the plain amount.
- totalIssued == totalSupply + totalExpired + totalBurned.
- Wallet recovery (IRewardToken NatSpec): the recovery role starts moving a customer's points to
  another customer (not to itself, not from or to an acceptor, not while either has one pending,
  not from an account that never held anything); while it pends the old address cannot be debited;
  the old address or the role cancels it; from `recoveryDelay` after the start anyone completes it,
  which moves every live lot (epochs kept, merged with the target's) and the lifetime earned
  (saturating), and changes no supply counter. Expired lots stay behind, still expired.

Every operation returns None when the token must refuse it, after changing nothing.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

BPS = 10_000
MAX_LOT = (1 << 48) - 1
REFUND = 7


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
    issued: int = 0
    burned: int = 0

    def copy(self) -> "TokenModel":
        return copy.deepcopy(self)

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

    def lots_of(self, who: str, cur: int) -> list[tuple[int, int, int]]:
        """Live lots (epoch, amount, expiresAt), oldest first; an acceptor has none."""
        if self.is_acceptor(who):
            return []
        return [(e, a, self.expiry_of(e)) for e, a in sorted(self.lots.get(who, {}).items())
                if a and self._live(e, cur)]

    def balance_of(self, who: str, cur: int) -> int:
        if self.is_acceptor(who):
            return self.acceptor_balance.get(who, 0)
        return sum(a for _, a, _ in self.lots_of(who, cur))

    def expiring_before(self, who: str, timestamp: int, cur: int) -> int:
        return sum(a for _, a, expires in self.lots_of(who, cur) if expires <= timestamp)

    def total_expired(self, cur: int) -> int:
        return sum(a for lots in self.lots.values() for e, a in lots.items() if not self._live(e, cur))

    def total_supply(self, cur: int) -> int:
        live = sum(a for lots in self.lots.values() for e, a in lots.items() if self._live(e, cur))
        return live + sum(self.acceptor_balance.values())

    def tier_of(self, who: str) -> tuple[int, int]:
        """(tier index, multiplier bps): the highest tier whose threshold lifetime earned reaches."""
        earned = 0 if self.is_acceptor(who) else self.lifetime.get(who, 0)
        tier, multiplier = 0, self.tiers[0][1]
        for i, (threshold, bps) in enumerate(self.tiers):
            if earned >= threshold:
                tier, multiplier = i, bps
        return tier, multiplier

    def lifetime_of(self, who: str) -> int:
        return 0 if self.is_acceptor(who) else self.lifetime.get(who, 0)

    # ------------------------------------------------------------------ issuance
    def _credit_issued(self, to: str, amount: int, reason: int, cur: int) -> int | None:
        if amount == 0:
            return None
        if self.is_acceptor(to):
            self.acceptor_balance[to] = self.acceptor_balance.get(to, 0) + amount
            return amount
        minted = amount
        if (self.eligible_mask >> reason) & 1:
            minted = amount * self.tier_of(to)[1] // BPS
        lots = self.lots.setdefault(to, {})
        if minted > MAX_LOT or lots.get(cur, 0) + minted > MAX_LOT:
            return None
        lots[cur] = lots.get(cur, 0) + minted
        if reason != REFUND:
            self.lifetime[to] = min(self.lifetime.get(to, 0) + minted, MAX_LOT)
        return minted

    def issue(self, to: str, amount: int, reason: int, cur: int) -> int | None:
        before = self.copy()
        minted = self._credit_issued(to, amount, reason, cur)
        if minted is None:
            self.__dict__.update(before.__dict__)
            return None
        self.issued += minted
        return minted

    def issue_batch(self, recipients: list[str], amounts: list[int], reason: int, cur: int) -> int | None:
        """Credits in order: a recipient named twice sees the tier its first credit reached."""
        if not recipients or len(recipients) != len(amounts):
            return None
        before = self.copy()
        total = 0
        for to, amount in zip(recipients, amounts):
            minted = self._credit_issued(to, amount, reason, cur)
            if minted is None:
                self.__dict__.update(before.__dict__)
                return None
            total += minted
        self.issued += total
        return total

    # ------------------------------------------------------------------ moving points
    def _take(self, who: str, amount: int, cur: int) -> list[tuple[int, int]] | None:
        """Debit `amount` from `who`, oldest live points first: [(epoch, taken)], or None if short
        or a recovery of `who` is pending."""
        if who in self.pending:
            return None
        if self.is_acceptor(who):
            if self.acceptor_balance.get(who, 0) < amount:
                return None
            self.acceptor_balance[who] = self.acceptor_balance.get(who, 0) - amount
            return []
        if self.balance_of(who, cur) < amount:
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

    def transfer(self, sender: str, to: str, amount: int, cur: int) -> bool:
        from_customer, to_customer = not self.is_acceptor(sender), not self.is_acceptor(to)
        if from_customer and to_customer and not self.transfers_open:
            return False
        before = self.copy()
        taken = self._take(sender, amount, cur)
        if taken is None:
            return False
        if not to_customer:
            self.acceptor_balance[to] = self.acceptor_balance.get(to, 0) + amount
        elif from_customer:  # the points keep their epochs
            lots = self.lots.setdefault(to, {})
            for epoch, t in taken:
                lots[epoch] = lots.get(epoch, 0) + t
                if lots[epoch] > MAX_LOT:
                    self.__dict__.update(before.__dict__)
                    return False
        elif amount:  # an acceptor gives out a new lot of this epoch
            lots = self.lots.setdefault(to, {})
            if lots.get(cur, 0) + amount > MAX_LOT:
                self.__dict__.update(before.__dict__)
                return False
            lots[cur] = lots.get(cur, 0) + amount
        return True

    def burn(self, who: str, amount: int, cur: int) -> bool:
        if self._take(who, amount, cur) is None:
            return False
        self.burned += amount
        return True

    def spend(self, who: str, amount: int, cur: int) -> bool:
        return amount != 0 and self.burn(who, amount, cur)

    def approve(self, owner: str, spender: str, amount: int) -> None:
        self.allowances[(owner, spender)] = amount

    def burn_from(self, spender: str, owner: str, amount: int, cur: int) -> bool:
        allowed = self.allowances.get((owner, spender), 0)
        if allowed < amount:
            return False
        before = self.copy()
        if not self.burn(owner, amount, cur):
            self.__dict__.update(before.__dict__)
            return False
        self.allowances[(owner, spender)] = allowed - amount
        return True

    # ------------------------------------------------------------------ wallet recovery
    def recovery_of(self, who: str) -> tuple[str | None, int]:
        return self.pending.get(who, (None, 0))

    def recoverable(self, who: str, cur: int) -> bool | None:
        """Whether the token holds anything for `who` (a start is refused otherwise). None when only
        expired lots are left: then it depends on whether the token has swept them yet."""
        if who in self.pending or self.lifetime.get(who, 0) or self.lots_of(who, cur):
            return True
        if any(self.lots.get(who, {}).values()):
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
        lots, target = self.lots.setdefault(old, {}), self.lots.setdefault(new, {})
        moved = 0
        for epoch in sorted(lots):
            if lots[epoch] and self._live(epoch, cur):
                target[epoch] = target.get(epoch, 0) + lots[epoch]
                moved += lots.pop(epoch)
                if target[epoch] > MAX_LOT:
                    self.__dict__.update(before.__dict__)
                    return None
        self.lifetime[new] = min(self.lifetime.get(new, 0) + self.lifetime.get(old, 0), MAX_LOT)
        self.lifetime[old] = 0
        del self.pending[old]
        return moved
