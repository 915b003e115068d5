"""Fulfilment with a voucher commitment, refunds within the window, at most once each."""

from brownie import chain, web3
from tests.tokenkit import EPOCH, UNIT, reverts_with

from tests.contracts.redemption_vault.vaultkit import ANY_PRICE, FULFILLED, REFUND, REFUND_WINDOW, REFUNDED, fund


def _redeemed(vault, token, issuer, alice, item, qty=1, points=500):
    fund(token, issuer, alice, points)
    return vault.redeem(item, qty, ANY_PRICE, {"from": alice}).return_value


def test_fulfil_records_voucher_commitment(vault, token, issuer, alice, merchant, gift):
    rid = _redeemed(vault, token, issuer, alice, gift)
    commitment = web3.solidity_keccak(["uint256", "string"], [rid, "MUG-1234"])
    tx = vault.fulfil(rid, commitment, {"from": merchant})
    assert tx.events["Fulfilled"]["voucherHash"] == "0x" + commitment.hex().removeprefix("0x")
    assert vault.redemption(rid)[4] == FULFILLED


def test_fulfil_twice_reverts(vault, token, issuer, alice, merchant, gift):
    rid = _redeemed(vault, token, issuer, alice, gift)
    vault.fulfil(rid, "0x" + "ab" * 32, {"from": merchant})
    with reverts_with("RedemptionClosed"):
        vault.fulfil(rid, "0x" + "ab" * 32, {"from": merchant})


def test_fulfilled_redemption_cannot_be_refunded(vault, token, issuer, alice, merchant, gift):
    rid = _redeemed(vault, token, issuer, alice, gift)
    vault.fulfil(rid, "0x" + "ab" * 32, {"from": merchant})
    with reverts_with("RedemptionClosed"):
        vault.refund(rid, {"from": merchant})


def test_only_item_merchant_fulfils_or_refunds(vault, token, issuer, alice, merchant2, admin, gift):
    rid = _redeemed(vault, token, issuer, alice, gift)
    for who in (merchant2, admin, alice):
        with reverts_with("NotItemMerchant"):
            vault.fulfil(rid, "0x" + "ab" * 32, {"from": who})
        with reverts_with("NotItemMerchant"):
            vault.refund(rid, {"from": who})


def test_unknown_redemption_reverts(vault, merchant, gift):
    with reverts_with("UnknownRedemption"):
        vault.fulfil((gift << 224) | 5, "0x" + "ab" * 32, {"from": merchant})


def test_refund_returns_points_stock_and_closes(vault, token, issuer, alice, merchant, gift):
    rid = _redeemed(vault, token, issuer, alice, gift, qty=2, points=200)
    assert token.balanceOf(alice) == 0
    lifetime = token.lifetimeEarned(alice)
    tx = vault.refund(rid, {"from": merchant})
    assert token.balanceOf(alice) == 200 * UNIT
    assert tx.events["Issued"]["reason"] == REFUND and tx.events["Refunded"]["points"] == 200 * UNIT
    assert vault.redemption(rid)[4] == REFUNDED and vault.item(gift)["stock"] == 10
    assert token.lifetimeEarned(alice) == lifetime  # refunds never count toward tiers
    with reverts_with("RedemptionClosed"):
        vault.refund(rid, {"from": merchant})


def test_refunded_points_expire_no_earlier_than_spent_ones(vault, token, issuer, alice, merchant, gift):
    fund(token, issuer, alice, 100)
    spent_expiry = token.lotsOf(alice)[0][2]
    chain.sleep(EPOCH)
    rid = vault.redeem(gift, 1, ANY_PRICE, {"from": alice}).return_value
    vault.refund(rid, {"from": merchant})
    lots = token.lotsOf(alice)
    assert len(lots) == 1 and lots[0][1] == 100 * UNIT and lots[0][2] >= spent_expiry + EPOCH


def test_refund_after_window_reverts(vault, token, issuer, alice, merchant, gift):
    rid = _redeemed(vault, token, issuer, alice, gift)
    chain.sleep(REFUND_WINDOW + 10)
    chain.mine()
    with reverts_with("RefundWindowClosed"):
        vault.refund(rid, {"from": merchant})
    vault.fulfil(rid, "0x" + "ab" * 32, {"from": merchant})  # it can still be fulfilled


def test_refund_over_vault_budget_reverts(vault, token, issuer, admin, alice, merchant, gift):
    rid = _redeemed(vault, token, issuer, alice, gift)
    token.setIssuerBudget(vault, 0, {"from": admin})
    with reverts_with("OverBudget"):
        vault.refund(rid, {"from": merchant})
    assert vault.redemption(rid)[4] == 1


def test_paused_vault_refuses_fulfil_and_refund(vault, token, issuer, admin, alice, merchant, gift):
    rid = _redeemed(vault, token, issuer, alice, gift)
    vault.pause({"from": admin})
    with reverts_with("EnforcedPause"):
        vault.fulfil(rid, "0x" + "ab" * 32, {"from": merchant})
    with reverts_with("EnforcedPause"):
        vault.refund(rid, {"from": merchant})


