"""Shared fixtures: accounts by role and a RewardToken wired as in production (helpers: tokenkit.py).

Every test starts from the same chain snapshot (fn_isolation).
"""

import pytest
from brownie import accounts

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
def stranger():
    return accounts[9]


@pytest.fixture(scope="module")
def token(admin, issuer, pauser, merchant, spender):
    return deploy_token(admin, issuer, pauser, merchant, spender)
