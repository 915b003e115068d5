"""Stateful property test of rolling tiers and pending points against an independent model.

The model keeps each customer's qualifying points per period (its whole history) and derives the tier from
it the long way: floor(0) = 0, held(p) = max(floor(p), tier(points[p])), floor(p + 1) = tier(points[p]) or,
with a soft landing, max(tier(points[p]), held(p) - 1). The token keeps two counters and rolls them forward
lazily; both must agree at every block, for accounts touched or not. Pending purchase credits (a window of
half a period) are released by time alone, count toward the tier only from their release (in the period of
the release, so a credit made late in a period qualifies in the next one), and can be cancelled by the
issuer before release (which never moved the tier). After every step: tierOf, qualifyingPoints,
lifetimeEarned, balanceOf, pendingOf and the supply identity
    totalIssued == totalSupply + totalPending + totalExpired + totalBurned + totalCancelled.
Time jumps go from minutes to several periods (accounts untouched for periods), with and without the soft
landing, so upgrades, holds, soft landings, straight drops and requalification all occur.
"""

import os
from collections import defaultdict

import brownie
import pytest
from brownie import chain
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from tests.tokenkit import EPOCH, NOREF, REASON, VALIDITY, batch_id

STEPS = 50 if os.environ.get("SVC_LONG") else 20
EXAMPLES = 40 if os.environ.get("SVC_LONG") else 10
PERIOD = 2  # epochs
WINDOW = EPOCH // 2
THRESHOLDS = [0, 100, 500, 1_000]
MULTIPLIERS = [10_000, 11_000, 12_500, 15_000]
WHO = st.integers(0, 1)


def tier_for(points):
    return max(i for i, t in enumerate(THRESHOLDS) if points >= t)


class TierPendingMachine(RuleBasedStateMachine):
    token = customers = issuer = merchant = admin = None
    soft = True

    def __init__(self):
        super().__init__()
        chain.snapshot()
        self.points = {c.address: defaultdict(int) for c in self.customers}  # period → points of plain credits
        self.vesting = {c.address: [] for c in self.customers}  # [amount, release time] of pending credits
        self.lots = {c.address: defaultdict(int) for c in self.customers}  # epoch → live amount
        self.pending = {c.address: [] for c in self.customers}  # [amount, epoch, release, key]
        self.issued = self.burned = self.cancelled = 0
        self.keys = 0

    def teardown(self):
        chain.revert()

    # ------------------------------------------------------------ model
    def _now(self):
        block = chain[-1]
        return block.timestamp, (block.timestamp - self.token.genesis()) // EPOCH

    def _period_of(self, timestamp):
        return (timestamp - self.token.genesis()) // EPOCH // PERIOD

    def _qualifying(self, addr, period, now):
        """Points of `period`: plain credits made in it, pending credits released in it (by `now`)."""
        return self.points[addr][period] + sum(a for a, r in self.vesting[addr]
                                               if r <= now and self._period_of(r) == period)

    def _held(self, addr, period, now):
        floor, held = 0, 0
        for p in range(period + 1):
            points = self._qualifying(addr, p, now)
            held = max(floor, tier_for(points))
            floor = max(tier_for(points), held - 1 if self.soft else 0)
        return held

    def _lifetime(self, addr, now):
        return sum(self.points[addr].values()) + sum(a for a, r in self.vesting[addr] if r <= now)

    def _release_near(self, addr, now):
        return any(abs(r - now) < 15 for _, r in self.vesting[addr])

    def _settle_released(self, addr, now):
        keep = []
        for entry in self.pending[addr]:
            if entry[2] <= now:
                self.lots[addr][entry[1]] += entry[0]
            else:
                keep.append(entry)
        self.pending[addr] = keep

    def _live(self, addr, now, cur):
        self._settle_released(addr, now)
        return sum(a for e, a in self.lots[addr].items() if e + VALIDITY > cur)

    # ------------------------------------------------------------ rules
    @rule(who=WHO, amount=st.one_of(st.integers(1, 700), st.sampled_from([500, 1_000])),
          purchase=st.booleans())
    def credit(self, who, amount, purchase):
        addr = self.customers[who].address
        now, cur = self._now()
        if purchase and len([e for e in self.pending[addr] if e[2] > now - 60]) >= 14:
            return  # the token holds at most 15 pending credits an account (test_pending covers the limit)
        if self._release_near(addr, now):
            return  # a release in the next few seconds: the next block's time is a guess
        tier = self._held(addr, cur // PERIOD, now)  # the next block is at most seconds later (same period)
        self.keys += 1
        key = batch_id(f"order-{self.keys}")
        tx = self.token.issue(addr, amount, REASON["purchase" if purchase else "feedback"], key,
                              {"from": self.issuer})
        now, cur = tx.timestamp, (tx.timestamp - self.token.genesis()) // EPOCH
        minted = amount * MULTIPLIERS[tier] // 10_000 if purchase else amount
        assert tx.return_value == minted
        self.issued += minted
        if purchase:
            self.pending[addr].append([minted, cur, now + WINDOW, key])
            self.vesting[addr].append([minted, now + WINDOW])
        else:
            self.points[addr][cur // PERIOD] += minted
            self.lots[addr][cur] += minted

    @rule(who=WHO, pick=st.integers(0, 20))
    def cancel(self, who, pick):
        addr = self.customers[who].address
        now, cur = self._now()
        self._settle_released(addr, now + 15)  # not at the edge of a release
        open_ = [e for e in self.pending[addr] if e[2] > now + 15]
        if not open_:
            return
        entry = open_[pick % len(open_)]
        tx = self.token.cancelPending(entry[3], addr, {"from": self.issuer})
        assert tx.return_value == entry[0]
        self.pending[addr].remove(entry)
        self.vesting[addr].remove([entry[0], entry[2]])
        self.cancelled += entry[0]

    @rule(who=WHO, amount=st.integers(1, 900))
    def spend(self, who, amount):
        customer = self.customers[who]
        now, cur = self._now()
        live = self._live(customer.address, now + 15, cur)
        if any(abs(e[2] - now) < 15 for e in self.pending[customer.address]):
            return  # a release in the next few seconds: the next block's time is a guess
        if amount > live:
            with brownie.reverts():
                self.token.transfer(self.merchant, amount, {"from": customer})
            return
        self.token.transfer(self.merchant, amount, {"from": customer})
        for epoch in sorted(self.lots[customer.address]):
            if epoch + VALIDITY <= cur:
                continue
            take = min(amount, self.lots[customer.address][epoch])
            self.lots[customer.address][epoch] -= take
            amount -= take

    @rule(seconds=st.sampled_from([60, 3_600, WINDOW + 60, EPOCH, PERIOD * EPOCH, 2 * PERIOD * EPOCH,
                                   3 * PERIOD * EPOCH]))
    def time_passes(self, seconds):
        chain.sleep(seconds)
        chain.mine()
        now, _ = self._now()
        left = EPOCH - (now - self.token.genesis()) % EPOCH
        if left < 120:  # never end next to an epoch boundary
            chain.sleep(left + 1)
            chain.mine()

    # ------------------------------------------------------------ invariants
    @invariant()
    def tiers_balances_and_pending_match(self):
        now, cur = self._now()
        period = cur // PERIOD
        for c in self.customers:
            addr = c.address
            assert self.token.tierOf(addr) == self._held(addr, period, now)
            current, last = self.token.qualifyingPoints(addr)
            assert (current, last) == (self._qualifying(addr, period, now),
                                       self._qualifying(addr, period - 1, now) if period else 0)
            assert self.token.lifetimeEarned(addr) == self._lifetime(addr, now)
            assert self.token.balanceOf(addr) == self._live(addr, now, cur)
            unreleased = sorted([e[2], e[0]] for e in self.pending[addr] if e[2] > now and e[1] + VALIDITY > cur)
            amounts, releases = self.token.pendingOf(addr)
            assert sorted([int(r), int(a)] for a, r in zip(amounts, releases)) == unreleased

    @invariant()
    def supply_identity(self):
        t = self.token
        parts = [t.totalSupply(), t.totalPending(), t.totalExpired(), t.totalBurned(), t.totalCancelled()]
        assert t.totalIssued() == self.issued == sum(parts), parts
        assert t.totalCancelled() == self.cancelled and t.totalBurned() == self.burned


@pytest.mark.parametrize("soft", [True, False])
def test_tiers_and_pending_match_the_model(soft, token, alice, bob, issuer, merchant, admin):
    token.setTiers(THRESHOLDS, MULTIPLIERS, {"from": admin})
    token.setTierPolicy(1, PERIOD, soft, {"from": admin})
    token.setPendingPolicy(1 << REASON["purchase"], WINDOW, {"from": admin})
    TierPendingMachine.token, TierPendingMachine.customers = token, [alice, bob]
    TierPendingMachine.issuer, TierPendingMachine.merchant, TierPendingMachine.admin = issuer, merchant, admin
    TierPendingMachine.soft = soft
    run_state_machine_as_test(
        TierPendingMachine, settings=settings(max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None,
                                             suppress_health_check=list(HealthCheck))
    )
