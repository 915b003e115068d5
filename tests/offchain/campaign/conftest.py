"""Campaign fixtures: a production-wired token on brownie's chain, a journal, and our own nodes."""

import pytest
from brownie import web3
from web3 import Web3

from tests.offchain.campaign.campaignkit import BUDGET_POINTS, Node, next_port
from servicecoin.campaign.journal import Journal
from servicecoin.chain import from_web3
from servicecoin.config import load_config
from servicecoin.deploy import deploy_token
from servicecoin.roles import grant_issuer


def plain_chain():
    """A Chain over brownie's node through a plain Web3 (brownie's own adds a legacy gas price)."""
    return from_web3(Web3(Web3.HTTPProvider(web3.provider.endpoint_uri)), "development")


@pytest.fixture(scope="module")
def wired_token(admin):
    """RewardToken deployed and wired as `svc deploy` does (tiers, eligible reasons, operator budget)."""
    chain = plain_chain()
    token = deploy_token(chain, load_config())
    grant_issuer(chain, token, chain.account("operator").address, BUDGET_POINTS)
    return token.address


@pytest.fixture
def chain():
    """A fresh Chain per test (its local nonce count must not outlive the snapshot revert)."""
    return plain_chain()


@pytest.fixture
def ctoken(chain, wired_token):
    return chain.contract("RewardToken", wired_token)


@pytest.fixture
def journal(tmp_path):
    j = Journal(tmp_path / "journal.sqlite")
    yield j
    j.close()


@pytest.fixture
def node_factory():
    nodes = []

    def make(**kwargs) -> Node:
        node = Node(next_port(), **kwargs).start()
        nodes.append(node)
        return node

    yield make
    for node in nodes:
        node.stop()


