"""Fixtures for `svc merchant`, `svc admin` and `svc issue`: the program deployed once per module through
`svc deploy` on brownie's anvil, a fresh copy of its deployment file per test, and `svc` run in-process.
Helpers for these suites are in adminkit.py."""

import json
import os

import pytest
from click.testing import CliRunner

from servicecoin.chain import connect
from servicecoin.cli import cli


@pytest.fixture(scope="module")
def deployed(module_isolation, tmp_path_factory):
    """The deployment record of a program deployed with `svc deploy` before the module's snapshot."""
    folder = tmp_path_factory.mktemp("deployments")
    before = os.environ.get("SVC_DEPLOYMENTS_DIR")
    os.environ["SVC_DEPLOYMENTS_DIR"] = str(folder)
    try:
        result = CliRunner().invoke(cli, ["deploy", "--network", "development"])
    finally:
        if before is None:
            os.environ.pop("SVC_DEPLOYMENTS_DIR")
        else:
            os.environ["SVC_DEPLOYMENTS_DIR"] = before
    assert result.exit_code == 0, result.output
    return (folder / "development.json").read_text()


@pytest.fixture
def deployments(deployed, tmp_path, monkeypatch):
    """A folder holding this test's own copy of the deployment file (the chain is reverted after each test)."""
    (tmp_path / "development.json").write_text(deployed)
    monkeypatch.setenv("SVC_DEPLOYMENTS_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def record(deployments):
    return lambda network="development": json.loads((deployments / f"{network}.json").read_text())


@pytest.fixture
def chain(deployments):
    """A Chain over its own Web3, as `svc` connects (brownie's Web3 raises reverts as ValueError)."""
    return connect("development")


@pytest.fixture
def contracts(chain):
    from servicecoin.admin.program import program_contracts

    return program_contracts(chain)


@pytest.fixture
def svc(deployments):
    """Run `svc ARGS… --network development` (another --network wins); `ok` asserts exit code 0."""
    def run(*args, input=None, ok=True, network="development"):
        argv = [str(a) for a in args]
        if "--network" not in argv:
            argv += ["--network", network]
        result = CliRunner().invoke(cli, argv, input=input)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


@pytest.fixture
def svc_json(svc):
    return lambda *args, **kw: json.loads(svc(*args, "--json", **kw).stdout)
