"""Stateful property test: random issue / spend / transfer / burn / wallet recovery / time-jump sequences.

(Driven by hypothesis' RuleBasedStateMachine with brownie chain snapshots, because brownie 1.22's
`state_machine` fixture refuses the classes it builds under this hypothesis.)

A Python model keeps every customer's lots (epoch, amount), lifetime earned and pending wallet
recovery, and spends oldest first. Recoveries are started (by the admin, who holds RECOVERY_ROLE),
cancelled (by the old key or the admin) and completed after the delay (half a day here, so time
jumps reach it); while one pends the old address's debits revert. After every step: live balances
+ expired + burned == issued (the supply identity); every balance and lifetime equals the model's
(so nobody ever spends an expired point, spending is FIFO, and a recovery moves exactly the live
lots with their epochs); every pending recovery is the model's; no issuer exceeds its budget;
totalSupply is the sum of all live balances.
"""

import os
from collections import Counter

import brownie
from brownie import chain
from tests.tokenkit import EPOCH, NOREF, VALIDITY, reverts_with
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

STEPS = 60 if os.environ.get("SVC_LONG") else 15
EXAMPLES = 60 if os.environ.get("SVC_LONG") else 12
BUDGET = 40_000
DELAY = EPOCH // 2  # the recovery delay
ZERO = "0x" + "00" * 20


WHO = st.integers(0, 2)
AMOUNT = st.integers(1, 3_000)


class TokenMachine(RuleBasedStateMachine):
    token = customers = issuer = merchant = admin = None
    recoveries = Counter()  # outcomes of the recovery rules over the whole run (printed)

    def __init__(self):
        super().__init__()
        chain.snapshot()
        self.lots = {c.address: [] for c in self.customers}
        self.lifetime = {c.address: 0 for c in self.customers}
        self.pending = {}  # old address → (new address, ready at)
        self.merchant_balance = 0
        self.issued = 0
        self.burned = 0
        self.expired = 0

    def teardown(self):
        chain.revert()

    # ------------------------------------------------------------ model helpers
    def _epoch(self):
        return self.token.currentEpoch()

    def _expire(self):
        cur = self._epoch()
        for addr, lots in self.lots.items():
            keep = []
            for epoch, amount in lots:
                if epoch + VALIDITY <= cur:
                    self.expired += amount
                else:
                    keep.append([epoch, amount])
            self.lots[addr] = keep

    def _live(self, addr):
        return sum(a for _, a in self.lots[addr])

    def _take(self, addr, amount):
        taken = []
        for lot in self.lots[addr]:
            if amount == 0:
                break
            t = min(lot[1], amount)
            lot[1] -= t
            amount -= t
            taken.append([lot[0], t])
        self.lots[addr] = [l for l in self.lots[addr] if l[1] > 0]
        return taken

    def _refuses_pending(self, addr, call, *args):
        """A debit of `addr` while its recovery pends: it must revert with RecoveryPending."""
        if addr not in self.pending:
            return False
        with reverts_with("RecoveryPending"):
            call(*args)
        return True

    def _credit(self, addr, epoch, amount):
        for lot in self.lots[addr]:
            if lot[0] == epoch:
                lot[1] += amount
                return
        self.lots[addr].append([epoch, amount])
        self.lots[addr].sort()

    # ------------------------------------------------------------ rules
    @initialize(st_who=WHO, st_to=WHO)
    def everyone_earns_and_a_wallet_is_lost(self, st_who, st_to):
        """Every customer starts with points, and one recovery is started (unless drawn to itself),
        so every run has a recovery for the other rules to cancel or complete."""
        for i in range(len(self.customers)):
            self.issue(i, 1_000)
        self.start_recovery(st_who, st_to)

    @rule(st_who=WHO, st_amount=AMOUNT)
    def issue(self, st_who, st_amount):
        self._expire()
        customer = self.customers[st_who]
        used = self.token.issuerBudget(self.issuer)[1]
        if used + st_amount > BUDGET:
            with brownie.reverts():
                self.token.issue(customer, st_amount, 0, NOREF, {"from": self.issuer})
            return
        self.token.issue(customer, st_amount, 0, NOREF, {"from": self.issuer})
        self._credit(customer.address, self._epoch(), st_amount)
        self.lifetime[customer.address] += st_amount
        self.issued += st_amount

    @rule(st_who=WHO, st_amount=AMOUNT)
    def spend_at_merchant(self, st_who, st_amount):
        self._expire()
        customer = self.customers[st_who]
        if self._refuses_pending(customer.address, self.token.transfer, self.merchant, st_amount, {"from": customer}):
            return
        if st_amount > self._live(customer.address):
            with brownie.reverts():
                self.token.transfer(self.merchant, st_amount, {"from": customer})
            return
        self.token.transfer(self.merchant, st_amount, {"from": customer})
        self._take(customer.address, st_amount)
        self.merchant_balance += st_amount

    @rule(st_who=WHO, st_amount=AMOUNT)
    def transfer_between_customers(self, st_who, st_amount):
        self._expire()
        sender = self.customers[st_who]
        receiver = self.customers[(st_who + 1) % len(self.customers)]
        if self._refuses_pending(sender.address, self.token.transfer, receiver, st_amount, {"from": sender}):
            return
        if st_amount > self._live(sender.address):
            with brownie.reverts():
                self.token.transfer(receiver, st_amount, {"from": sender})
            return
        self.token.transfer(receiver, st_amount, {"from": sender})
        for epoch, amount in self._take(sender.address, st_amount):
            self._credit(receiver.address, epoch, amount)

    @rule(st_who=WHO, st_amount=AMOUNT)
    def burn(self, st_who, st_amount):
        self._expire()
        customer = self.customers[st_who]
        if self._refuses_pending(customer.address, self.token.burn, st_amount, {"from": customer}):
            return
        if st_amount > self._live(customer.address):
            with brownie.reverts():
                self.token.burn(st_amount, {"from": customer})
            return
        self.token.burn(st_amount, {"from": customer})
        self._take(customer.address, st_amount)
        self.burned += st_amount

    @rule(st_who=WHO, st_amount=AMOUNT)
    def merchant_gives_back(self, st_who, st_amount):
        self._expire()
        if st_amount > self.merchant_balance:
            return
        customer = self.customers[st_who]
        self.token.transfer(customer, st_amount, {"from": self.merchant})
        self.merchant_balance -= st_amount
        self._credit(customer.address, self._epoch(), st_amount)

    @rule(st_who=WHO, st_to=WHO)
    def start_recovery(self, st_who, st_to):
        old, new = self.customers[st_who].address, self.customers[st_to].address
        self._expire()
        if old != new and old not in self.pending and not self.lots[old] and not self.lifetime[old]:
            return  # nothing to recover, or expired lots the token has not swept yet (test_recovery covers it)
        error = ("InvalidRecovery" if old == new else "RecoveryPending" if old in self.pending or new in self.pending
                 else None)
        if error:
            with reverts_with(error):
                self.token.startRecovery(old, new, {"from": self.admin})
            return
        tx = self.token.startRecovery(old, new, {"from": self.admin})
        self.pending[old] = (new, tx.timestamp + DELAY)
        self.recoveries["started"] += 1

    @rule(st_who=WHO, st_by_owner=st.booleans())
    def cancel_recovery(self, st_who, st_by_owner):
        old = self.customers[st_who]
        by = old if st_by_owner else self.admin
        if old.address not in self.pending:
            with reverts_with("NoRecoveryPending"):
                self.token.cancelRecovery(old, {"from": by})
            return
        self.token.cancelRecovery(old, {"from": by})
        del self.pending[old.address]
        self.recoveries["cancelled"] += 1

    @rule(st_who=WHO)
    def complete_recovery(self, st_who):
        old = self.customers[st_who].address
        if old in self.pending and abs(self.pending[old][1] - chain.time()) < 5:
            chain.sleep(10)  # not at the edge of the delay, where the next block's time is a guess
            chain.mine()
        self._expire()
        new, ready_at = self.pending.get(old, (None, 0))
        error = ("NoRecoveryPending" if new is None else "RecoveryNotReady" if chain.time() < ready_at
                 else "RecoveryPending" if new in self.pending else None)
        if error:
            with reverts_with(error):
                self.token.completeRecovery(old, {"from": self.merchant})
            self.recoveries[f"complete refused: {error}"] += 1
            return
        moved = self._live(old)
        tx = self.token.completeRecovery(old, {"from": self.merchant})
        assert tx.return_value == moved
        for epoch, amount in self.lots[old]:
            self._credit(new, epoch, amount)
        self.lots[old] = []
        self.lifetime[new] += self.lifetime[old]
        self.lifetime[old] = 0
        del self.pending[old]
        self.recoveries["completed"] += 1

    @rule(st_who=WHO, st_to=WHO, st_cancel=st.booleans())
    def recovery_moves_on(self, st_who, st_to, st_cancel):
        """The next step of a recovery of customer `st_who`: start one, or wait out the delay and
        complete it (or the old key cancels it). Short runs see recoveries through this way."""
        old = self.customers[st_who].address
        if old not in self.pending:
            self.start_recovery(st_who, st_to)
            return
        wait = self.pending[old][1] - chain.time()
        if wait > -5:
            chain.sleep(max(0, wait) + 10)
            chain.mine()
        if st_cancel:
            self.cancel_recovery(st_who, True)
        else:
            self.complete_recovery(st_who)

    @rule(st_seconds=st.integers(1, 2 * EPOCH))
    def time_passes(self, st_seconds):
        chain.sleep(int(st_seconds))
        chain.mine()

    # ------------------------------------------------------------ invariants
    @invariant()
    def balances_match_model(self):
        self._expire()
        for c in self.customers:
            assert self.token.balanceOf(c) == self._live(c.address)
            assert [[int(l[0]), int(l[1])] for l in self.token.lotsOf(c)] == self.lots[c.address]
            assert self.token.lifetimeEarned(c) == self.lifetime[c.address]
            to, ready_at = self.token.recoveryOf(c)
            assert (to, ready_at) == self.pending.get(c.address, (ZERO, 0))
        assert self.token.balanceOf(self.merchant) == self.merchant_balance

    @invariant()
    def supply_reconciles(self):
        self._expire()
        live = sum(self._live(c.address) for c in self.customers) + self.merchant_balance
        assert self.token.totalSupply() == live
        assert self.token.totalIssued() == self.issued
        assert self.token.totalExpired() == self.expired
        assert self.token.totalBurned() == self.burned
        assert live + self.expired + self.burned == self.issued

    @invariant()
    def budget_never_exceeded(self):
        allowance, used, _ = self.token.issuerBudget(self.issuer)
        assert used <= allowance and used == self.issued


def wire(token, alice, bob, carol, issuer, merchant, admin):
    token.setTransfersOpen(True, {"from": admin})
    token.setIssuerBudget(issuer, BUDGET, {"from": admin})
    token.setRecoveryDelay(DELAY, {"from": admin})
    TokenMachine.token, TokenMachine.customers = token, [alice, bob, carol]
    TokenMachine.issuer, TokenMachine.merchant, TokenMachine.admin = issuer, merchant, admin
    TokenMachine.recoveries = Counter()


def test_recovery_walk_through_the_machine(token, alice, bob, carol, issuer, merchant, admin):
    """The machine's own rules in one fixed order that every run sees (random runs may draw few
    recovery steps): a recovery started, refused debits, credits while pending, cancelled by the old
    key and by the admin, completed into an account holding points, a chained recovery refused
    then completed; every invariant after every step."""
    wire(token, alice, bob, carol, issuer, merchant, admin)
    m = TokenMachine()
    steps = [
        lambda: m.everyone_earns_and_a_wallet_is_lost(0, 1),  # alice → bob pending
        lambda: m.spend_at_merchant(0, 10), lambda: m.transfer_between_customers(0, 5), lambda: m.burn(0, 1),
        lambda: m.issue(0, 300), lambda: m.merchant_gives_back(0, 0), lambda: m.spend_at_merchant(1, 100),
        lambda: m.merchant_gives_back(0, 100),
        lambda: m.start_recovery(0, 2), lambda: m.start_recovery(2, 0), lambda: m.complete_recovery(0),
        lambda: m.cancel_recovery(0, True), lambda: m.spend_at_merchant(0, 10),  # the old key cancelled
        lambda: m.start_recovery(0, 1), lambda: m.cancel_recovery(0, False),  # the admin cancelled
        lambda: m.start_recovery(0, 1), lambda: m.time_passes(EPOCH),
        lambda: m.start_recovery(1, 2),  # bob, the target, is lost too: alice's completion must wait
        lambda: m.recovery_moves_on(0, 0, False), lambda: m.recovery_moves_on(1, 0, False),
        lambda: m.recovery_moves_on(0, 0, False), lambda: m.issue(1, 40),
        lambda: m.recovery_moves_on(1, 2, False), lambda: m.recovery_moves_on(1, 2, False),
        lambda: m.time_passes(2 * EPOCH), lambda: m.recovery_moves_on(2, 0, False),
        lambda: m.recovery_moves_on(2, 0, False), lambda: m.time_passes(2 * EPOCH),
    ]
    try:
        for step in steps:
            step()
            m.balances_match_model()
            m.supply_reconciles()
            m.budget_never_exceeded()
    finally:
        m.teardown()
    assert {k: v for k, v in m.recoveries.items() if k in ("started", "cancelled", "completed")} == \
        {"started": 6, "cancelled": 2, "completed": 4}


def test_token_state_machine(token, alice, bob, carol, issuer, merchant, admin):
    wire(token, alice, bob, carol, issuer, merchant, admin)
    run_state_machine_as_test(
        TokenMachine, settings=settings(max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None,
                                       suppress_health_check=list(HealthCheck))
    )
    print(f"recovery rules: {dict(TokenMachine.recoveries)}")
