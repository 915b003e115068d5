"""`svc recovery` on anvil: the operator starts a lost wallet's recovery, the old address cannot spend,
the old key cancels, anyone completes after the delay; each refusal is one clear line, and the start can be
written unsigned for a multisig."""

import json

from brownie import chain as brownie_chain
from web3 import Web3

from servicecoin.token import UNIT
from tests.offchain.admin.adminkit import CUSTOMER, CUSTOMER2, REFUSED, SHOP_A, assert_one_error_line

NEW_WALLET = Web3.to_checksum_address("0x" + "ab" * 20)


def _wait_past_delay(token):
    brownie_chain.sleep(token.functions.recoveryDelay().call() + 1)
    brownie_chain.mine()


def _earn(svc, who, points, ref):
    svc("issue", who, points, "--reason", "purchase", "--ref", ref, "--from", "operator")


def test_start_status_complete(svc, svc_json, contracts):
    token = contracts["RewardToken"]
    _earn(svc, CUSTOMER.address, "120", "r-1")
    lifetime = token.functions.lifetimeEarned(CUSTOMER.address).call()
    started = svc("recovery", "start", CUSTOMER.address, NEW_WALLET)
    assert "start moving" in started.output and "points" in started.output
    st = svc_json("recovery", "status", CUSTOMER.address)
    assert st["pending"] and st["to"] == NEW_WALLET and not st["ready"]
    assert "recovery pending to" in svc("recovery", "status", CUSTOMER.address).output
    # too early: refused before anything is sent
    assert_one_error_line(svc("recovery", "complete", CUSTOMER.address, ok=False), code=REFUSED)  # not ready yet
    _wait_past_delay(token)
    svc("recovery", "complete", CUSTOMER.address)
    assert token.functions.balanceOf(CUSTOMER.address).call() == 0
    assert token.functions.balanceOf(NEW_WALLET).call() == lifetime
    assert token.functions.lifetimeEarned(NEW_WALLET).call() == lifetime
    rows = svc_json("recovery", "list")
    assert [(r["from"], r["state"]) for r in rows] == [(CUSTOMER.address, "completed")]
    assert "completed, moved 120.00 points in 1 lots" in svc("recovery", "list").output


def test_old_key_cancels_and_spends_again(svc, svc_json, contracts):
    token = contracts["RewardToken"]
    _earn(svc, CUSTOMER2.address, "50", "r-2")
    svc("recovery", "start", CUSTOMER2.address, NEW_WALLET)
    assert token.functions.recoveryOf(CUSTOMER2.address).call()[0] == NEW_WALLET
    # a stranger cannot cancel; the old key (test account 9) can
    assert_one_error_line(svc("recovery", "cancel", CUSTOMER2.address, "--from", "6", ok=False), "cancel", code=REFUSED)
    svc("recovery", "cancel", CUSTOMER2.address, "--from", "9")
    assert not svc_json("recovery", "status", CUSTOMER2.address)["pending"]
    assert token.functions.balanceOf(CUSTOMER2.address).call() == 50 * UNIT


def test_refusals_are_one_line(svc, contracts):
    _earn(svc, CUSTOMER.address, "5", "r-3")
    assert_one_error_line(svc("recovery", "start", CUSTOMER.address, "0xZZ", ok=False), "0xZZ")
    assert_one_error_line(svc("recovery", "start", CUSTOMER.address, CUSTOMER.address, ok=False))
    # a key without the recovery role cannot start one
    assert_one_error_line(svc("recovery", "start", CUSTOMER.address, NEW_WALLET, "--from", str(6), ok=False),
                          code=REFUSED)  # no RECOVERY_ROLE: the chain would refuse
    assert_one_error_line(svc("recovery", "cancel", CUSTOMER.address, ok=False), "no recovery pending", code=REFUSED)
    assert_one_error_line(svc("recovery", "start", SHOP_A.address, NEW_WALLET, ok=False),
                          code=REFUSED)  # never held points: the chain would refuse


def test_start_written_unsigned_for_a_multisig(svc, contracts, tmp_path):
    token = contracts["RewardToken"]
    _earn(svc, CUSTOMER.address, "7", "r-4")
    out = tmp_path / "recover.json"
    svc("recovery", "start", CUSTOMER.address, NEW_WALLET, "--unsigned", out)
    assert token.functions.recoveryOf(CUSTOMER.address).call()[0] == "0x" + "00" * 20  # nothing sent
    txs = json.loads(out.read_text())
    calls = txs["transactions"] if isinstance(txs, dict) else txs
    fn, args = token.decode_function_input(calls[0]["data"])
    assert fn.fn_name == "startRecovery" and list(args.values())[1] == NEW_WALLET
