"""Hole 1: a customer's permit or allowance pays only for what the customer asked, and only when the customer sends it.

A permit names an amount, not an item, so any merchant could list its own item at the permitted price and submit
the permit first, or, with a standing `approve`, pass a dummy signature. Only the customer may call
`redeemWithPermit`; relayed redemptions go through `redeemBySig`, whose signature binds the item and quantity.
"""

from brownie import chain
from tests.tokenkit import UNIT, key_of, reverts_with

from tests.contracts.redemption_vault.vaultkit import fund, list_item, sign_permit

ZERO32 = "0x" + "00" * 32


def _permit(token, issuer, alice, vault, signer=None):
    """Alice holds 300 points and a permit of 100 to the vault (signed by `signer`, alice by default)."""
    fund(token, issuer, alice, 300)
    deadline = chain.time() + 3_600
    return (deadline, *sign_permit(token, key_of(signer or alice), alice, vault, 100 * UNIT, deadline))


def test_other_merchant_cannot_spend_customer_permit(vault, token, issuer, alice, merchant2):
    lure = list_item(vault, merchant2, price=100 * UNIT)  # merchant2's own item at the permitted price
    deadline, v, r, s = _permit(token, issuer, alice, vault)
    with reverts_with("NotCustomer"):
        vault.redeemWithPermit(lure, 1, alice, deadline, v, r, s, {"from": merchant2})
    assert token.balanceOf(alice) == 300 * UNIT


def test_item_merchant_or_stranger_cannot_spend_customer_permit(vault, token, issuer, alice, merchant, stranger, gift):
    deadline, v, r, s = _permit(token, issuer, alice, vault)
    for who in (merchant, stranger):
        with reverts_with("NotCustomer"):
            vault.redeemWithPermit(gift, 1, alice, deadline, v, r, s, {"from": who})


def test_merchant_cannot_spend_standing_allowance_with_dummy_signature(vault, token, issuer, alice, merchant2):
    fund(token, issuer, alice, 300)
    token.approve(vault, 300 * UNIT, {"from": alice})
    lure = list_item(vault, merchant2, price=100 * UNIT)
    with reverts_with("NotCustomer"):
        vault.redeemWithPermit(lure, 3, alice, chain.time() + 3_600, 27, ZERO32, ZERO32, {"from": merchant2})
    assert token.balanceOf(alice) == 300 * UNIT and token.allowance(alice, vault) == 300 * UNIT


def test_customer_redeems_with_own_permit(vault, token, issuer, alice, gift):
    deadline, v, r, s = _permit(token, issuer, alice, vault)
    tx = vault.redeemWithPermit(gift, 1, alice, deadline, v, r, s, {"from": alice})
    assert tx.events["Redeemed"]["customer"] == alice
    assert token.balanceOf(alice) == 200 * UNIT and token.allowance(alice, vault) == 0


def test_redeem_with_permit_survives_frontrun_permit(vault, token, issuer, alice, stranger, gift):
    deadline, v, r, s = _permit(token, issuer, alice, vault)
    token.permit(alice, vault, 100 * UNIT, deadline, v, r, s, {"from": stranger})
    vault.redeemWithPermit(gift, 1, alice, deadline, v, r, s, {"from": alice})
    assert token.balanceOf(alice) == 200 * UNIT


def test_redeem_with_bad_permit_reverts(vault, token, issuer, alice, bob, gift):
    deadline, v, r, s = _permit(token, issuer, alice, vault, signer=bob)
    with reverts_with("PermitNotGranted"):
        vault.redeemWithPermit(gift, 1, alice, deadline, v, r, s, {"from": alice})
