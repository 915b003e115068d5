"""Differential fuzz: RewardToken against an independent Python model (tokenmodel.py, with the tier rules
in tiermodel.py), on tokens of several configurations (CONFIGS): lifetime tiers at validity 1, 5 and 15;
rolling tiers with periods of 3 epochs and a soft landing (validity 12), and of 2 epochs without one
(validity 2); purchases pending for a return window on three of them. SVC_LONG=1 adds validity 2 and 12
(lifetime) and periods of 1 epoch with a soft landing.

Each configuration gets its own token. Before the fuzz a short history is written through the same
driver: customers who earned in every epoch (so their ring wraps and reaches slots 1–3), in every
other epoch, once long ago (a dormant account whose lots have all expired, untouched for periods),
and never. Hypothesis then runs random steps from a chain snapshot of that state: issue, issueBatch
(fresh ids, duplicates and acceptors included), customer↔acceptor payments, customer↔customer
transfers while the admin has them open, burn, burnFrom, the spender's spend, time jumps of seconds
to many epochs (across period boundaries), wallet recoveries (started by the admin, who holds
RECOVERY_ROLE, between any two actors, the merchant included; cancelled by the old key, the admin or a
stranger; completed by anyone before and after the delay, half an epoch here), purchases returned
within or after their window, and cancels of pending credits by the issuer or a stranger, for their
recipient or another. After every step every view the model predicts is compared, read in one
JSON-RPC batch: currentEpoch, balanceOf, lotsOf, expiringBefore at each epoch boundary,
lifetimeEarned, tierOf, qualifyingPoints, nextTierReview, tierProgress, pendingOf, recoveryOf,
totalSupply, totalIssued, totalExpired, totalBurned, totalPending, totalCancelled, totalMigrated, the
issuer's budget use, and the supply identity
    totalIssued == totalSupply + totalPending + totalExpired + totalBurned + totalCancelled.

Two fixed walks run over the seeded history first, compared after every step: recoveries (refusals,
a completion merging two rings, cancels; one left pending for the fuzz), and the tier lifecycle of
the dormant customer (the top tier at once, held over a boundary, a landing, requalification, periods
untouched, the multiplier of the tier held, a return).

Pending credits vest at their release (docs/token.md "Vesting"): the model counts them toward the tier
then, in the period of the release, and a return never takes a tier back.

Short by default (20 examples of up to 10 steps per configuration); SVC_LONG=1 (`make test-long`) runs long.
"""

import os
import time

import pytest
from brownie import accounts, chain, web3
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from tests.contracts.reward_token.differential_driver import Driver
from tests.contracts.reward_token.tiermodel import LIFETIME, ROLLING
from tests.contracts.reward_token.tokenmodel import TokenModel
from tests.tokenkit import EPOCH, deploy_token

LONG = bool(os.environ.get("SVC_LONG"))
EXAMPLES = 60 if LONG else 20
STEPS = 40 if LONG else 10
TIERS = ([0, 20_000, 60_000], [10_000, 12_500, 15_000])
ROLLING_TIERS = ([0, 1_000, 3_000, 8_000], [10_000, 11_000, 12_500, 15_000])  # reached within a period
PURCHASE = 1 << 0
# (name, validity, tier mode, period epochs, soft landing, pending reasons, pending window)
CONFIGS = [
    ("lifetime-v1-pending", 1, LIFETIME, 12, False, PURCHASE, EPOCH * 3 // 4),
    ("lifetime-v5", 5, LIFETIME, 12, False, 0, 0),
    ("lifetime-v15", 15, LIFETIME, 12, False, 0, 0),
    ("rolling-p3-soft-v12-pending", 12, ROLLING, 3, True, PURCHASE, EPOCH // 2),
    ("rolling-p2-hard-v2-pending", 2, ROLLING, 2, False, PURCHASE, EPOCH * 3 // 4),
] + ([("lifetime-v2", 2, LIFETIME, 12, False, 0, 0), ("lifetime-v12", 12, LIFETIME, 12, False, 0, 0),
      ("rolling-p1-soft-v5-pending", 5, ROLLING, 1, True, PURCHASE, EPOCH // 3)] if LONG else [])
REASONS = st.sampled_from([0, 1, 5, 7])  # purchase, feedback (not tier-eligible), campaign, refund
RECOVERY_DELAY = EPOCH // 2


# ---------------------------------------------------------------------------- the machine
WHO = st.integers(0, 3)  # a customer
ANY = st.integers(0, 4)  # a customer or the merchant (an acceptor)
AMOUNT = st.one_of(st.integers(1, 4_000), st.sampled_from(["all", "all+1", 0]))


class DifferentialMachine(RuleBasedStateMachine):
    driver = seeded = actors = None

    def __init__(self):
        super().__init__()
        chain.snapshot()
        self.d = self.driver
        self.d.model = self.seeded.copy()
        self.d.forget_tiers()

    def teardown(self):
        chain.revert()

    def _amount(self, who, choice):
        """A drawn amount, or the holder's whole live balance (and one more) to hit the edges."""
        if isinstance(choice, int):
            return choice
        now = web3.eth.get_block("latest").timestamp
        whole = self.d.model.balance_of(who.address, self.d.model.epoch_at(now), now)
        return whole if choice == "all" else whole + 1

    @rule(who=ANY, amount=st.integers(1, 6_000), reason=REASONS)
    def issue(self, who, amount, reason):
        self.d.issue(self.actors[who], amount, reason)

    @rule(picks=st.lists(st.tuples(ANY, st.integers(1, 3_000)), min_size=1, max_size=6), reason=REASONS)
    def issue_batch(self, picks, reason):
        self.d.issue_batch([self.actors[w] for w, _ in picks], [a for _, a in picks], reason)

    @rule(who=WHO, amount=AMOUNT)
    def pay_merchant(self, who, amount):
        self.d.transfer(self.actors[who], self.actors[4], self._amount(self.actors[who], amount))

    @rule(who=WHO, amount=AMOUNT)
    def merchant_pays(self, who, amount):
        self.d.transfer(self.actors[4], self.actors[who], self._amount(self.actors[4], amount))

    @rule(sender=WHO, to=WHO, amount=AMOUNT)
    def customer_to_customer(self, sender, to, amount):
        self.d.transfer(self.actors[sender], self.actors[to], self._amount(self.actors[sender], amount))

    @rule(open_=st.booleans())
    def set_transfers_open(self, open_):
        self.d.set_transfers_open(open_)

    @rule(who=ANY, amount=AMOUNT)
    def burn(self, who, amount):
        self.d.burn(self.actors[who], self._amount(self.actors[who], amount))

    @rule(who=ANY, amount=AMOUNT)
    def spend(self, who, amount):
        self.d.spend(self.actors[who], self._amount(self.actors[who], amount))

    @rule(who=WHO, allowance=st.integers(0, 5_000), amount=AMOUNT)
    def burn_from(self, who, allowance, amount):
        self.d.burn_from(self.actors[who], allowance, self._amount(self.actors[who], amount))

    @rule(pick=st.integers(0, 1_000), by_issuer=st.booleans(), recipient=st.one_of(st.none(), ANY))
    def cancel_pending(self, pick, by_issuer, recipient):
        """The issuer (or a stranger) cancels a pending credit: one the model holds (released or not),
        or under its key for another recipient."""
        now = web3.eth.get_block("latest").timestamp
        held = [(who, x) for who, xs in self.d.model.entries.items() for x in xs]
        open_ = [(who, x) for who, x in held if x.release > now]
        if not held:
            return
        who, x = (open_ or held)[pick % len(open_ or held)] if pick % 4 else held[pick % len(held)]
        target = next(a for a in self.actors if a.address == who) if recipient is None else self.actors[recipient]
        if target.address != who and any(y.key == x.key for y in self.d.model.entries.get(target.address, [])):
            return  # the same batch credited it too: the choice above decides
        self.d.cancel_pending(x.key, target, self.d.issuer if by_issuer else self.d.burner)

    @rule()
    def latest_purchase_returned(self):
        """The newest pending credit still in its window is returned (the issuer cancels it)."""
        now = web3.eth.get_block("latest").timestamp
        open_ = [(x.release, who, x) for who, xs in self.d.model.entries.items() for x in xs
                 if x.release > now]
        if open_:
            _, who, x = max(open_, key=lambda o: o[0])
            self.d.cancel_pending(x.key, next(a for a in self.actors if a.address == who), self.d.issuer)

    @rule(who=WHO, other=ANY, amount=st.integers(1, 4_000), batch=st.booleans(),
          wait=st.sampled_from([0, 0.4, 0.8, 1.5]), cancel=st.booleans())
    def purchase_and_return(self, who, other, amount, batch, wait, cancel):
        """A purchase credit (pending where the token holds purchases), time within or past its return
        window, and maybe a return: the issuer cancels it."""
        to = self.actors[who]
        if batch:
            key = self.d.issue_batch([to, self.actors[other]], [amount, amount // 2 + 1], 0)
        else:
            key = self.d.issue(to, amount, 0)
        if wait:
            self.d.sleep(max(wait * self.d.model.window, 60))
        if cancel:
            self.d.cancel_pending(key, to, self.d.issuer)

    @rule(old=ANY, new=ANY)
    def start_recovery(self, old, new):
        self.d.start_recovery(self.actors[old], self.actors[new])

    @rule(old=ANY, by=st.sampled_from(["old", "admin", "stranger"]))
    def cancel_recovery(self, old, by):
        who = {"old": self.actors[old], "admin": self.d.admin, "stranger": self.d.burner}[by]
        self.d.cancel_recovery(self.actors[old], who)

    @rule(old=ANY)
    def complete_recovery(self, old):
        self.d.complete_recovery(self.actors[old])

    @initialize(old=WHO, new=ANY)
    def a_wallet_is_lost(self, old, new):
        """Every run starts with a recovery (or its refusal) for the other rules to work on."""
        self.d.start_recovery(self.actors[old], self.actors[new])

    @initialize(who=WHO, amount=st.integers(1, 5_000))
    def a_purchase_is_made(self, who, amount):
        """Every run starts with a purchase too (pending where purchases are), for the cancels to find."""
        self.d.issue(self.actors[who], amount, 0)

    @rule(old=WHO, new=ANY, cancel=st.booleans())
    def recovery_moves_on(self, old, new, cancel):
        """The next step of a recovery of `old`: start one, or wait out the delay and complete it (or
        the old key cancels it), so that short runs see recoveries through."""
        who = self.actors[old]
        target, ready_at = self.d.model.recovery_of(who.address)
        if target is None:
            self.d.start_recovery(who, self.actors[new])
            return
        wait = ready_at - web3.eth.get_block("latest").timestamp
        if wait > -10:
            self.d.sleep(wait + 20)
        if cancel:
            self.d.cancel_recovery(who, who)
        else:
            self.d.complete_recovery(who)

    @rule(seconds=st.integers(1, 2 * EPOCH))
    def time_passes(self, seconds):
        self.d.sleep(seconds)

    @rule(epochs=st.integers(1, 16))
    def epochs_pass(self, epochs):
        self.d.sleep(epochs * EPOCH)

    @invariant()
    def token_matches_model(self):
        self.d.compare(self.actors)


def seed_history(d, regular, alternate, dormant, validity):
    """Write the starting history through the driver: `regular` earns every epoch for validity + 2
    epochs (its ring wraps), `alternate` every other epoch, `dormant` once and then nothing until
    all its lots expired."""
    d.issue(dormant, 2_500, 0)
    for e in range(validity + 2):
        d.issue(regular, 1_000 + 37 * e, 0)
        if e % 2 == 0:
            d.issue(alternate, 3_000 + e, 5)
        d.sleep(EPOCH)
    d.sleep(validity * EPOCH)  # everyone's oldest lots expire; the dormant account is fully expired
    for e in range(min(validity, 4)):
        d.issue(regular, 500 + e, 0)
        d.sleep(EPOCH)


def recovery_walk(d, alice, bob, carol, dave, merchant):
    """Recoveries in one fixed order over the seeded history, compared after every step: refusals,
    a completion that merges a wrapped ring into another, a cancel, and one left pending for the
    random steps."""
    actors = [alice, bob, carol, dave, merchant]
    steps = [
        lambda: d.start_recovery(dave, alice),  # never held points: refused
        lambda: d.start_recovery(bob, merchant), lambda: d.start_recovery(merchant, bob),  # acceptors: refused
        lambda: d.start_recovery(bob, alice),
        lambda: d.transfer(bob, merchant, 1), lambda: d.burn(bob, 1), lambda: d.spend(bob, 1),  # refused
        lambda: d.issue(bob, 100, 0), lambda: d.complete_recovery(bob),  # too early: refused
        lambda: d.start_recovery(alice, bob),  # into an address with its own recovery pending: refused
        lambda: d.start_recovery(alice, carol),  # the target of a pending recovery may start its own...
        lambda: d.sleep(RECOVERY_DELAY + 20), lambda: d.complete_recovery(bob),  # ...which blocks completion
        lambda: d.cancel_recovery(alice, alice), lambda: d.complete_recovery(bob),  # bob's lots merge into alice's
        lambda: d.start_recovery(alice, dave), lambda: d.cancel_recovery(alice, d.burner),  # a stranger: refused
        lambda: d.cancel_recovery(alice, d.admin), lambda: d.start_recovery(alice, dave),  # left pending
    ]
    for step in steps:
        step()
        d.compare(actors)
    assert (d.recoveries["started"], d.recoveries["cancelled"], d.recoveries["completed"]) == (4, 2, 1)


def tier_walk(d, carol, actors):
    """The tier lifecycle in one fixed order on `carol` (dormant after the seeded history), compared
    after every step: the top tier at once, held over one boundary, landing (one level, or straight to
    what the period earned), requalification, periods untouched, a return within the window."""
    steps = [
        lambda: d.to_period(1), lambda: d.issue(carol, 8_500, 1),  # feedback: no multiplier, qualifies
        lambda: d.to_period(1),  # held from the last period
        lambda: d.to_period(1),  # nothing earned: one level down, or to the base tier
        lambda: d.issue(carol, 1_200, 1), lambda: d.to_period(1),
        lambda: d.issue(carol, 3_500, 1),  # requalifies at once
        lambda: d.to_period(2), lambda: d.to_period(3),  # untouched for periods
        lambda: d.issue(carol, 2_000, 0), lambda: d.issue(carol, 900, 5),  # the multiplier of the tier held
    ]
    for step in steps:
        step()
        d.compare(actors)
    key = d.issue(carol, 1_000, 0)  # a purchase (pending where purchases are), returned at once
    d.compare(actors)
    d.cancel_pending(key, carol, d.issuer)
    d.compare(actors)
    d.to_period(1)
    d.issue(carol, 2_500, 1)
    d.sleep(d.model.genesis + (d.model.rules.period_of(d.model.epoch_at(d._latest())) + 1) * d.model.rules.period
            * d.model.epoch_length - 2 * 3_600 - d._latest())  # two hours before the period ends
    key = d.issue(carol, 1_500, 0)  # a purchase, returned after the boundary (it never counted)
    d.compare(actors)
    d.sleep(3 * 3_600)
    d.compare(actors)
    d.cancel_pending(key, carol, d.issuer)
    d.compare(actors)


@pytest.mark.parametrize("config", CONFIGS, ids=[c[0] for c in CONFIGS])
def test_token_matches_model(config, admin, issuer, pauser, merchant, spender, alice, bob, carol, stranger):
    name, validity, mode, period, soft, pending_mask, window = config
    dave = accounts[8]
    tiers = ROLLING_TIERS if mode == ROLLING else TIERS
    token = deploy_token(admin, issuer, pauser, merchant, spender, validity=validity)
    token.setTiers(*tiers, {"from": admin})
    token.setTierPolicy(mode, period, soft, {"from": admin})
    token.setPendingPolicy(pending_mask, window, {"from": admin})
    token.setRecoveryDelay(RECOVERY_DELAY, {"from": admin})
    model = TokenModel(validity, token.genesis(), EPOCH, tiers=list(zip(*tiers)),
                       eligible_mask=token.tierEligibleReasons(), acceptors={merchant.address},
                       recovery_delay=RECOVERY_DELAY, tier_mode=mode, tier_period=period, soft_landing=soft,
                       pending_mask=pending_mask, window=window)
    driver = Driver(token, model, issuer, spender, admin, stranger)
    seed_history(driver, alice, bob, carol, validity)
    driver.compare([alice, bob, carol, dave, merchant])
    recovery_walk(driver, alice, bob, carol, dave, merchant)
    tier_walk(driver, carol, [alice, bob, carol, dave, merchant])
    DifferentialMachine.driver, DifferentialMachine.seeded = driver, driver.model.copy()
    DifferentialMachine.actors = [alice, bob, carol, dave, merchant]
    started = time.monotonic()
    run_state_machine_as_test(
        DifferentialMachine, settings=settings(max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None,
                                              suppress_health_check=list(HealthCheck))
    )
    print(f"{name}: {EXAMPLES} examples of up to {STEPS} steps in {time.monotonic() - started:.1f}s; "
          f"recoveries {dict(driver.recoveries)}; pending credits {dict(driver.pendings)}; tiers {dict(driver.tiers)}")
