"""Off-chain service-log tests run against a ServiceLog deployed on brownie's chain."""

import pytest
from brownie import ServiceLog, web3
from web3 import Web3

from servicecoin.chain import from_web3
from servicecoin.contentstore import ContentStore
from tests.contracts.service_log.logkit import NO_PREVIOUS_LOG


@pytest.fixture
def svc_chain():
    """Per test: Chain caches nonces, and every test starts from a reverted snapshot."""
    # a plain Web3 on brownie's node: brownie's own web3 carries a legacy gas-price strategy
    return from_web3(Web3(Web3.HTTPProvider(web3.provider.endpoint_uri)), "development")


@pytest.fixture(scope="module")
def slog_address(admin, token, agent):
    log = ServiceLog.deploy(admin, token, 2500, 500, 0, *NO_PREVIOUS_LOG, {"from": admin})
    token.grantRole(token.ISSUER_ROLE(), log, {"from": admin})
    token.setIssuerBudget(log, 10**8, {"from": admin})
    log.grantRole(log.AGENT_ROLE(), agent, {"from": admin})
    return log.address


@pytest.fixture
def slog(svc_chain, slog_address):
    return svc_chain.contract("ServiceLog", slog_address)


@pytest.fixture
def store(tmp_path):
    with ContentStore(tmp_path / "content.sqlite") as s:
        yield s
