"""Discount caps per customer, an order discounted once, and the least discount the customer accepts."""

from brownie import chain
from tests.tokenkit import DAY, UNIT, reverts_with

from tests.contracts.redemption_vault.vaultkit import DAY_CAP, ORDER_CAP, fund


def order(n):
    return "0x" + f"{n:064x}"


def test_one_customer_cannot_use_up_the_day_for_everyone(vault, token, issuer, alice, bob):
    fund(token, issuer, alice, DAY_CAP // UNIT)
    fund(token, issuer, bob, 100)
    for n in range(DAY_CAP // ORDER_CAP):
        vault.redeemForDiscount(ORDER_CAP, order(n), 0, {"from": alice})
    with reverts_with("DailyCapExceeded"):
        vault.redeemForDiscount(100, order(99), 0, {"from": alice})
    vault.redeemForDiscount(100 * UNIT, order(100), 0, {"from": bob})  # bob's own cap is untouched
    assert vault.discountUsedToday(alice) == DAY_CAP and vault.discountUsedToday(bob) == 100 * UNIT


def test_customer_cap_resets_next_day(vault, token, issuer, alice):
    fund(token, issuer, alice, DAY_CAP // UNIT + 100)
    for n in range(DAY_CAP // ORDER_CAP):
        vault.redeemForDiscount(ORDER_CAP, order(n), 0, {"from": alice})
    chain.sleep(DAY)
    chain.mine()
    assert vault.discountUsedToday(alice) == 0
    vault.redeemForDiscount(100, order(50), 0, {"from": alice})


def test_order_is_discounted_once(vault, token, issuer, alice):
    fund(token, issuer, alice, 2 * ORDER_CAP // UNIT)
    vault.redeemForDiscount(ORDER_CAP, order(1), 0, {"from": alice})
    with reverts_with("OrderAlreadyDiscounted"):
        vault.redeemForDiscount(ORDER_CAP, order(1), 0, {"from": alice})  # would beat the per-order cap
    vault.redeemForDiscount(100, order(2), 0, {"from": alice})
    with reverts_with("OrderAlreadyDiscounted"):
        vault.redeemForDiscount(100, order(1), 0, {"from": alice})


def test_orders_per_day_are_bounded(vault, token, issuer, alice):
    fund(token, issuer, alice, 100)
    for n in range(vault.MAX_ORDERS_PER_DAY()):
        vault.redeemForDiscount(100, order(n), 0, {"from": alice})
    with reverts_with("TooManyOrdersToday"):
        vault.redeemForDiscount(100, order(77), 0, {"from": alice})


def test_discount_below_minimum_reverts(vault, token, issuer, admin, alice):
    vault.announceDiscountRate(200 * UNIT, {"from": admin})  # half the discount per point, after the notice
    chain.sleep(vault.noticePeriod())
    fund(token, issuer, alice, 500)  # points live three days in tests: earn them after the wait
    with reverts_with("DiscountBelowMinimum"):
        vault.redeemForDiscount(100 * UNIT, order(1), 100, {"from": alice})  # saw 1.00 off at the old rate
    used, cents = vault.redeemForDiscount(100 * UNIT, order(1), 50, {"from": alice}).return_value
    assert (used, cents) == (100 * UNIT, 50)
