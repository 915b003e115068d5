"""`svc chain start|stop|status`: a persistent anvil whose state survives restarts."""

import pytest
from web3 import Web3

from servicecoin import localchain
from servicecoin.chain import dev_account

PORT = 8590


@pytest.fixture
def lc(tmp_path):
    chain = localchain.LocalChain(port=PORT, folder=tmp_path / "chain")
    yield chain
    localchain.stop(chain)


def test_status_reports_not_running(lc):
    assert not localchain.status(lc).running


def test_start_is_idempotent(lc):
    first = localchain.start(lc)
    second = localchain.start(lc)
    assert first.running and second.pid == first.pid
    assert second.chain_id == 31337


def test_state_survives_stop_and_start(lc):
    localchain.start(lc)
    w3 = Web3(Web3.HTTPProvider(lc.url))
    sender, receiver = dev_account(0), dev_account(8).address
    before = w3.eth.get_balance(receiver)
    tx = {"to": receiver, "value": 12345, "gas": 21000, "gasPrice": w3.eth.gas_price, "nonce": w3.eth.get_transaction_count(sender.address),
          "chainId": w3.eth.chain_id}
    w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(sender.sign_transaction(tx).raw_transaction))
    block = w3.eth.block_number
    assert localchain.stop(lc)
    assert not localchain.status(lc).running
    assert lc.state_file.exists()
    localchain.start(lc)
    assert w3.eth.get_balance(receiver) == before + 12345
    assert w3.eth.block_number >= block


def test_stop_when_not_running_says_so(lc):
    assert localchain.stop(lc) is False
