"""Hole 1: a customer's permit or allowance pays only for what the customer asked, and only when the customer sends it.

A permit names an amount, not an item, so any merchant could list its own item at the permitted price and submit
the permit first, or, with a standing `approve`, pass a dummy signature. Only the customer may call
`redeemWithPermit`; relayed redemptions go through `redeemBySig`, whose signature binds the item and quantity.
"""

from brownie import chain
from tests.tokenkit import reverts_with

from tests.contracts.redemption_vault.vault_helpers import UNIT, fund, key_of, list_item, sign_permit

ZERO32 = "0x" + "00" * 32


def test_other_merchant_cannot_spend_customer_permit(vault, token, issuer, alice, merchant2):
    fund(token, issuer, alice, 300)
    lure = list_item(vault, merchant2, price=100 * UNIT)  # merchant2's own item at the permitted price
    deadline = chain.time() + 3_600
    v, r, s = sign_permit(token, key_of(alice), alice, vault, 100 * UNIT, deadline)
    with reverts_with("NotCustomer"):
        vault.redeemWithPermit(lure, 1, alice, deadline, v, r, s, {"from": merchant2})
    assert token.balanceOf(alice) == 300 * UNIT


def test_item_merchant_cannot_spend_customer_permit(vault, token, issuer, alice, merchant, gift):
    fund(token, issuer, alice, 300)
    deadline = chain.time() + 3_600
    v, r, s = sign_permit(token, key_of(alice), alice, vault, 100 * UNIT, deadline)
    with reverts_with("NotCustomer"):
        vault.redeemWithPermit(gift, 1, alice, deadline, v, r, s, {"from": merchant})


def test_merchant_cannot_spend_standing_allowance_with_dummy_signature(vault, token, issuer, alice, merchant2):
    fund(token, issuer, alice, 300)
    token.approve(vault, 300 * UNIT, {"from": alice})
    lure = list_item(vault, merchant2, price=100 * UNIT)
    with reverts_with("NotCustomer"):
        vault.redeemWithPermit(lure, 3, alice, chain.time() + 3_600, 27, ZERO32, ZERO32, {"from": merchant2})
    assert token.balanceOf(alice) == 300 * UNIT and token.allowance(alice, vault) == 300 * UNIT


def test_customer_redeems_with_own_permit(vault, token, issuer, alice, gift):
    fund(token, issuer, alice, 300)
    deadline = chain.time() + 3_600
    v, r, s = sign_permit(token, key_of(alice), alice, vault, 100 * UNIT, deadline)
    tx = vault.redeemWithPermit(gift, 1, alice, deadline, v, r, s, {"from": alice})
    assert tx.events["Redeemed"]["customer"] == alice
    assert token.balanceOf(alice) == 200 * UNIT and token.allowance(alice, vault) == 0
