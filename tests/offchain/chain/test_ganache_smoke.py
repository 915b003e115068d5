"""Smoke test on Ganache 7: the operators' code path (servicecoin.deploy + Chain) deploys and issues."""

import subprocess
import time

import pytest
from web3 import Web3

from servicecoin import PROJECT_ROOT
from servicecoin.chain import Chain, dev_account
from servicecoin.deploy import deploy
from servicecoin.networks import TEST_MNEMONIC, Network
from servicecoin.token import UNIT, Reason

PORT = 8591


@pytest.fixture(scope="module")
def ganache_chain(tmp_path_factory):
    binary = PROJECT_ROOT / "node_modules" / ".bin" / "ganache"
    if not binary.exists():
        pytest.skip("ganache not installed: run make setup")
    proc = subprocess.Popen(
        [str(binary), "--server.port", str(PORT), "--chain.hardfork", "shanghai", "--chain.chainId", "1337",
         "--wallet.mnemonic", TEST_MNEMONIC, "--wallet.totalAccounts", "10", "--miner.blockGasLimit", "30000000",
         "--logging.quiet"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{PORT}"
    w3 = Web3(Web3.HTTPProvider(url))
    deadline = time.monotonic() + 60  # node starts Ganache in a few seconds, more on a loaded machine
    while not w3.is_connected():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"ganache did not answer on {url} (exit code {proc.poll()})")
        time.sleep(0.1)
    yield Chain(Network("ganache-smoke", url, True), w3)
    proc.terminate()
    proc.wait(timeout=10)


def test_deploy_and_issue_on_ganache(ganache_chain, tmp_path, monkeypatch):
    monkeypatch.setenv("SVC_DEPLOYMENTS_DIR", str(tmp_path))
    record = deploy(ganache_chain)
    assert record["chain_id"] == 1337
    assert (tmp_path / "ganache-smoke.json").exists()
    token = ganache_chain.contract("RewardToken")
    customer = dev_account(5).address
    receipt = ganache_chain.transact(token.functions.issue(customer, 25 * UNIT, Reason.PURCHASE, b"\0" * 32), "operator")
    assert receipt["status"] == 1
    assert token.functions.balanceOf(customer).call() == 25 * UNIT
    merchant = ganache_chain.account("merchant").address
    ganache_chain.transact(token.functions.transfer(merchant, 10 * UNIT), dev_account(5))
    assert token.functions.balanceOf(customer).call() == 15 * UNIT
    assert token.functions.totalSupply().call() == 25 * UNIT
