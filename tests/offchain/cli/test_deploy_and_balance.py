"""`svc deploy` and `svc balance` against the test chain brownie launched."""

import json

import pytest
from brownie import web3
from click.testing import CliRunner

from servicecoin.chain import dev_account, from_web3
from servicecoin.cli import cli
from servicecoin.token import UNIT, Reason


@pytest.fixture
def deployments(tmp_path, monkeypatch):
    monkeypatch.setenv("SVC_DEPLOYMENTS_DIR", str(tmp_path))
    return tmp_path


def test_deploy_writes_deployment_record(deployments):
    result = CliRunner().invoke(cli, ["deploy", "--network", "development"])
    assert result.exit_code == 0, result.output
    record = json.loads((deployments / "development.json").read_text())
    assert record["chain_id"] == web3.eth.chain_id
    # addresses and blocks only, and a local chain's URL (docs/cli.md)
    assert set(record) == {"network", "chain_id", "first_block", "block", "contracts", "accounts", "rpc_url"}
    assert record["rpc_url"].startswith("http://127.0.0.1:")
    token = web3.eth.contract(address=record["contracts"]["RewardToken"], abi=[])
    assert web3.eth.get_code(token.address)


def test_balance_json_shows_points_tier_and_lots(deployments):
    CliRunner().invoke(cli, ["deploy", "--network", "development"])
    chain = from_web3(web3, "development")
    token = chain.contract("RewardToken")
    customer = dev_account(7).address
    chain.transact(token.functions.issue(customer, 1_500 * UNIT, Reason.FEEDBACK, b"\0" * 32), "operator")
    result = CliRunner().invoke(cli, ["balance", customer, "--network", "development", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["balance"] == 1_500 * UNIT
    assert data["tier_name"] == "Silver"
    assert len(data["lots"]) == 1 and data["lots"][0]["amount"] == 1_500 * UNIT


def test_balance_of_bad_address_is_a_clear_error(deployments):
    CliRunner().invoke(cli, ["deploy", "--network", "development"])
    result = CliRunner().invoke(cli, ["balance", "0x1234", "--network", "development"])
    assert result.exit_code == 2  # bad input
    assert result.output.strip() == "error: ADDRESS: '0x1234' is not an address (0x followed by 40 hex digits)"


def test_unknown_network_is_a_clear_error():
    result = CliRunner().invoke(cli, ["balance", dev_account(1).address, "--network", "nowhere"])
    assert result.exit_code == 2
    assert "unknown network 'nowhere'" in result.output and result.output.startswith("error: --network: ")
