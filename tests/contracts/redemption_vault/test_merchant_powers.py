"""Hole 2: a merchant's powers need MERCHANT_ROLE at the time of the call; the admin can reassign an item; a
merchant cannot undo the admin's deactivation."""

from tests.tokenkit import NOREF, UNIT, reverts_with

from tests.contracts.redemption_vault.vaultkit import FULFILLED, fund

VOUCHER_HASH = "0x" + "ab" * 32


def _open(vault, token, issuer, alice, gift):
    fund(token, issuer, alice, 500)
    return vault.redeem(gift, 1, 100 * UNIT, {"from": alice}).return_value


def _revoke(vault, admin, merchant):
    vault.revokeRole(vault.MERCHANT_ROLE(), merchant, {"from": admin})


def test_revoked_merchant_cannot_fulfil(vault, token, issuer, admin, alice, merchant, gift):
    rid = _open(vault, token, issuer, alice, gift)
    _revoke(vault, admin, merchant)
    with reverts_with("NotMerchant"):
        vault.fulfil(rid, VOUCHER_HASH, {"from": merchant})


def test_revoked_merchant_cannot_refund(vault, token, issuer, admin, alice, merchant, gift):
    rid = _open(vault, token, issuer, alice, gift)
    _revoke(vault, admin, merchant)
    with reverts_with("NotMerchant"):
        vault.refund(rid, {"from": merchant})


def test_revoked_merchant_cannot_update_item(vault, admin, merchant, gift):
    _revoke(vault, admin, merchant)
    with reverts_with("NotMerchant"):
        vault.updateItem(gift, 1_000, 0, True, "", NOREF, {"from": merchant})


def test_revoked_merchant_cannot_announce_price(vault, admin, merchant, gift):
    _revoke(vault, admin, merchant)
    with reverts_with("NotMerchant"):
        vault.announcePrice(gift, 1, {"from": merchant})


def test_admin_reassigns_item(vault, token, issuer, admin, alice, merchant, merchant2, gift):
    rid = _open(vault, token, issuer, alice, gift)
    _revoke(vault, admin, merchant)
    tx = vault.reassignItem(gift, merchant2, {"from": admin})
    ev = tx.events["ItemReassigned"]
    assert (ev["itemId"], ev["oldMerchant"], ev["newMerchant"]) == (gift, merchant, merchant2)
    assert vault.item(gift)["merchant"] == merchant2
    vault.fulfil(rid, VOUCHER_HASH, {"from": merchant2})  # the open redemptions move with the item
    assert vault.redemption(rid)[4] == FULFILLED


def test_reassign_needs_admin_and_a_merchant(vault, admin, merchant, merchant2, alice, gift):
    with reverts_with("AccessControlUnauthorizedAccount"):
        vault.reassignItem(gift, merchant2, {"from": merchant})
    with reverts_with("NotMerchant"):
        vault.reassignItem(gift, alice, {"from": admin})
    with reverts_with("UnknownItem"):
        vault.reassignItem(99, merchant2, {"from": admin})


def test_merchant_cannot_undo_admin_deactivation(vault, admin, merchant, gift):
    vault.updateItem(gift, 10, 0, False, "", NOREF, {"from": admin})
    with reverts_with("DeactivatedByAdmin"):
        vault.updateItem(gift, 10, 0, True, "", NOREF, {"from": merchant})
    vault.updateItem(gift, 5, 0, False, "", NOREF, {"from": merchant})  # may still change it while inactive
    with reverts_with("DeactivatedByAdmin"):
        vault.updateItem(gift, 5, 0, True, "", NOREF, {"from": merchant})
    vault.updateItem(gift, 5, 0, True, "", NOREF, {"from": admin})
    assert vault.item(gift)["active"]


def test_merchant_undoes_own_deactivation(vault, merchant, gift):
    vault.updateItem(gift, 10, 0, False, "", NOREF, {"from": merchant})
    vault.updateItem(gift, 10, 0, True, "", NOREF, {"from": merchant})
    assert vault.item(gift)["active"]
