"""Every failure an operator can act on ends as one `error:` line and exit code 1, never a traceback."""

import sqlite3

import click
import pytest
from click.testing import CliRunner
from web3.exceptions import ContractLogicError

from servicecoin.cli import cli, handle_errors
from servicecoin.errors import ConfigError


def _command(exc):
    @click.command()
    @handle_errors
    def failing():
        raise exc

    return failing


@pytest.mark.parametrize("exc, line", [
    (ConfigError("campaign.csv line 3, column address: not an address"),
     "error: campaign.csv line 3, column address: not an address"),
    (sqlite3.OperationalError("database is locked"), "error: database: database is locked"),
    (ContractLogicError("execution reverted"), "error: node: execution reverted"),
    (FileNotFoundError(2, "No such file or directory", "rewards.csv"), "error: rewards.csv: No such file or directory"),
    (OSError(28, "No space left on device"), "error: No space left on device"),
])
def test_failure_is_one_error_line_and_exit_1(exc, line):
    result = CliRunner().invoke(_command(exc))
    assert result.exit_code == 1
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
    assert result.exit_code == 1, result.output
    assert result.output.startswith("error: ") and len(result.output.strip().splitlines()) == 1, result.output
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
