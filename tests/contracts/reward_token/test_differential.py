"""Differential fuzz: RewardToken against an independent Python model (tokenmodel.py), at validity
1, 2, 5, 12 and 15.

Each validity gets its own token. Before the fuzz a short history is written through the same
driver: customers who earned in every epoch (so their ring wraps and reaches slots 1–3), in every
other epoch, once long ago (a dormant account whose lots have all expired), and never. Hypothesis
then runs random steps from a chain snapshot of that state: issue, issueBatch (fresh ids,
duplicates and acceptors included), customer↔acceptor payments, customer↔customer transfers while
the admin has them open, burn, burnFrom, the spender's spend, and time jumps of seconds to many
epochs, and wallet recoveries (started by the admin, who holds RECOVERY_ROLE, between any two
actors, the merchant included; cancelled by the old key, the admin or a stranger; completed by
anyone before and after the delay, half an epoch here). After every step every view the model
predicts is compared, read in one JSON-RPC batch: currentEpoch, balanceOf, lotsOf, expiringBefore
at each epoch boundary, lifetimeEarned, tierOf, recoveryOf, totalSupply, totalIssued,
totalExpired, totalBurned and the issuer's budget use.

A fixed walk through recoveries (refusals, a completion merging two rings, cancels) runs over the
seeded history first, compared after every step; it leaves one recovery pending for the fuzz.

Short by default (a few dozen examples per validity); SVC_LONG=1 (`make test-long`) runs long.
"""

import itertools
import os
import time
from collections import Counter

import brownie
import pytest
import requests
from brownie import accounts, chain, web3
from eth_abi import decode
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from tests.contracts.reward_token.tiermodel import LIFETIME, ROLLING
from tests.contracts.reward_token.tokenmodel import TokenModel
from tests.tokenkit import EPOCH, batch_id, deploy_token

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
EDGE = 30  # seconds kept between a block and a pending credit's release
ZERO = "0x" + "00" * 20
_ids = itertools.count()


# ---------------------------------------------------------------------------- views in one batch
def read_views(calls):
    """eth_call every (contract method, args, output types) at the latest block in one JSON-RPC batch."""
    payload = [{"jsonrpc": "2.0", "id": i, "method": "eth_call",
                "params": [{"to": fn._address, "data": fn.encode_input(*args)}, "latest"]}
               for i, (fn, args, _) in enumerate(calls)]
    answers = sorted(requests.post(web3.provider.endpoint_uri, json=payload, timeout=60).json(), key=lambda a: a["id"])
    out = []
    for (fn, _, types), answer in zip(calls, answers):
        assert "error" not in answer, (fn._name, answer)
        out.append(decode(types, bytes.fromhex(answer["result"][2:])))
    return out


# ---------------------------------------------------------------------------- the driver
class Driver:
    """Sends one operation to the token and applies it to the model; asserts the token refuses
    exactly what the model refuses."""

    def __init__(self, token, model, issuer, spender, admin, burner):
        self.token, self.model = token, model
        self.issuer, self.spender, self.admin, self.burner = issuer, spender, admin, burner
        self.recoveries = Counter()  # accepted recovery operations (printed)
        self.pendings = Counter()  # pending credits made and cancels (printed)
        self.tiers = Counter()  # tier moves seen between two comparisons, and tiers held by a floor (printed)
        self._last_tier = {}

    def _latest(self):
        return web3.eth.get_block("latest").timestamp

    def _clear_of_releases(self):
        """Keep the coming block away from every pending credit's release time."""
        now = self._latest()
        if any(abs(x.release - now) < EDGE for xs in self.model.entries.values() for x in xs):
            self.sleep(2 * EDGE)

    def _op(self, apply, fn, *args):
        """Apply to the model at the epoch and time of the coming block, then send: the token must
        accept exactly what the model accepts (`sleep` keeps blocks away from epoch boundaries, and
        `_clear_of_releases` from release times, so a few seconds' guess of the time is safe)."""
        self._clear_of_releases()
        now = self._latest() + 1
        cur = self.model.epoch_at(now)
        if not apply(cur, now):
            with brownie.reverts():
                fn(*args)
            return
        tx = fn(*args)
        assert self.model.epoch_at(tx.timestamp) == cur
        entries = [x for xs in self.model.entries.values() for x in xs]
        assert not any(x.release is not None and now - EDGE < x.release <= tx.timestamp for x in entries)
        self.pendings["made"] += sum(1 for x in entries if x.release is None)
        self.model.stamp(tx.timestamp + self.model.window)

    def issue(self, to, amount, reason):
        ref = batch_id(f"ref-{next(_ids)}")
        self._op(lambda cur, now: self.model.issue(to.address, amount, reason, cur, ref, now) is not None,
                 self.token.issue, to, amount, reason, ref, {"from": self.issuer})
        return ref

    def issue_batch(self, recipients, amounts, reason):
        bid = batch_id(f"differential-{next(_ids)}")
        self._op(lambda cur, now: self.model.issue_batch([r.address for r in recipients], amounts, reason, cur,
                                                         bid, now) is not None,
                 self.token.issueBatch, bid, recipients, amounts, reason, {"from": self.issuer})
        return bid

    def transfer(self, sender, to, amount):
        self._op(lambda cur, now: self.model.transfer(sender.address, to.address, amount, cur, now),
                 self.token.transfer, to, amount, {"from": sender})

    def burn(self, who, amount):
        self._op(lambda cur, now: self.model.burn(who.address, amount, cur, now),
                 self.token.burn, amount, {"from": who})

    def spend(self, who, amount):
        self._op(lambda cur, now: self.model.spend(who.address, amount, cur, now),
                 self.token.spend, who, amount, {"from": self.spender})

    def burn_from(self, who, allowance, amount):
        self.token.approve(self.burner, allowance, {"from": who})
        self.model.approve(who.address, self.burner.address, allowance)
        self._op(lambda cur, now: self.model.burn_from(self.burner.address, who.address, amount, cur, now),
                 self.token.burnFrom, who, amount, {"from": self.burner})

    def cancel_pending(self, key, recipient, by):
        """The issuer (or `by`, who made nothing) cancels the pending credit under `key` to `recipient`."""
        done = []

        def apply(cur, now):
            if by == self.issuer:
                done.append(self.model.cancel_pending(key, recipient.address, now, cur))
            return bool(done and done[0])

        self._op(apply, self.token.cancelPending, key, recipient, {"from": by})
        self.pendings["cancelled" if done and done[0] else "refused cancels"] += 1

    def start_recovery(self, old, new):
        cur = self.model.epoch_at(self._latest())
        if self.model.recoverable(old.address, cur) is None:
            return  # touched but holding nothing live: whether the token kept a trace decides
        if not self.model.start_recovery(old.address, new.address, cur):
            with brownie.reverts():
                self.token.startRecovery(old, new, {"from": self.admin})
            return
        tx = self.token.startRecovery(old, new, {"from": self.admin})
        self.recoveries["started"] += 1
        self.model.pending[old.address] = (new.address, tx.timestamp + self.model.recovery_delay)

    def cancel_recovery(self, old, by):
        if not self.model.cancel_recovery(old.address, by.address, {self.admin.address}):
            with brownie.reverts():
                self.token.cancelRecovery(old, {"from": by})
            return
        self.token.cancelRecovery(old, {"from": by})
        self.recoveries["cancelled"] += 1

    def complete_recovery(self, old):
        ready_at = self.model.recovery_of(old.address)[1]
        if abs(ready_at - self._latest()) < 10:
            self.sleep(20)  # away from the ready time, where the next block's time is a guess
        done = []
        self._op(lambda cur, now: done.append(self.model.complete_recovery(old.address, now, cur)) or done[0] is not None,
                 self.token.completeRecovery, old, {"from": self.burner})
        self.recoveries["completed" if done and done[0] is not None else "refused completions"] += 1

    def set_transfers_open(self, open_):
        self.token.setTransfersOpen(open_, {"from": self.admin})
        self.model.transfers_open = open_

    def to_period(self, k):
        """Let time pass to ten minutes into the k-th qualification period from the current one."""
        m = self.model
        start = m.genesis + (m.rules.period_of(m.epoch_at(self._latest())) + k) * m.rules.period * m.epoch_length
        self.sleep(start + 600 - self._latest())

    def sleep(self, seconds):
        """Let time pass, never ending within five minutes of an epoch boundary."""
        chain.sleep(int(seconds))
        chain.mine()
        left = self.model.epoch_length - (web3.eth.get_block("latest").timestamp - self.model.genesis) % self.model.epoch_length
        if left < 300:
            chain.sleep(left + 1)
            chain.mine()

    # ------------------------------------------------------------------ comparison
    def _count_tier(self, who, tier, cur):
        was = self._last_tier.get(who, 0)
        self.tiers["up" if tier > was else "down" if tier < was else "same"] += 1
        self._last_tier[who] = tier
        q = self.model.qual.get(who)
        if q and tier > self.model.rules.tier_for(q.points.get(self.model.rules.period_of(cur), 0)):
            self.tiers["held by the floor"] += 1

    def compare(self, actors):
        t, m = self.token, self.model
        v = m.validity
        now = self._latest()
        cur = m.epoch_at(now)
        # Every epoch boundary at which a live lot can expire, each side of it, and far ahead.
        edges = [m.expiry_of(e) + d for e in range(max(0, cur - v + 1), cur + 1) for d in (-1, 0)]
        edges += [now, 2**64]
        u = ["uint256"]
        calls = [(t.currentEpoch, (), u), (t.totalSupply, (), u), (t.totalIssued, (), u), (t.totalExpired, (), u),
                 (t.totalBurned, (), u), (t.totalPending, (), u), (t.totalCancelled, (), u), (t.totalMigrated, (), u),
                 (t.issuerBudget, (self.issuer,), ["uint256", "uint256", "uint256"])]
        for a in actors:
            calls += [(t.balanceOf, (a,), u), (t.lotsOf, (a,), ["(uint256,uint256,uint256)[]"]),
                      (t.lifetimeEarned, (a,), u), (t.tierOf, (a,), ["uint8"]),
                      (t.qualifyingPoints, (a,), ["uint256", "uint256"]), (t.nextTierReview, (a,), u),
                      (t.tierProgress, (a,), ["uint8", "uint256", "uint256"]),
                      (t.pendingOf, (a,), ["uint256[]", "uint256[]"]), (t.recoveryOf, (a,), ["address", "uint256"])]
            calls += [(t.expiringBefore, (a, edge), u) for edge in edges]
        got = iter(read_views(calls))
        assert next(got)[0] == cur, "currentEpoch"
        supply, issued, expired, burned, pending, cancelled, migrated = (next(got)[0] for _ in range(7))
        assert (supply, issued, expired, burned) == (m.total_supply(cur, now), m.issued, m.total_expired(cur), m.burned)
        assert (pending, cancelled, migrated) == (m.total_pending(cur, now), m.cancelled, 0)
        assert issued == supply + pending + expired + burned + cancelled, "supply identity"
        assert next(got)[1] == m.budget_used(), "issuer budget used"
        for a in actors:
            who = a.address
            assert next(got)[0] == m.balance_of(who, cur, now), f"balanceOf {who}"
            assert [tuple(lot) for lot in next(got)[0]] == m.lots_of(who, cur), f"lotsOf {who}"
            assert next(got)[0] == m.lifetime_of(who), f"lifetimeEarned {who}"
            tier = next(got)[0]
            assert tier == m.tier_of(who, cur)[0], f"tierOf {who}"
            self._count_tier(who, tier, cur)
            assert next(got) == m.qualifying_points(who, cur), f"qualifyingPoints {who}"
            assert next(got)[0] == m.next_tier_review(cur), f"nextTierReview {who}"
            assert next(got) == m.tier_progress(who, cur), f"tierProgress {who}"
            amounts, releases = next(got)
            assert list(releases) == sorted(releases), f"pendingOf {who}: oldest first"
            assert sorted(zip(releases, amounts)) == m.pending_of(who, cur, now), f"pendingOf {who}"
            to, ready_at = next(got)
            want_to, want_ready = m.recovery_of(who)
            assert (to.lower(), ready_at) == ((want_to or ZERO).lower(), want_ready), f"recoveryOf {who}"
            # Known divergence (test_differential_findings.py): expiringBefore leaves out released
            # pending credits not yet settled into the lots; not compared while an account holds some.
            released = m.released(who, cur, now)
            for edge in edges:
                value = next(got)[0]
                if not released:
                    assert value == m.expiring_before(who, edge, cur, now), f"expiringBefore {who} {edge}"


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
        self.d._last_tier = {}

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
        or under its key for another recipient. In soft-landing mode a credit of the last period is
        left alone: the known divergence in test_differential_findings.py."""
        held = [(who, x) for who, xs in self.d.model.entries.items() for x in xs if self._cancellable(who, x)]
        if not held:
            return
        who, x = held[pick % len(held)]
        target = next(a for a in self.actors if a.address == who) if recipient is None else self.actors[recipient]
        if target.address != who and any(y.key == x.key for y in self.d.model.entries.get(target.address, [])):
            return  # the same batch credited it too: the choice above decides
        self.d.cancel_pending(x.key, target, self.d.issuer if by_issuer else self.d.burner)

    def _cancellable(self, who, x):
        """Whether a cancel of pending credit `x` of `who` stays out of the known divergence: in
        soft-landing mode, or after a recovery into `who` in this period, a credit of an earlier period."""
        m = self.d.model
        p = m.rules.period_of(m.epoch_at(web3.eth.get_block("latest").timestamp + 1))
        return m.rules.period_of(x.epoch) == p or not (m.rules.soft or m._qual(who).anchor[0] == p)

    @rule(who=ANY, other=ANY, amount=st.integers(1, 4_000), batch=st.booleans(),
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
        x = next((x for x in self.d.model.entries.get(to.address, []) if x.key == key), None)
        if cancel and (x is None or self._cancellable(to.address, x)):
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
