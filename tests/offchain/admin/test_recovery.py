"""servicecoin.admin.recovery against the token on anvil: start, status, cancel, complete, the list
from events, every refusal as one clear line before anything is sent, and the deploy settings."""

import json

import pytest
from brownie import chain, web3

from servicecoin.admin import recovery
from servicecoin.chain import dev_account, from_web3
from servicecoin.deploy import recovery_delay
from servicecoin.errors import ChainError, ConfigError
from servicecoin.networks import Network

DAY = 86_400
NOREF = "0x" + "00" * 32


@pytest.fixture
def svc():
    """A fresh Chain per test (its nonce cache does not survive the isolation's chain revert)."""
    return from_web3(web3, "development")


@pytest.fixture
def tok(svc, token):
    return svc.contract("RewardToken", token.address)


@pytest.fixture
def earned(token, admin, issuer, alice, bob):
    token.setRecoveryDelay(DAY, {"from": admin})
    token.issue(alice, 500, 0, NOREF, {"from": issuer})
    token.issue(bob, 20, 0, NOREF, {"from": issuer})


def wait_day():
    chain.sleep(DAY + 1)
    chain.mine()


def test_start_status_complete(svc, tok, token, earned, alice, bob):
    started = recovery.start(svc, str(alice), str(bob), token=tok)  # the deployer (admin) holds the role
    assert (started["from"], started["to"], started["operator"]) == (alice, bob, dev_account(0).address)
    st = recovery.status(svc, str(alice), token=tok)
    assert st["pending"] and st["to"] == bob and st["ready_at"] == started["ready_at"] and not st["ready"]
    assert st["balance"] == 500 and st["seconds_left"] > 0 and st["delay"] == DAY
    wait_day()
    assert recovery.status(svc, str(alice), token=tok)["ready"]
    done = recovery.complete(svc, str(alice), token=tok)  # anyone: the operator key sends it
    assert (done["amount"], done["lifetime"]) == (500, 500)
    assert done["lots"] == [{"epoch": int(token.lotsOf(bob)[0][0]), "amount": 500}]
    assert token.balanceOf(bob) == 520 and not recovery.status(svc, str(alice), token=tok)["pending"]
    assert [r["state"] for r in recovery.recoveries(svc, token=tok, from_block=0)] == ["completed"]


def test_the_old_key_cancels(svc, tok, earned, alice, bob):
    recovery.start(svc, str(alice), str(bob), token=tok)
    key = dev_account(5)  # alice's key
    assert key.address == alice
    out = recovery.cancel(svc, str(alice), sender=key, token=tok)
    assert out["by"] == alice and not recovery.status(svc, str(alice), token=tok)["pending"]
    recovery.start(svc, str(alice), str(bob), token=tok)
    recovery.cancel(svc, str(alice), token=tok)  # the admin cancels too
    assert [(r["state"], r.get("cancelled_by")) for r in recovery.recoveries(svc, token=tok, from_block=0)] == \
        [("cancelled", alice), ("cancelled", dev_account(0).address)]


def test_refusals_are_one_clear_line(svc, tok, token, admin, pauser, earned, alice, bob, carol, merchant):
    def refused(call, *words):
        with pytest.raises(ChainError) as err:
            call()
        assert "\n" not in str(err.value) and all(w in str(err.value) for w in words), str(err.value)

    refused(lambda: recovery.start(svc, str(alice), str(bob), sender="operator", token=tok), "RECOVERY_ROLE")
    with pytest.raises(ConfigError, match="same"):  # bad input, found before asking the chain
        recovery.start(svc, str(alice), str(alice), token=tok)
    refused(lambda: recovery.start(svc, str(alice), str(merchant), token=tok), "acceptor")
    refused(lambda: recovery.start(svc, str(carol), str(bob), token=tok), "nothing to recover")
    refused(lambda: recovery.complete(svc, str(alice), token=tok), "no recovery pending")
    refused(lambda: recovery.cancel(svc, str(alice), token=tok), "no recovery pending")
    recovery.start(svc, str(bob), str(carol), token=tok)
    refused(lambda: recovery.start(svc, str(alice), str(bob), token=tok), "its own recovery pending")
    recovery.start(svc, str(alice), str(carol), token=tok)
    refused(lambda: recovery.start(svc, str(alice), str(bob), token=tok), "already has a recovery pending", "cancel")
    refused(lambda: recovery.complete(svc, str(alice), token=tok), "ready at")
    refused(lambda: recovery.cancel(svc, str(alice), sender="operator", token=tok), "only that address")
    wait_day()
    token.pause({"from": pauser})
    refused(lambda: recovery.complete(svc, str(alice), token=tok), "paused")
    with pytest.raises(ConfigError):
        recovery.status(svc, "0xZZ", token=tok)


def test_the_bare_calls_encode_for_an_unsigned_plan(svc, tok, alice, bob):
    call = recovery.start_call(svc, str(alice), str(bob), token=tok)
    assert call.fn_name == "startRecovery" and call.args == (alice, bob)
    assert recovery.cancel_call(svc, str(alice), token=tok).fn_name == "cancelRecovery"
    assert recovery.complete_call(svc, str(alice), token=tok).fn_name == "completeRecovery"


def test_the_delay_setting(svc):
    live = from_web3(web3, "development")
    live.network = Network("svc-live", "http://example", False)
    assert recovery_delay(svc, {}) == 7 * DAY
    assert recovery_delay(svc, {"recovery": {"delay_days": 0}}) == 0
    assert recovery_delay(live, {"recovery": {"delay_days": 2.5}}) == int(2.5 * DAY)
    with pytest.raises(ConfigError, match="local chains only"):
        recovery_delay(live, {"recovery": {"delay_days": 0}})
    with pytest.raises(ConfigError, match="out of range"):
        recovery_delay(svc, {"recovery": {"delay_days": 366}})
    with pytest.raises(ConfigError, match="recovery"):
        recovery_delay(svc, {"recovery": {"delay_days": "soon"}})


def test_deploy_grants_the_role_to_the_admin_and_sets_the_delay(svc, tmp_path, monkeypatch):
    from servicecoin.config import load_config
    from servicecoin.deploy import deploy
    from servicecoin.roles import role_id

    monkeypatch.setenv("SVC_DEPLOYMENTS_DIR", str(tmp_path))
    config = load_config()
    config["recovery"] = {"delay_days": 1.5}
    record = deploy(svc, config)
    token = svc.contract("RewardToken")  # from the deployment file
    assert token.functions.hasRole(role_id("RECOVERY_ROLE"), record["accounts"]["admin"]).call()
    assert token.functions.recoveryDelay().call() == int(1.5 * DAY)
    customer = dev_account(5).address
    svc.transact(token.functions.issue(customer, 100, 0, b"\0" * 32), "operator")
    out = recovery.start(svc, customer, dev_account(6).address)
    assert out["ready_at"] - svc.w3.eth.get_block(out["block"])["timestamp"] == int(1.5 * DAY)
    from click.testing import CliRunner

    from servicecoin.cli import cli

    shown = CliRunner().invoke(cli, ["balance", customer, "--network", "development"])
    assert shown.exit_code == 0 and f"recovery pending to {dev_account(6).address}" in shown.output, shown.output
    as_json = CliRunner().invoke(cli, ["balance", dev_account(6).address, "--network", "development", "--json"])
    assert json.loads(as_json.output)["recovery"] is None


def test_the_plans_check_send_and_write_unsigned(svc, tok, token, earned, alice, bob, tmp_path):
    from servicecoin.admin import actions

    admin = dev_account(0)
    plan = recovery.start_plan(svc, str(alice), str(bob), admin.address, token=tok)
    assert [c.function for c in plan.calls] == ["startRecovery"] and "1 days" in plan.calls[0].description
    actions.check(svc, plan, admin.address)
    json_path, safe_path = actions.write_unsigned(tmp_path / "start.json", svc, plan, admin.address)
    assert json.loads(json_path.read_text())  # what a multisig signs
    actions.send(svc, plan, admin)
    assert recovery.status(svc, str(alice), token=tok)["to"] == bob
    with pytest.raises(ChainError, match="only that address"):
        recovery.cancel_plan(svc, str(alice), dev_account(1).address, token=tok)
    with pytest.raises(ChainError, match="ready at"):
        recovery.complete_plan(svc, str(alice), token=tok)
    wait_day()
    actions.send(svc, recovery.complete_plan(svc, str(alice), token=tok), dev_account(1))
    assert token.balanceOf(bob) == 520
    with pytest.raises(ChainError, match="no recovery pending"):
        recovery.cancel_plan(svc, str(alice), str(alice), token=tok)
