"""Vault test helpers and fixtures: a RewardToken wired as in production, a RedemptionVault with a small catalog.

Roles (brownie accounts, see tests/conftest.py): admin 0, issuer 1, pauser 2, merchant 3 (item
merchant, MERCHANT_ROLE, acceptor), spender 4 (unused here), alice 5, bob 6, carol 7 (customers),
stranger 9. Account 8 is a second merchant.
"""

import pytest
from brownie import MaliciousMerchant, RedemptionVault, ReentrantToken, accounts, chain
from eth_account import Account

from servicecoin import eip712
from servicecoin.chain import dev_account
from servicecoin.vault import sign_redeem

DAY = 86_400
UNIT = 100
BUDGET = 10**12
NOREF = "0x" + "00" * 32

NOTICE = 7 * DAY
REFUND_WINDOW = 14 * DAY
RATE = 100 * UNIT  # 100 points per currency unit
ORDER_CAP = 5_000 * UNIT
DAY_CAP = 20_000 * UNIT
UNLIMITED = 2**32 - 1
GIFT, VOUCHER, SERVICE = 0, 1, 2
OPEN, FULFILLED, REFUNDED, CANCELLED = 1, 2, 3, 4
REFUND = 7
ANY_PRICE = 2**256 - 1  # maxPoints of a test that is not about slippage


def deploy_vault(admin, token_address, notice=NOTICE, window=REFUND_WINDOW):
    return RedemptionVault.deploy(admin, token_address, notice, window, RATE, ORDER_CAP, DAY_CAP, {"from": admin})


@pytest.fixture(scope="module")
def merchant2():
    return accounts[8]


@pytest.fixture(scope="module")
def vault(token, admin, merchant, merchant2):
    v = deploy_vault(admin, token)
    token.grantRole(token.SPENDER_ROLE(), v, {"from": admin})
    token.grantRole(token.ISSUER_ROLE(), v, {"from": admin})
    token.setIssuerBudget(v, BUDGET, {"from": admin})
    v.grantRole(v.MERCHANT_ROLE(), merchant, {"from": admin})
    v.grantRole(v.MERCHANT_ROLE(), merchant2, {"from": admin})
    return v


def list_item(vault, merchant, kind=GIFT, price=100 * UNIT, stock=10, min_tier=0, sender=None):
    tx = vault.listItem(kind, merchant, price, stock, min_tier, "ipfs://item", NOREF, {"from": sender or merchant})
    return tx.return_value


@pytest.fixture(scope="module")
def gift(vault, merchant):
    """A gift: 100 points, 10 in stock, any tier."""
    return list_item(vault, merchant)


@pytest.fixture(scope="module")
def voucher(vault, merchant):
    """A discount voucher: 50 points, unlimited."""
    return list_item(vault, merchant, kind=VOUCHER, price=50 * UNIT, stock=UNLIMITED)


@pytest.fixture(scope="module")
def exclusive(vault, merchant2):
    """An exclusive service for tier 1 and up: 200 points, 3 in stock, merchant2's."""
    return list_item(vault, merchant2, kind=SERVICE, price=200 * UNIT, stock=3, min_tier=1)


def fund(token, issuer, who, points, reason=0):
    token.issue(who, points * UNIT, reason, NOREF, {"from": issuer})


@pytest.fixture(scope="module")
def silver_tiers(token, admin):
    """Tier 1 from 1,000 lifetime points (1x multipliers, so balances stay round)."""
    token.setTiers([0, 1_000 * UNIT], [10_000, 10_000], {"from": admin})


def key_of(account):
    """Private key of a brownie test account (the public test mnemonic)."""
    index = list(accounts).index(account)
    return dev_account(index).key


def sign_request(vault, signer_key, customer, item_id, quantity, max_points, nonce, deadline):
    """A redemption request for `customer` signed with `signer_key` (servicecoin.vault's typed data)."""
    signer = Account.from_key(signer_key)
    request, signature = sign_redeem(signer, chain.id, vault.address, item_id, quantity, max_points, nonce, deadline)
    return (str(customer), *request[1:]), signature


def sign_permit(token, key, owner, spender, value, deadline):
    """An EIP-2612 permit of `token` at the owner's current nonce."""
    return eip712.sign_permit(key, token.name(), chain.id, token.address, owner, spender, value, token.nonces(owner),
                              deadline)


@pytest.fixture(scope="module")
def hooked(admin):
    """A vault over a ReentrantToken (calls back into the vault while spending/issuing)."""
    tok = ReentrantToken.deploy({"from": admin})
    v = deploy_vault(admin, tok)
    evil = MaliciousMerchant.deploy({"from": admin})
    v.grantRole(v.MERCHANT_ROLE(), evil, {"from": admin})
    return tok, v, evil
