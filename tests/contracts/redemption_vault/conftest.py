"""Vault fixtures: a vault wired to the production-wired token (tests/conftest.py), its merchants and a
small catalog (helpers: vaultkit.py)."""

import pytest
from brownie import MaliciousMerchant, ReentrantToken, accounts

from tests.contracts.redemption_vault.vaultkit import SERVICE, deploy_vault, list_gift, list_item, list_voucher, wired_vault
from tests.tokenkit import UNIT


@pytest.fixture(scope="module")
def merchant2():
    return accounts[8]


@pytest.fixture(scope="module")
def vault(token, admin, merchant, merchant2):
    return wired_vault(token, admin, merchant, merchant2)


@pytest.fixture(scope="module")
def gift(vault, merchant):
    return list_gift(vault, merchant)


@pytest.fixture(scope="module")
def voucher(vault, merchant):
    return list_voucher(vault, merchant)


@pytest.fixture(scope="module")
def exclusive(vault, merchant2):
    """An exclusive service for tier 1 and up: 200 points, 3 in stock, merchant2's."""
    return list_item(vault, merchant2, kind=SERVICE, price=200 * UNIT, stock=3, min_tier=1)


@pytest.fixture(scope="module")
def silver_tiers(token, admin):
    """Tier 1 from 1,000 lifetime points (1x multipliers, so balances stay round)."""
    token.setTiers([0, 1_000 * UNIT], [10_000, 10_000], {"from": admin})


@pytest.fixture(scope="module")
def hooked(admin):
    """A vault over a ReentrantToken (calls back into the vault while spending/issuing), and a
    MaliciousMerchant with MERCHANT_ROLE: (token, vault, merchant)."""
    tok = ReentrantToken.deploy({"from": admin})
    v = deploy_vault(admin, tok)
    evil = MaliciousMerchant.deploy({"from": admin})
    v.grantRole(v.MERCHANT_ROLE(), evil, {"from": admin})
    return tok, v, evil
