"""Adversarial fixtures: the production-wired token (tests/conftest.py), with a ServiceLog and a
RedemptionVault wired to it as the contract suites wire theirs (their kits' factories, reused)."""

import pytest
from brownie import accounts

from tests.contracts.redemption_vault.vaultkit import list_gift, list_voucher, wired_vault
from tests.contracts.service_log.logkit import deploy_log


@pytest.fixture(scope="module")
def agent():
    return accounts[8]


@pytest.fixture(scope="module")
def log(admin, token, agent):
    return deploy_log(admin, token, agent)


@pytest.fixture(scope="module")
def vault(token, admin, merchant):
    return wired_vault(token, admin, merchant, accounts[8])


@pytest.fixture(scope="module")
def gift(vault, merchant):
    return list_gift(vault, merchant)


@pytest.fixture(scope="module")
def voucher(vault, merchant):
    return list_voucher(vault, merchant)
