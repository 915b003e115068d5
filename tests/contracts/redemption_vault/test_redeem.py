"""Catalog redemption: ids, stock, tier, live balance, expiry (FIFO across epochs), signed requests, slippage (permit: test_permit_binding)."""

from brownie import chain

from tests.contracts.redemption_vault.vaultkit import ANY_PRICE, OPEN, UNLIMITED, fund, sign_request
from tests.tokenkit import EPOCH, NOREF, UNIT, key_of, reverts_with


def test_redeem_burns_points_and_records_redemption(vault, token, issuer, alice, gift):
    fund(token, issuer, alice, 250)
    tx = vault.redeem(gift, 2, ANY_PRICE, {"from": alice})
    rid = tx.return_value
    assert rid == (gift << 224) | (chain[-1].timestamp << 64) | 1  # item, created time, first slot
    assert token.balanceOf(alice) == 50 * UNIT
    assert tx.events["Redeemed"]["customer"] == alice and tx.events["Redeemed"]["points"] == 200 * UNIT
    assert tx.events["Redeemed"]["quantity"] == 2 and tx.events["Redeemed"]["itemId"] == gift
    customer, item_id, points, created, status = vault.redemption(rid)
    assert (customer, item_id, points, status) == (alice, gift, 200 * UNIT, OPEN)
    assert created == chain[-1].timestamp


def test_redeem_takes_stock_and_counts(vault, token, issuer, alice, gift):
    fund(token, issuer, alice, 1000)
    vault.redeem(gift, 3, ANY_PRICE, {"from": alice})
    second = vault.redeem(gift, 1, ANY_PRICE, {"from": alice}).return_value
    item = vault.item(gift)
    assert item["stock"] == 6 and item["redeemed"] == 2 and second & (2**64 - 1) == 2  # the next slot


def test_redeem_more_than_stock_reverts(vault, token, issuer, alice, gift):
    fund(token, issuer, alice, 5000)
    with reverts_with("OutOfStock"):
        vault.redeem(gift, 11, ANY_PRICE, {"from": alice})
    vault.redeem(gift, 10, ANY_PRICE, {"from": alice})
    with reverts_with("OutOfStock"):
        vault.redeem(gift, 1, ANY_PRICE, {"from": alice})


def test_unlimited_item_never_runs_out(vault, token, issuer, alice, voucher):
    fund(token, issuer, alice, 1000)
    vault.redeem(voucher, 20, ANY_PRICE, {"from": alice})
    assert vault.item(voucher)["stock"] == UNLIMITED


def test_unknown_item_reverts(vault, alice):
    with reverts_with("UnknownItem"):
        vault.redeem(99, 1, ANY_PRICE, {"from": alice})


def test_inactive_item_reverts(vault, token, issuer, merchant, alice, gift):
    fund(token, issuer, alice, 500)
    vault.updateItem(gift, 10, 0, False, "ipfs://item", NOREF, {"from": merchant})
    with reverts_with("ItemInactive"):
        vault.redeem(gift, 1, ANY_PRICE, {"from": alice})


def test_zero_quantity_reverts(vault, token, issuer, alice, gift):
    fund(token, issuer, alice, 500)
    with reverts_with("ZeroQuantity"):
        vault.redeem(gift, 0, ANY_PRICE, {"from": alice})


def test_insufficient_live_points_reverts_with_balance(vault, token, issuer, alice, gift):
    fund(token, issuer, alice, 99)
    with reverts_with("ERC20InsufficientBalance"):
        vault.redeem(gift, 1, ANY_PRICE, {"from": alice})
    assert vault.item(gift)["stock"] == 10


def test_tier_too_low_reverts_and_tier_reached_redeems(vault, token, issuer, alice, exclusive, silver_tiers):
    fund(token, issuer, alice, 999)
    with reverts_with("TierTooLow"):
        vault.redeem(exclusive, 1, ANY_PRICE, {"from": alice})
    fund(token, issuer, alice, 1)
    vault.redeem(exclusive, 1, ANY_PRICE, {"from": alice})


def test_expired_points_cannot_be_redeemed(vault, token, issuer, alice, gift):
    fund(token, issuer, alice, 150)
    chain.sleep(3 * EPOCH + 1)  # validity is three one-day epochs in tests
    chain.mine()
    assert token.balanceOf(alice) == 0
    with reverts_with("ERC20InsufficientBalance"):
        vault.redeem(gift, 1, ANY_PRICE, {"from": alice})


def test_redeem_spends_oldest_epoch_first(vault, token, issuer, alice, gift):
    fund(token, issuer, alice, 60)
    chain.sleep(EPOCH)
    fund(token, issuer, alice, 70)
    chain.sleep(EPOCH)
    fund(token, issuer, alice, 80)
    vault.redeem(gift, 1, ANY_PRICE, {"from": alice})  # 100 points: all 60 of the oldest lot, 40 of the next
    lots = [(lot[0], lot[1]) for lot in token.lotsOf(alice)]
    first_epoch = lots[0][0]
    assert [amount for _, amount in lots] == [30 * UNIT, 80 * UNIT]
    chain.sleep(EPOCH + 1)
    chain.mine()
    # The second lot now expires first; the remaining 30 of it go before anything else.
    assert token.expiringBefore(alice, token.expiryOfEpoch(first_epoch)) == 30 * UNIT


def test_paused_vault_refuses_redemptions(vault, token, issuer, admin, alice, gift):
    fund(token, issuer, alice, 500)
    vault.pause({"from": admin})
    with reverts_with("EnforcedPause"):
        vault.redeem(gift, 1, ANY_PRICE, {"from": alice})
    vault.unpause({"from": admin})
    vault.redeem(gift, 1, ANY_PRICE, {"from": alice})


# ------------------------------------------------------------------ signed (gasless) requests
def _signed(vault, alice, item, qty=1, max_points=None, nonce=7, deadline=None):
    deadline = deadline or chain.time() + 3_600
    return sign_request(vault, key_of(alice), alice, item, qty, max_points or 10**12, nonce, deadline)


def test_signed_request_is_relayed_by_anyone(vault, token, issuer, alice, stranger, gift):
    fund(token, issuer, alice, 300)
    request, sig = _signed(vault, alice, gift, qty=2)
    tx = vault.redeemBySig(request, sig, {"from": stranger})
    rid = tx.return_value
    assert rid == vault.signedRedemptionId(gift, alice, 7)
    assert vault.redemption(rid)[0] == alice and token.balanceOf(alice) == 100 * UNIT
    assert tx.events["Redeemed"]["customer"] == alice


def test_signed_request_replay_reverts(vault, token, issuer, alice, stranger, gift):
    fund(token, issuer, alice, 500)
    request, sig = _signed(vault, alice, gift)
    vault.redeemBySig(request, sig, {"from": stranger})
    with reverts_with("NonceUsed"):
        vault.redeemBySig(request, sig, {"from": stranger})


def test_signed_request_after_deadline_reverts(vault, token, issuer, alice, stranger, gift):
    fund(token, issuer, alice, 500)
    request, sig = _signed(vault, alice, gift, deadline=chain.time() + 10)
    chain.sleep(60)
    chain.mine()
    with reverts_with("SignatureExpired"):
        vault.redeemBySig(request, sig, {"from": stranger})


def test_signed_request_by_someone_else_reverts(vault, token, issuer, alice, bob, stranger, gift):
    fund(token, issuer, alice, 500)
    request, sig = sign_request(vault, key_of(bob), alice, gift, 1, 10**12, 1, chain.time() + 3_600)
    with reverts_with("InvalidSignature"):
        vault.redeemBySig(request, sig, {"from": stranger})


def test_tampered_request_reverts(vault, token, issuer, alice, stranger, gift):
    fund(token, issuer, alice, 500)
    request, sig = _signed(vault, alice, gift, qty=1)
    tampered = (request[0], request[1], 3, *request[3:])
    with reverts_with("InvalidSignature"):
        vault.redeemBySig(tampered, sig, {"from": stranger})


def test_signed_request_over_max_points_reverts(vault, token, issuer, alice, stranger, gift):
    fund(token, issuer, alice, 500)
    request, sig = _signed(vault, alice, gift, qty=2, max_points=150 * UNIT)
    with reverts_with("PriceAboveLimit"):
        vault.redeemBySig(request, sig, {"from": stranger})


def test_cancelled_nonce_cannot_be_used(vault, token, issuer, alice, stranger, gift):
    fund(token, issuer, alice, 500)
    request, sig = _signed(vault, alice, gift, nonce=42)
    vault.cancelNonce(gift, 42, {"from": alice})
    with reverts_with("NonceUsed"):
        vault.redeemBySig(request, sig, {"from": stranger})
    with reverts_with("NonceUsed"):
        vault.cancelNonce(gift, 42, {"from": alice})


def test_signed_request_from_other_domain_reverts(vault, token, issuer, admin, alice, stranger, gift):
    from .vaultkit import deploy_vault

    other = deploy_vault(admin, token)
    fund(token, issuer, alice, 500)
    request, sig = _signed(other, alice, gift)
    with reverts_with("InvalidSignature"):
        vault.redeemBySig(request, sig, {"from": stranger})


# ------------------------------------------------------------------ slippage
def test_redeem_above_max_points_reverts(vault, token, issuer, admin, alice, merchant, gift):
    vault.announcePrice(gift, 150 * UNIT, {"from": merchant})
    chain.sleep(vault.noticePeriod())
    fund(token, issuer, alice, 500)  # points live three days in tests: earn them after the wait
    with reverts_with("PriceAboveLimit"):
        vault.redeem(gift, 2, 200 * UNIT, {"from": alice})  # the customer saw 100 points each
    assert vault.redeem(gift, 2, 300 * UNIT, {"from": alice}).events["Redeemed"]["points"] == 300 * UNIT
