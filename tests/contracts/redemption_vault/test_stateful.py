"""Stateful property test: points spent, refunded and still open reconcile with the redemptions,
stock never goes negative, and record slots are recycled exactly as modelled (last freed first, only
from the second after their last redemption was created) while ids stay unique and an old id is never
read, fulfilled or refunded as the redemption that took over its slot, under random redeem / fulfil /
refund / wait sequences.

Brownie 1.22's `state_machine` fixture refuses the machine classes it builds under this hypothesis
("_BrownieStateMachine object expected"), so this drives hypothesis' RuleBasedStateMachine directly,
with brownie chain snapshots as the fixture would (as tests/contracts/service_log does).
"""

import brownie
from tests.tokenkit import NOREF, UNIT
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule, run_state_machine_as_test

from tests.contracts.redemption_vault.vaultkit import ANY_PRICE, FULFILLED, OPEN, REFUNDED, fund, list_item

PRICES = [30 * UNIT, 70 * UNIT]
STOCK = 12


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
        self.ids: set[int] = set()  # every id the vault gave out
        self.finished: dict[int, int] = {}  # id -> Fulfilled / Refunded
        self.free = {i: [] for i in self.items}  # the model's free list per item (last freed on top)
        self.slots = {i: 0 for i in self.items}  # slots allocated per item
        self.occupant: dict[tuple[int, int], int] = {}  # (item, slot) -> id of its latest redemption

    def teardown(self):
        brownie.chain.revert()

    @initialize()
    def one_redemption_of_each_item(self):
        for index in range(len(self.items)):
            self.redeem(index, index, 1, 0)

    @rule(customer=st.integers(0, 2), index=st.integers(0, 1), qty=st.integers(1, 3), wait=st.sampled_from([0, 1]))
    def redeem(self, customer, index, qty, wait):
        """Redeem now (maybe in the second a slot was freed: no reuse) or a second later (reuse)."""
        who, item, price = self.customers[customer], self.items[index], PRICES[index]
        if qty > self.stock[item] or self.balances[who] < price * qty:
            return
        brownie.chain.sleep(wait)
        tx = self.vault.redeem(item, qty, ANY_PRICE, {"from": who})
        rid, now = tx.return_value, brownie.chain[tx.block_number].timestamp
        free = self.free[item]
        if free and (rid_created(self.occupant[item, free[-1]])) < now:
            expected = free.pop()
        else:
            self.slots[item] += 1
            expected = self.slots[item]
        assert rid not in self.ids, "an id was given out twice"
        assert rid == (item << 224) | (now << 64) | expected, "slot not recycled as modelled"
        self.ids.add(rid)
        self.occupant[item, expected] = rid
        self.open[rid] = price * qty
        self.spent += price * qty
        self.balances[who] -= price * qty
        self.stock[item] -= qty

    @rule(customer=st.integers(0, 2), index=st.integers(0, 1))
    def redeem_beyond_stock_fails(self, customer, index):
        item = self.items[index]
        with brownie.reverts(revert_pattern="(OutOfStock|ERC20InsufficientBalance).*"):
            self.vault.redeem(item, self.stock[item] + 1, ANY_PRICE, {"from": self.customers[customer]})

    @precondition(lambda self: self.open)
    @rule(pick=st.integers(0, 1000), refund=st.booleans())
    def finish(self, pick, refund):
        rid = sorted(self.open)[pick % len(self.open)]
        if refund:
            self._refund(rid)
        else:
            self.vault.fulfil(rid, NOREF, {"from": self.merchant})
            self.fulfilled += self.open.pop(rid)
            self._finish(rid, FULFILLED)

    def _refund(self, rid):
        customer = self.vault.redemption(rid)[0]
        self.vault.refund(rid, {"from": self.merchant})
        points = self.open.pop(rid)
        self.refunded += points
        self.balances[customer] += points
        item = rid >> 224
        self.stock[item] += points // PRICES[self.items.index(item)]
        self._finish(rid, REFUNDED)

    def _finish(self, rid, status):
        self.finished[rid] = status
        self.free[rid >> 224].append(rid & (2**64 - 1))

    @precondition(lambda self: self.finished)
    @rule(pick=st.integers(0, 1000), refund=st.booleans())
    def finished_id_is_refused(self, pick, refund):
        rid = sorted(self.finished)[pick % len(self.finished)]
        with brownie.reverts(revert_pattern="(RedemptionClosed|UnknownRedemption).*"):
            if refund:
                self.vault.refund(rid, {"from": self.merchant})
            else:
                self.vault.fulfil(rid, NOREF, {"from": self.merchant})

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
    def finished_ids_read_finished_or_unknown(self):
        for rid, status in self.finished.items():
            latest = self.occupant[rid >> 224, rid & (2**64 - 1)] == rid
            assert self.vault.redemption(rid)[4] == (status if latest else 0), "an old id reads as another redemption"

    @invariant()
    def stock_never_negative(self):
        for item in self.items:
            stock = self.vault.item(item)["stock"]
            assert stock == self.stock[item] and 0 <= stock <= STOCK


def rid_created(rid):
    return (rid >> 64) & (2**32 - 1)


def test_redemptions_reconcile(vault, token, issuer, merchant, alice, bob, carol):
    customers = [alice, bob, carol]
    for c in customers:
        fund(token, issuer, c, 400)
    VaultMachine.vault, VaultMachine.token, VaultMachine.merchant = vault, token, merchant
    VaultMachine.customers = customers
    VaultMachine.items = [list_item(vault, merchant, price=p, stock=STOCK) for p in PRICES]
    run_state_machine_as_test(VaultMachine, settings=settings(max_examples=10, stateful_step_count=20, deadline=None,
                                                                      suppress_health_check=list(HealthCheck)))
