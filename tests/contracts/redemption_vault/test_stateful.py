"""Stateful property test: points spent, refunded and still open reconcile with the redemptions,
and stock never goes negative, under random redeem / fulfil / refund sequences.

Brownie 1.22's `state_machine` fixture refuses the machine classes it builds under this hypothesis
("_BrownieStateMachine object expected"), so this drives hypothesis' RuleBasedStateMachine directly,
with brownie chain snapshots as the fixture would (as tests/contracts/service_log does).
"""

import brownie
from conftest import NOREF
from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from .vault_helpers import OPEN, UNIT, fund, list_item

PRICES = [30 * UNIT, 70 * UNIT]
STOCK = 6


class VaultMachine(RuleBasedStateMachine):
    vault = token = merchant = customers = items = None

    def __init__(self):
        super().__init__()
        brownie.chain.snapshot()
        self.open: dict[int, int] = {}  # id -> points
        self.fulfilled = 0
        self.refunded = 0
        self.spent = 0
        self.stock = {i: STOCK for i in self.items}
        self.balances = {c: self.token.balanceOf(c) for c in self.customers}

    def teardown(self):
        brownie.chain.revert()

    @rule(customer=st.integers(0, 2), index=st.integers(0, 1), qty=st.integers(1, 3))
    def redeem(self, customer, index, qty):
        who, item, price = self.customers[customer], self.items[index], PRICES[index]
        if qty > self.stock[item] or self.balances[who] < price * qty:
            return
        rid = self.vault.redeem(item, qty, {"from": who}).return_value
        self.open[rid] = price * qty
        self.spent += price * qty
        self.balances[who] -= price * qty
        self.stock[item] -= qty

    @rule(customer=st.integers(0, 2), index=st.integers(0, 1))
    def redeem_beyond_stock_fails(self, customer, index):
        item = self.items[index]
        with brownie.reverts(revert_pattern="(OutOfStock|ERC20InsufficientBalance).*"):
            self.vault.redeem(item, self.stock[item] + 1, {"from": self.customers[customer]})

    @rule(pick=st.integers(0, 1000))
    def fulfil(self, pick):
        if not self.open:
            return
        rid = sorted(self.open)[pick % len(self.open)]
        self.vault.fulfil(rid, NOREF, {"from": self.merchant})
        self.fulfilled += self.open.pop(rid)

    @rule(pick=st.integers(0, 1000))
    def refund(self, pick):
        if not self.open:
            return
        rid = sorted(self.open)[pick % len(self.open)]
        customer = self.vault.redemption(rid)[0]
        self.vault.refund(rid, {"from": self.merchant})
        points = self.open.pop(rid)
        self.refunded += points
        self.balances[customer] += points
        item = rid >> 224
        self.stock[item] += points // PRICES[self.items.index(item)]

    @invariant()
    def points_reconcile(self):
        assert self.spent == sum(self.open.values()) + self.fulfilled + self.refunded
        for c in self.customers:
            assert self.token.balanceOf(c) == self.balances[c]

    @invariant()
    def open_records_match(self):
        for rid, points in self.open.items():
            rec = self.vault.redemption(rid)
            assert rec[2] == points and rec[4] == OPEN

    @invariant()
    def stock_never_negative(self):
        for item in self.items:
            stock = self.vault.item(item)["stock"]
            assert stock == self.stock[item] and 0 <= stock <= STOCK


def test_redemptions_reconcile(vault, token, issuer, merchant, alice, bob, carol):
    customers = [alice, bob, carol]
    for c in customers:
        fund(token, issuer, c, 400)
    VaultMachine.vault, VaultMachine.token, VaultMachine.merchant = vault, token, merchant
    VaultMachine.customers = customers
    VaultMachine.items = [list_item(vault, merchant, price=p, stock=STOCK) for p in PRICES]
    run_state_machine_as_test(VaultMachine, settings=settings(max_examples=15, stateful_step_count=15, deadline=None))
