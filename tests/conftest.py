"""Shared fixtures: accounts by role, a RewardToken wired as in production, and revert helpers.

Every test starts from the same chain snapshot (fn_isolation).
"""

import brownie
import pytest
from brownie import RewardToken, accounts, web3

DAY = 86_400
EPOCH = DAY  # tests use one-day epochs
VALIDITY = 3  # and three epochs of validity
UNIT = 100  # raw units per point (2 decimals)
BUDGET = 10**12

REASON = {"purchase": 0, "feedback": 1, "survey": 2, "referral": 3, "social": 4,
          "campaign": 5, "compensation": 6, "refund": 7}


NOREF = "0x" + "00" * 32


def plain(value):
    """Brownie return values as plain lists and ints, for comparisons."""
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (int, str, bytes)):
        return int(value) if isinstance(value, int) else value
    return value


def reverts_with(error_name: str):
    """Expect a revert with custom error `error_name` (brownie shows it as `Name: arg, …`)."""
    return brownie.reverts(revert_pattern=f"{error_name}(: .*)?")


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


def deploy_token(admin, issuer, pauser, merchant, spender, validity=VALIDITY, epoch=EPOCH):
    token = RewardToken.deploy("ServiceCoin Points", "SVC", admin, 0, epoch, validity, {"from": admin})
    token.grantRole(token.ISSUER_ROLE(), issuer, {"from": admin})
    token.setIssuerBudget(issuer, BUDGET, {"from": admin})
    token.grantRole(token.PAUSER_ROLE(), pauser, {"from": admin})
    token.grantRole(token.SPENDER_ROLE(), spender, {"from": admin})
    token.setAcceptor(merchant, True, {"from": admin})
    return token


@pytest.fixture(scope="module")
def token(admin, issuer, pauser, merchant, spender):
    return deploy_token(admin, issuer, pauser, merchant, spender)


def batch_id(label: str) -> bytes:
    return web3.keccak(text=label)
