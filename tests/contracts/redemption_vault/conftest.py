"""Vault fixtures of this suite alone (helpers: vaultkit.py). The vault, its second merchant and its gift
and voucher are in tests/conftest.py, which the adversarial suite shares."""

import pytest
from brownie import MaliciousMerchant, ReentrantToken

from tests.contracts.redemption_vault.vaultkit import SERVICE, deploy_vault, list_item
from tests.tokenkit import UNIT


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
