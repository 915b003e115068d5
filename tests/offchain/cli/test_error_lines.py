"""Every failure an operator can act on ends as one `error:` line and the exit code of its kind
(servicecoin.errors: 1 other, 2 bad input, 3 no node, 4 refused by the chain), never a traceback."""

import sqlite3

import click
import pytest
from click.testing import CliRunner
import requests
from web3.exceptions import ContractLogicError, Web3RPCError, Web3ValidationError

from servicecoin.cli import cli, handle_errors
from servicecoin.errors import ConfigError, NodeUnreachable, Refused


_NO_FUNDS = {"code": -32003, "message": "Insufficient funds for gas * price + value"}


def _command(exc):
    @click.command()
    @handle_errors
    def failing():
        raise exc

    return failing


@pytest.mark.parametrize("exc, line, code", [
    (ConfigError("campaign.csv line 3, column address: not an address"),
     "error: campaign.csv line 3, column address: not an address", 2),
    (sqlite3.OperationalError("database is locked"), "error: database: database is locked", 1),
    (ContractLogicError("execution reverted"), "error: refused by the chain: execution reverted", 4),
    (Refused("issue would revert: IssuerBudgetExceeded(1, 2)"),
     "error: issue would revert: IssuerBudgetExceeded(1, 2)", 4),
    (NodeUnreachable("network x: no node answers at http://127.0.0.1:9: connection refused"),
     "error: network x: no node answers at http://127.0.0.1:9: connection refused", 3),
    (requests.exceptions.ConnectionError("HTTPConnectionPool(host='127.0.0.1', port=9): Max retries exceeded\nmore"),
     "error: node unreachable: HTTPConnectionPool(host='127.0.0.1', port=9): Max retries exceeded", 3),
    (Web3ValidationError("Could not identify the intended function\nFound 1 function(s) with the name `listItem`: …"),
     "error: a value does not fit the contract call: Could not identify the intended function", 2),
    (FileNotFoundError(2, "No such file or directory", "rewards.csv"), "error: rewards.csv: No such file or directory", 1),
    (OSError(28, "No space left on device"), "error: No space left on device", 1),
    (Web3RPCError(repr(_NO_FUNDS), rpc_response={"jsonrpc": "2.0", "id": 1, "error": _NO_FUNDS}),
     "error: node: Insufficient funds for gas * price + value (the sending key needs ETH to pay for gas: fund it "
     "and try again)", 1),
])
def test_failure_is_one_error_line_and_the_exit_code_of_its_kind(exc, line, code):
    result = CliRunner().invoke(_command(exc))
    assert result.exit_code == code
    assert result.output.strip() == line
    assert "Traceback" not in result.output


def test_debug_shows_the_traceback(monkeypatch):
    monkeypatch.setenv("SVC_DEBUG", "1")
    result = CliRunner().invoke(_command(sqlite3.OperationalError("database is locked")))
    assert isinstance(result.exception, sqlite3.OperationalError)


def test_index_database_that_is_a_folder_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("SVC_DEPLOYMENTS_DIR", str(tmp_path))
    assert CliRunner().invoke(cli, ["deploy", "--network", "development"]).exit_code == 0
    folder = tmp_path / "index.sqlite"
    folder.mkdir()
    result = CliRunner().invoke(cli, ["index", "--network", "development", "--db", str(folder)])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("error: --db: ") and len(result.output.strip().splitlines()) == 1, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("argv", [
    ["campaign", "plan", "\0"],
    ["campaign", "plan", "examples/campaign-sample.yaml", "--input", "a\0b.csv"],
    ["log", "batch", "\0"],
    ["report", "analytics", "--purchases", "\0"],
])
def test_a_file_name_with_a_nul_byte_is_a_usage_error_not_a_traceback(argv):
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 2, result.output
    assert "NUL byte" in result.output and not isinstance(result.exception, ValueError)


def test_an_unexpected_exception_is_still_one_line_and_clicks_own_pass_through():
    result = CliRunner().invoke(_command(KeyError("boom")))
    assert result.exit_code == 1 and result.output.startswith("error: unexpected KeyError: 'boom'")
    assert len(result.output.strip().splitlines()) == 1
    usage = CliRunner().invoke(_command(click.BadParameter("nope", param_hint="--x")))
    assert usage.exit_code == 2 and "Invalid value for --x: nope" in usage.output
