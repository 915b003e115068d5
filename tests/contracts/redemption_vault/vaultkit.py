"""RedemptionVault test helpers: deploy and wire a vault as production does, list catalog items, fund
customers, sign requests and permits (the fixtures are in conftest.py).

Roles (brownie accounts, see tests/conftest.py): admin 0, issuer 1, pauser 2, merchant 3 (item
merchant, MERCHANT_ROLE, acceptor), spender 4 (unused here), alice 5, bob 6, carol 7 (customers),
stranger 9. Account 8 is a second merchant.
"""

from brownie import RedemptionVault, chain
from eth_account import Account

from servicecoin import eip712
from servicecoin.vault import sign_redeem

from tests.tokenkit import BUDGET, DAY, NOREF, REASON, UNIT

NOTICE = 7 * DAY
REFUND_WINDOW = 14 * DAY
RATE = 100 * UNIT  # 100 points per currency unit
ORDER_CAP = 5_000 * UNIT
DAY_CAP = 20_000 * UNIT
UNLIMITED = 2**32 - 1
GIFT, VOUCHER, SERVICE = 0, 1, 2
OPEN, FULFILLED, REFUNDED, CANCELLED = 1, 2, 3, 4
REFUND = REASON["refund"]
ANY_PRICE = 2**256 - 1  # maxPoints of a test that is not about slippage


def deploy_vault(admin, token_address, notice=NOTICE, window=REFUND_WINDOW, admin_delay=0):
    return RedemptionVault.deploy(admin, token_address, notice, window, RATE, ORDER_CAP, DAY_CAP, admin_delay,
                                  {"from": admin})


def wired_vault(token, admin, *merchants):
    """A vault wired to `token` as `svc deploy` wires it (spender, issuer with a budget), with `merchants`."""
    v = deploy_vault(admin, token)
    token.grantRole(token.SPENDER_ROLE(), v, {"from": admin})
    token.grantRole(token.ISSUER_ROLE(), v, {"from": admin})
    token.setIssuerBudget(v, BUDGET, {"from": admin})
    for merchant in merchants:
        v.grantRole(v.MERCHANT_ROLE(), merchant, {"from": admin})
    return v


def list_item(vault, merchant, kind=GIFT, price=100 * UNIT, stock=10, min_tier=0, sender=None):
    tx = vault.listItem(kind, merchant, price, stock, min_tier, "ipfs://item", NOREF, {"from": sender or merchant})
    return tx.return_value


def list_gift(vault, merchant):
    """A gift: 100 points, 10 in stock, any tier."""
    return list_item(vault, merchant)


def list_voucher(vault, merchant):
    """A discount voucher: 50 points, unlimited."""
    return list_item(vault, merchant, kind=VOUCHER, price=50 * UNIT, stock=UNLIMITED)


def fund(token, issuer, who, points, reason=0):
    token.issue(who, points * UNIT, reason, NOREF, {"from": issuer})


def sign_request(vault, signer_key, customer, item_id, quantity, max_points, nonce, deadline):
    """A redemption request for `customer` signed with `signer_key` (servicecoin.vault's typed data)."""
    signer = Account.from_key(signer_key)
    request, signature = sign_redeem(signer, chain.id, vault.address, item_id, quantity, max_points, nonce, deadline)
    return (str(customer), *request[1:]), signature


def sign_permit(token, key, owner, spender, value, deadline):
    """An EIP-2612 permit of `token` at the owner's current nonce."""
    return eip712.sign_permit(key, token.name(), chain.id, token.address, owner, spender, value, token.nonces(owner),
                              deadline)

