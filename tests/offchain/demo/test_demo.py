"""`make demo`'s story (servicecoin.demo) on brownie's anvil: short, and safe to run twice."""

import re

import pytest
from brownie import web3
from web3 import Web3

from servicecoin.chain import from_web3


@pytest.fixture
def demo_env(tmp_path, monkeypatch):
    # A plain Web3 on brownie's node (brownie's own adds gasPrice to EIP-1559 transactions); files in tmp.
    chain = from_web3(Web3(Web3.HTTPProvider(web3.provider.endpoint_uri)), "development")
    monkeypatch.setenv("SVC_DEPLOYMENTS_DIR", str(tmp_path / "deployments"))
    (tmp_path / "deployments").mkdir()
    monkeypatch.setattr("servicecoin.paths.DATA_DIR", tmp_path / "data")
    monkeypatch.setattr("servicecoin.demo.connect", lambda network: chain)
    return chain


def test_a_second_demo_run_issues_nothing_again(demo_env, capsys):
    from servicecoin import demo

    assert demo.main(["--network", "development"]) == 0
    first = capsys.readouterr().out
    token = demo_env.contract("RewardToken")
    issued, burned = token.functions.totalIssued().call(), token.functions.totalBurned().call()
    log_count = demo.log_contract(demo_env).functions.count().call()
    block = demo_env.w3.eth.block_number
    assert_settled(demo_env, demo, first)

    assert demo.main(["--network", "development"]) == 0
    second = capsys.readouterr().out
    assert token.functions.totalIssued().call() == issued and token.functions.totalBurned().call() == burned
    assert demo.log_contract(demo_env).functions.count().call() == log_count
    assert demo_env.w3.eth.block_number == block  # nothing sent, no clock moved: the alliance chapter included
    assert "nothing is issued again" in second and "handled by an earlier run" in second
    assert "nothing sent now" in second and "made by an earlier run" in second
    for out in (first, second):
        chapters = re.findall(r"^\d+\. (.+)$", out, flags=re.M)
        assert chapters[:2] == ["The contracts", "Reward points"] and len(chapters) == 8, out
        assert len(out.splitlines()) < 55, out  # a short story, not a listing
        assert "matches the chain" in out and "every figure matches the token's counters" in out
        assert "acknowledged by both merchants" in out and "who pays whom: north-cafe pays" in out


def assert_settled(chain, demo, out):
    """The alliance chapter's period is closed, published and acknowledged by both named merchants."""
    label = re.search(r"period (\S+) is closed", out).group(1)
    period = demo.parse_period(label, "month", None)
    assert chain.w3.eth.get_block("latest")["timestamp"] >= period.end
    settlement = chain.contract("Settlement")
    assert int.from_bytes(bytes(settlement.functions.statement(period.on_chain()).call()[0]), "big")
    merchants = chain.deployment()["merchants"]
    assert set(merchants) == set(demo.ALLIANCE)
    for name in demo.ALLIANCE:
        assert settlement.functions.partyStatus(period.on_chain(), merchants[name]["address"]).call()[1], name
    a = merchants["north-cafe"]["address"]
    assert chain.contract("RewardToken").functions.issuerBudget(a).call()[1] > 0  # A issued what B took back
