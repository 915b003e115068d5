"""Shared fixtures: accounts by role, a RewardToken wired as in production (helpers: tokenkit.py), and
the ServiceLog and RedemptionVault wired to it that the contract suites and the adversarial suite share
(helpers: contracts/service_log/logkit.py, contracts/redemption_vault/vaultkit.py).

Every test starts from the same chain snapshot (fn_isolation).
"""

import pytest
from brownie import accounts

from tests.contracts.redemption_vault.vaultkit import list_gift, list_voucher, wired_vault
from tests.contracts.service_log.logkit import deploy_log
from tests.tokenkit import deploy_token


@pytest.fixture(autouse=True)
def isolation(fn_isolation):
    pass


@pytest.fixture(scope="module")
def admin():
    return accounts[0]


@pytest.fixture(scope="module")
def issuer():
    return accounts[1]


@pytest.fixture(scope="module")
def pauser():
    return accounts[2]


@pytest.fixture(scope="module")
def merchant():
    return accounts[3]


@pytest.fixture(scope="module")
def spender():
    return accounts[4]


@pytest.fixture(scope="module")
def alice():
    return accounts[5]


@pytest.fixture(scope="module")
def bob():
    return accounts[6]


@pytest.fixture(scope="module")
def carol():
    return accounts[7]


@pytest.fixture(scope="module")
def agent():
    """The log's agent (account 8, which the vault suites also use as a second merchant)."""
    return accounts[8]


@pytest.fixture(scope="module")
def merchant2():
    return accounts[8]


@pytest.fixture(scope="module")
def stranger():
    return accounts[9]


@pytest.fixture(scope="module")
def token(admin, issuer, pauser, merchant, spender):
    return deploy_token(admin, issuer, pauser, merchant, spender)


@pytest.fixture(scope="module")
def log(admin, token, agent):
    return deploy_log(admin, token, agent)


@pytest.fixture(scope="module")
def vault(token, admin, merchant, merchant2):
    return wired_vault(token, admin, merchant, merchant2)


@pytest.fixture(scope="module")
def gift(vault, merchant):
    return list_gift(vault, merchant)


@pytest.fixture(scope="module")
def voucher(vault, merchant):
    return list_voucher(vault, merchant)
