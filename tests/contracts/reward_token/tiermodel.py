"""The tier rules of RewardToken as a Python model, for the differential fuzz (tokenmodel.py uses it).

Written from docs/token.md "Tiers", issue 14 "Tier lifecycle" and IRewardToken's NatSpec, not from
contracts/TierClock.sol. The model keeps each customer's whole history of qualifying points by period and
derives every floor the long way, one boundary at a time, from the start of the account's history:

- Periods are `period` epochs long, counted from epoch 0; an epoch `e` is in period `e // period`.
- Qualifying points are the credits that count for lifetime earned (every reason but refund), after the
  multiplier, in the period they were made (a pending credit: in the period of its release, when it
  vests; tokenmodel.py); a period's count saturates at 2^27 - 1 raw.
- Rolling mode: the tier held in period p is max(floor(p), tier(points of p so far)) — reaching a
  threshold lifts it at once. floor(p + 1) = tier(points of p) (straight to the earned tier), or with a
  soft landing max(tier(points of p), held at the end of p - 1): down one level at most per boundary,
  and a period without any points is a boundary like any other.
- Lifetime mode: the tier is the highest threshold lifetime earned reaches; the qualifying points are
  counted all the same (a switch of mode applies to the history made).
- A wallet recovery gives the new address the sum of both accounts' current and last-period points and
  the better of the two floors of the current period (docs/token.md); the floor from there on follows
  the rule above. The old address starts over (no points, base floor).
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_QUALIFYING = (1 << 27) - 1
LIFETIME, ROLLING = 0, 1


@dataclass
class Qualification:
    """One customer's history: points by period, and the floor fixed at `anchor` (period, floor)."""
    points: dict[int, int] = field(default_factory=dict)
    anchor: tuple[int, int] = (0, 0)


@dataclass
class TierRules:
    tiers: list[tuple[int, int]]  # (threshold, multiplier bps), lowest first, first threshold 0
    mode: int = LIFETIME
    period: int = 12
    soft: bool = False

    def tier_for(self, points: int) -> int:
        return max(i for i, (threshold, _) in enumerate(self.tiers) if points >= threshold)

    def period_of(self, epoch: int) -> int:
        return epoch // self.period

    def floor(self, q: Qualification, p: int) -> int:
        """The floor of period p: from the anchor, one boundary at a time."""
        start, fl = q.anchor
        for past in range(start, p):
            earned = self.tier_for(q.points.get(past, 0))
            held_at_end = max(fl, earned)
            fl = max(earned, held_at_end - 1) if self.soft else earned
        return fl

    def tier(self, q: Qualification, lifetime: int, epoch: int) -> int:
        if self.mode == LIFETIME:
            return self.tier_for(lifetime)
        p = self.period_of(epoch)
        return max(self.floor(q, p), self.tier_for(q.points.get(p, 0)))

    def multiplier(self, q: Qualification, lifetime: int, epoch: int) -> int:
        return self.tiers[self.tier(q, lifetime, epoch)][1]

    def qualifying(self, q: Qualification, epoch: int) -> tuple[int, int]:
        """(points of the current period, points of the last complete one)."""
        p = self.period_of(epoch)
        return q.points.get(p, 0), q.points.get(p - 1, 0) if p else 0

    def earn(self, q: Qualification, points: int, epoch: int) -> None:
        p = self.period_of(epoch)
        q.points[p] = min(q.points.get(p, 0) + points, MAX_QUALIFYING)

    def next_review(self, genesis: int, epoch_length: int, epoch: int) -> int:
        if self.mode == LIFETIME:
            return 0
        return genesis + (self.period_of(epoch) + 1) * self.period * epoch_length

    def progress(self, q: Qualification, lifetime: int, epoch: int) -> tuple[int, int, int]:
        """(tier, points still to earn this period to keep it after the review, points to the next tier)."""
        tier = self.tier(q, lifetime, epoch)
        points = lifetime if self.mode == LIFETIME else self.qualifying(q, epoch)[0]
        to_keep = max(self.tiers[tier][0] - points, 0) if self.mode == ROLLING else 0
        to_next = max(self.tiers[tier + 1][0] - points, 0) if tier + 1 < len(self.tiers) else 0
        return tier, to_keep, to_next

    def merge(self, old: Qualification, new: Qualification, epoch: int) -> Qualification:
        """The qualification of the target of a completed recovery (the old one starts over)."""
        p = self.period_of(epoch)
        merged = Qualification(anchor=(p, max(self.floor(old, p), self.floor(new, p))))
        for past in (p - 1, p):
            if past >= 0:
                merged.points[past] = min(old.points.get(past, 0) + new.points.get(past, 0), MAX_QUALIFYING)
        return merged
