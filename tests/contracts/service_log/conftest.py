"""ServiceLog fixtures: a log wired to the token as in production, and its agent."""

import pytest
from brownie import accounts

from tests.contracts.service_log.logkit import deploy_log


@pytest.fixture(scope="module")
def agent():
    return accounts[8]


@pytest.fixture(scope="module")
def log(admin, token, agent):
    return deploy_log(admin, token, agent)
