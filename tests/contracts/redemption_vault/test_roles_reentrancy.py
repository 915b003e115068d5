"""Role matrix, catalog management rights, and reentrancy attempts through a hooked token."""

import pytest
from tests.tokenkit import NOREF, UNIT, reverts_with

from tests.contracts.redemption_vault.vaultkit import ANY_PRICE, GIFT, list_item

ADMIN_ONLY = {
    "announceDiscountRate": lambda v, a: v.announceDiscountRate(1, {"from": a}),
    "setDiscountCaps": lambda v, a: v.setDiscountCaps(1, 1, {"from": a}),
    "setNoticePeriod": lambda v, a: v.setNoticePeriod(30 * 86_400, {"from": a}),
    "setRefundWindow": lambda v, a: v.setRefundWindow(1, {"from": a}),
    "grantRole": lambda v, a: v.grantRole(v.MERCHANT_ROLE(), a, {"from": a}),
}


@pytest.mark.parametrize("name", sorted(ADMIN_ONLY))
def test_admin_only_calls_refuse_others(vault, merchant, alice, name):
    for who in (merchant, alice):
        with reverts_with("AccessControlUnauthorizedAccount"):
            ADMIN_ONLY[name](vault, who)


@pytest.mark.parametrize("name", sorted(ADMIN_ONLY))
def test_admin_only_calls_work_for_admin(vault, admin, name):
    ADMIN_ONLY[name](vault, admin)


def test_pause_needs_pauser_role(vault, admin, merchant, alice):
    with reverts_with("AccessControlUnauthorizedAccount"):
        vault.pause({"from": merchant})
    vault.pause({"from": admin})
    with reverts_with("EnforcedPause"):
        vault.pause({"from": admin})
    with reverts_with("AccessControlUnauthorizedAccount"):
        vault.unpause({"from": alice})
    vault.unpause({"from": admin})
    with reverts_with("ExpectedPause"):
        vault.unpause({"from": admin})


def test_customer_cannot_list_items(vault, alice):
    with reverts_with("NotMerchant"):
        list_item(vault, alice)


def test_merchant_lists_only_for_itself(vault, merchant, merchant2):
    with reverts_with("NotItemMerchant"):
        list_item(vault, merchant2, sender=merchant)
    item_id = list_item(vault, merchant)
    assert vault.item(item_id)["merchant"] == merchant and vault.itemCount() == item_id


def test_admin_lists_for_any_merchant(vault, admin, merchant2):
    item_id = list_item(vault, merchant2, sender=admin)
    assert vault.item(item_id)["merchant"] == merchant2


def test_listing_emits_metadata(vault, merchant):
    tx = vault.listItem(GIFT, merchant, 5 * UNIT, 3, 0, "ipfs://mug", "0x" + "cd" * 32, {"from": merchant})
    ev = tx.events["ItemListed"]
    assert ev["metadataURI"] == "ipfs://mug" and ev["metadataHash"] == "0x" + "cd" * 32 and ev["stock"] == 3


def test_other_merchant_cannot_manage_item(vault, merchant2, gift):
    with reverts_with("NotItemMerchant"):
        vault.updateItem(gift, 1, 0, True, "", NOREF, {"from": merchant2})
    with reverts_with("NotItemMerchant"):
        vault.announcePrice(gift, 1, {"from": merchant2})


def test_admin_manages_any_item(vault, admin, gift):
    vault.updateItem(gift, 4, 2, True, "ipfs://v2", NOREF, {"from": admin})
    item = vault.item(gift)
    assert item["stock"] == 4 and item["minTier"] == 2


def test_vault_without_spender_role_cannot_burn(vault, token, issuer, admin, alice, gift):
    token.issue(alice, 500 * UNIT, 0, NOREF, {"from": issuer})
    token.revokeRole(token.SPENDER_ROLE(), vault, {"from": admin})
    with reverts_with("AccessControlUnauthorizedAccount"):
        vault.redeem(gift, 1, ANY_PRICE, {"from": alice})


# ------------------------------------------------------------------ reentrancy
def _hooked_item(vault, evil):
    data = vault.listItem.encode_input(GIFT, evil, 10, 100, 0, "", NOREF)
    evil.exec(vault, data, {"from": evil.tx.sender})
    return vault.itemCount()


def test_reentrant_redeem_during_spend_reverts(hooked, alice):
    tok, vault, evil = hooked
    item = _hooked_item(vault, evil)
    tok.setHook(vault, vault.redeem.encode_input(item, 1, ANY_PRICE), {"from": alice})
    with reverts_with("ReentrantCall"):
        vault.redeem(item, 1, ANY_PRICE, {"from": alice})


def test_reentrant_discount_during_spend_reverts(hooked, alice):
    tok, vault, evil = hooked
    item = _hooked_item(vault, evil)
    tok.setHook(vault, vault.redeemForDiscount.encode_input(100 * UNIT, NOREF, 0), {"from": alice})
    with reverts_with("ReentrantCall"):
        vault.redeem(item, 1, ANY_PRICE, {"from": alice})


def test_merchant_contract_reentering_refund_reverts(hooked, alice):
    tok, vault, evil = hooked
    item = _hooked_item(vault, evil)
    tok.mint(alice, 1_000, {"from": alice})
    rid = vault.redeem(item, 1, ANY_PRICE, {"from": alice}).return_value
    # While the token credits the refund, the merchant contract tries to refund (and fulfil) again.
    tok.setHook(evil, evil.exec.encode_input(vault, vault.refund.encode_input(rid)), {"from": alice})
    with reverts_with("ReentrantCall"):
        evil.exec(vault, vault.refund.encode_input(rid), {"from": alice})
    tok.setHook(evil, evil.exec.encode_input(vault, vault.fulfil.encode_input(rid, NOREF)), {"from": alice})
    with reverts_with("ReentrantCall"):
        evil.exec(vault, vault.refund.encode_input(rid), {"from": alice})
    tok.setHook("0x" + "00" * 20, b"", {"from": alice})
    evil.exec(vault, vault.refund.encode_input(rid), {"from": alice})
    assert tok.issues() == 1 and vault.redemption(rid)[4] == 3
