"""Fixtures of the relay tests: a token and a vault on brownie's anvil with two customers holding
points and one gift (3 in stock), and a Site relaying through them."""

from __future__ import annotations

import pytest
from brownie import web3
from web3 import Web3

from servicecoin import vault as sv
from servicecoin.chain import dev_account, from_web3
from servicecoin.config import load_config
from servicecoin.deploy import deploy_token, deploy_vault
from servicecoin.roles import grant_issuer
from servicecoin.serve import Site
from servicecoin.token import UNIT, Reason
from tests.offchain.serve.relaykit import CUSTOMER, NOREF, OTHER, PRICE


@pytest.fixture(scope="module")
def setup():
    # A plain Web3 on brownie's node (brownie's own adds a legacy gas price to EIP-1559 transactions).
    chain = from_web3(Web3(Web3.HTTPProvider(web3.provider.endpoint_uri)), "development")
    config = load_config()
    token = deploy_token(chain, config)
    grant_issuer(chain, token, chain.account("operator").address, 10**7)
    vault = sv.vault_contract(chain, deploy_vault(chain, config, token))
    for i in (CUSTOMER, OTHER):
        chain.transact(token.functions.issue(dev_account(i).address, 100 * UNIT, Reason.PURCHASE, NOREF), "operator")
    gift = sv.add_item(chain, sv.Kind.GIFT, PRICE, 3, vault=vault)
    record = {"network": "development", "chain_id": chain.chain_id, "block": 0,
              "contracts": {"RewardToken": token.address, "RedemptionVault": vault.address}}
    return chain, token, vault, gift, record


@pytest.fixture
def env(setup):
    chain, token, vault, gift, record = setup
    chain._nonces.clear()  # every test starts from the same chain snapshot (nonces included)
    site = Site(record, chain.network, _chain=chain)
    return site, chain, token, vault, gift


@pytest.fixture(autouse=True)
def quota_book(tmp_path, monkeypatch):
    """Each test's relays count against a daily quota book of its own (serve.quota; the default one lives in
    .servicecoin/<network>/serve/ and would carry one test's spending into the next)."""
    monkeypatch.setattr("servicecoin.serve.guard.quota_file", lambda network: tmp_path / "relay-quota.sqlite")
