"""Checkout discount at the published rate, caps, and the notice period for rate and price changes."""

from brownie import chain
from tests.tokenkit import DAY, UNIT, reverts_with

from tests.contracts.redemption_vault.vaultkit import ANY_PRICE, DAY_CAP, NOTICE, ORDER_CAP, RATE, fund

ORDER = "0x" + "0a" * 32


def order(n):
    return "0x" + f"{n:064x}"


def test_discount_burns_points_for_cents(vault, token, issuer, alice):
    fund(token, issuer, alice, 300)
    tx = vault.redeemForDiscount(250 * UNIT, ORDER, 0, {"from": alice})
    used, cents = tx.return_value
    assert (used, cents) == (250 * UNIT, 250)  # 100 points per currency unit: 250 points = 2.50
    assert token.balanceOf(alice) == 50 * UNIT
    ev = tx.events["DiscountRedeemed"]
    assert ev["customer"] == alice and ev["orderRef"] == ORDER and ev["rate"] == RATE


def test_discount_burns_only_what_it_is_worth(vault, token, issuer, alice):
    fund(token, issuer, alice, 300)
    used, cents = vault.redeemForDiscount(250 * UNIT + 99, ORDER, 0, {"from": alice}).return_value
    assert (used, cents) == (250 * UNIT, 250) and token.balanceOf(alice) == 50 * UNIT


def test_discount_worth_less_than_a_cent_reverts(vault, token, issuer, alice):
    fund(token, issuer, alice, 10)
    with reverts_with("DiscountTooSmall"):
        vault.redeemForDiscount(99, ORDER, 0, {"from": alice})


def test_discount_over_order_cap_reverts(vault, token, issuer, alice):
    fund(token, issuer, alice, 10_000)
    with reverts_with("OrderCapExceeded"):
        vault.redeemForDiscount(ORDER_CAP + 100, ORDER, 0, {"from": alice})
    vault.redeemForDiscount(ORDER_CAP, ORDER, 0, {"from": alice})
    assert vault.discountUsedToday(alice) == ORDER_CAP


def test_daily_cap_resets_next_day(vault, token, issuer, alice, bob):
    fund(token, issuer, alice, 30_000)
    for n in range(DAY_CAP // ORDER_CAP):
        vault.redeemForDiscount(ORDER_CAP, order(n), 0, {"from": alice})
    assert vault.discountUsedToday(alice) == DAY_CAP
    with reverts_with("DailyCapExceeded"):
        vault.redeemForDiscount(100, order(10), 0, {"from": alice})
    chain.sleep(DAY)
    chain.mine()
    assert vault.discountUsedToday(alice) == 0
    vault.redeemForDiscount(100, order(10), 0, {"from": alice})


def test_discount_with_too_few_points_reverts(vault, token, issuer, alice):
    fund(token, issuer, alice, 10)
    with reverts_with("ERC20InsufficientBalance"):
        vault.redeemForDiscount(20 * UNIT, ORDER, 0, {"from": alice})


def test_rate_change_waits_for_notice_period(vault, token, issuer, admin, alice):
    effective = vault.announceDiscountRate(200 * UNIT, {"from": admin}).return_value
    terms = vault.discountTerms()
    assert terms["rate"] == RATE and terms["pendingRate"] == 200 * UNIT and terms["pendingAt"] == effective
    assert effective == chain[-1].timestamp + NOTICE
    chain.sleep(NOTICE - 60)
    fund(token, issuer, alice, 1_000)  # points live three days in tests: earn them after the wait
    assert vault.redeemForDiscount(100 * UNIT, ORDER, 0, {"from": alice}).return_value[1] == 100  # old rate
    chain.sleep(61)
    chain.mine()
    assert vault.redeemForDiscount(100 * UNIT, order(2), 0, {"from": alice}).return_value[1] == 50  # new rate
    assert vault.discountTerms()["pendingAt"] == 0


def test_price_change_waits_for_notice_period(vault, token, issuer, merchant, alice, gift):
    tx = vault.announcePrice(gift, 150 * UNIT, {"from": merchant})
    ev = tx.events["PriceChangeAnnounced"]
    assert (ev["oldPrice"], ev["newPrice"]) == (100 * UNIT, 150 * UNIT)
    item = vault.item(gift)
    assert item["price"] == 100 * UNIT and item["pendingPrice"] == 150 * UNIT and item["pendingAt"] == ev["effectiveAt"]
    chain.sleep(NOTICE - 60)
    fund(token, issuer, alice, 1_000)
    assert vault.redeem(gift, 1, ANY_PRICE, {"from": alice}).events["Redeemed"]["points"] == 100 * UNIT
    chain.sleep(61)
    chain.mine()
    assert vault.redeem(gift, 1, ANY_PRICE, {"from": alice}).events["Redeemed"]["points"] == 150 * UNIT
    assert vault.item(gift)["price"] == 150 * UNIT


def test_new_announcement_replaces_pending_one(vault, merchant, gift):
    vault.announcePrice(gift, 150 * UNIT, {"from": merchant})
    chain.sleep(DAY)
    vault.announcePrice(gift, 120 * UNIT, {"from": merchant})
    item = vault.item(gift)
    assert item["price"] == 100 * UNIT and item["pendingPrice"] == 120 * UNIT
    assert item["pendingAt"] == chain[-1].timestamp + NOTICE


def test_notice_period_can_only_grow(vault, admin):
    with reverts_with("NoticePeriodTooShort"):
        vault.setNoticePeriod(NOTICE - 1, {"from": admin})
    with reverts_with("NoticePeriodTooLong"):
        vault.setNoticePeriod(366 * DAY, {"from": admin})
    vault.setNoticePeriod(NOTICE * 2, {"from": admin})
    assert vault.noticePeriod() == NOTICE * 2


def test_zero_or_huge_price_reverts(vault, merchant, gift):
    with reverts_with("ZeroAmount"):
        vault.announcePrice(gift, 0, {"from": merchant})
    with reverts_with("AmountTooLarge"):
        vault.announcePrice(gift, 2**48, {"from": merchant})
