"""Unfulfilled redemptions: after the fulfilment deadline the customer may cancel and get the points back."""

from brownie import chain
from tests.tokenkit import DAY, UNIT, reverts_with

from tests.contracts.redemption_vault.vaultkit import CANCELLED, REFUND, fund

WINDOW = 30 * DAY  # the default fulfilment window
VOUCHER_HASH = "0x" + "ab" * 32


def _open(vault, token, issuer, alice, gift, qty=2):
    fund(token, issuer, alice, 200)
    return vault.redeem(gift, qty, 200 * UNIT, {"from": alice}).return_value


def test_cancel_before_deadline_reverts(vault, token, issuer, alice, gift):
    rid = _open(vault, token, issuer, alice, gift)
    chain.sleep(WINDOW - 60)
    chain.mine()
    with reverts_with("FulfilmentNotDue"):
        vault.cancelRedemption(rid, {"from": alice})


def test_cancel_after_deadline_returns_points_and_stock(vault, token, issuer, alice, gift):
    rid = _open(vault, token, issuer, alice, gift)
    assert token.balanceOf(alice) == 0 and vault.item(gift)["stock"] == 8
    chain.sleep(WINDOW + 1)
    tx = vault.cancelRedemption(rid, {"from": alice})
    ev = tx.events["RedemptionCancelled"]
    assert (ev["id"], ev["customer"], ev["points"]) == (rid, alice, 200 * UNIT)
    assert tx.events["Issued"]["reason"] == REFUND
    assert token.balanceOf(alice) == 200 * UNIT and vault.item(gift)["stock"] == 10
    assert vault.redemption(rid)[4] == CANCELLED
    with reverts_with("RedemptionClosed"):
        vault.cancelRedemption(rid, {"from": alice})


def test_cancel_after_fulfil_reverts(vault, token, issuer, alice, merchant, gift):
    rid = _open(vault, token, issuer, alice, gift)
    chain.sleep(WINDOW + 1)
    vault.fulfil(rid, VOUCHER_HASH, {"from": merchant})  # a late fulfilment still counts
    with reverts_with("RedemptionClosed"):
        vault.cancelRedemption(rid, {"from": alice})


def test_cancel_after_refund_reverts(vault, token, issuer, alice, merchant, gift):
    rid = _open(vault, token, issuer, alice, gift)
    vault.refund(rid, {"from": merchant})
    chain.sleep(WINDOW + 1)
    with reverts_with("RedemptionClosed"):
        vault.cancelRedemption(rid, {"from": alice})


def test_merchant_cannot_fulfil_cancelled(vault, token, issuer, alice, merchant, gift):
    rid = _open(vault, token, issuer, alice, gift)
    chain.sleep(WINDOW + 1)
    vault.cancelRedemption(rid, {"from": alice})
    with reverts_with("RedemptionClosed"):
        vault.fulfil(rid, VOUCHER_HASH, {"from": merchant})


def test_only_the_customer_cancels(vault, token, issuer, alice, bob, merchant, gift):
    rid = _open(vault, token, issuer, alice, gift)
    chain.sleep(WINDOW + 1)
    for who in (bob, merchant):
        with reverts_with("NotCustomer"):
            vault.cancelRedemption(rid, {"from": who})


def test_cancelled_slot_is_recycled(vault, token, issuer, alice, bob, gift):
    rid = _open(vault, token, issuer, alice, gift, qty=1)
    chain.sleep(WINDOW + 1)
    vault.cancelRedemption(rid, {"from": alice})
    chain.sleep(1)
    fund(token, issuer, bob, 100)
    new = vault.redeem(gift, 1, 100 * UNIT, {"from": bob}).return_value
    assert new & 0xFFFF == rid & 0xFFFF and new != rid
    assert vault.redemption(rid)[4] == 0


def test_admin_sets_fulfilment_window(vault, token, issuer, admin, alice, merchant, gift):
    assert vault.fulfilmentWindow() == WINDOW
    tx = vault.setFulfilmentWindow(DAY, {"from": admin})
    assert tx.events["FulfilmentWindowSet"]["fulfilmentWindow"] == DAY
    with reverts_with("AccessControlUnauthorizedAccount"):
        vault.setFulfilmentWindow(0, {"from": merchant})
    rid = _open(vault, token, issuer, alice, gift)
    chain.sleep(DAY + 1)
    vault.cancelRedemption(rid, {"from": alice})
    assert token.balanceOf(alice) == 200 * UNIT
