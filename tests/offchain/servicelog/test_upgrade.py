"""`svc log upgrade`: the old log stopped, a new one continuing it, the deployment file naming it, `svc
verify-log` green across both; a crash between the steps and a rerun give exactly one new log. The program
is deployed with `svc deploy` (the admin suites' fixtures); `svc deploy` on a live network asks first."""

import json

import pytest

import servicecoin.servicelog.upgrade as upgrade_module
from servicecoin.roles import role_id
from servicecoin.servicelog.lineage import previous_of
from servicecoin.token import UNIT
from tests.offchain.admin.adminkit import ADMIN, CUSTOMER, SHOP_A, assert_one_error_line, one_error_line
from tests.offchain.admin.conftest import chain, deployed, deployments, record, svc  # noqa: F401  (fixtures)
from tests.offchain.admin.test_unsigned import live  # noqa: F401  (fixture)

AGENT_ROLE = role_id("AGENT_ROLE")


@pytest.fixture(autouse=True)
def data(tmp_path, monkeypatch):
    """Content store and upgrade journal in a folder of the test's own."""
    monkeypatch.setattr("servicecoin.paths.DATA_DIR", tmp_path / "data")
    return tmp_path / "data"


def _records(svc, ticket: int):
    svc("log", "open", ticket, CUSTOMER.address, "--text", f"ticket {ticket} opened")
    svc("log", "reply", ticket, CUSTOMER.address, "--text", "we are on it")
    svc("log", "resolve", ticket, CUSTOMER.address, "--text", "fixed")


def _log(chain, address):
    return chain.contract("ServiceLog", address)


def _agent(chain):
    return chain.account("agent").address


def test_upgrade_continues_the_log_and_stops_the_old_one(svc, chain, record, deployments):
    old_address = record()["contracts"]["ServiceLog"]
    old = _log(chain, old_address)
    token = chain.contract("RewardToken", record()["contracts"]["RewardToken"])
    _records(svc, 1)
    head, count = old.functions.state().call()
    assert count == 3

    out = svc("log", "upgrade", "--budget", "5000").output
    rec = record()
    new_address = rec["contracts"]["ServiceLog"]
    assert new_address != old_address and rec["previous_logs"] == [old_address]
    assert f"deployed ServiceLog {new_address}" in out and "continues" in out
    new = _log(chain, new_address)
    assert previous_of(new) == (old_address, bytes(head), 3)
    assert new.functions.rewards().call() == old.functions.rewards().call()
    assert new.functions.hasRole(AGENT_ROLE, _agent(chain)).call()
    assert not old.functions.hasRole(AGENT_ROLE, _agent(chain)).call()
    assert token.functions.issuerBudget(old_address).call()[0] == 0
    assert token.functions.issuerBudget(new_address).call()[0] == 5000 * UNIT
    assert not upgrade_module.journal_path("development").exists()

    _records(svc, 2)  # numbering goes on in the new log
    assert new.functions.count().call() == 6
    verified = svc("verify-log")
    assert "OK" in verified.output and "6" in verified.output, verified.output

    # the old agent can no longer write to the old log
    rec["contracts"]["ServiceLog"] = old_address
    (deployments / "development.json").write_text(json.dumps(rec))
    assert "AccessControlUnauthorizedAccount" in one_error_line(svc("log", "open", 3, CUSTOMER.address, ok=False))
    assert old.functions.count().call() == 3


def test_a_second_upgrade_keeps_every_previous_log(svc, record):
    first = record()["contracts"]["ServiceLog"]
    _records(svc, 1)
    svc("log", "upgrade")
    second = record()["contracts"]["ServiceLog"]
    _records(svc, 2)
    svc("log", "upgrade")
    _records(svc, 3)
    assert record()["previous_logs"] == [first, second]
    assert "OK: 9 records" in svc("verify-log").output


def test_crash_after_stopping_then_rerun_deploys_one_log(svc, chain, record, monkeypatch):
    old_address = record()["contracts"]["ServiceLog"]
    old = _log(chain, old_address)
    chain.transact(old.functions.grantRole(AGENT_ROLE, SHOP_A.address), ADMIN)  # a second agent, not a key
    _records(svc, 1)

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    real = upgrade_module.finish
    monkeypatch.setattr(upgrade_module, "finish", crash)
    crashed = svc("log", "upgrade", ok=False)  # step 1's report, then the crash
    assert crashed.exit_code == 1 and crashed.output.strip().splitlines()[-1].startswith("error: unexpected Runtime")
    assert not old.functions.hasRole(AGENT_ROLE, _agent(chain)).call()  # step 1 was sent
    assert not old.functions.hasRole(AGENT_ROLE, SHOP_A.address).call()
    assert record()["contracts"]["ServiceLog"] == old_address
    monkeypatch.setattr(upgrade_module, "finish", real)

    svc("log", "upgrade")
    new = _log(chain, record()["contracts"]["ServiceLog"])
    for agent in (_agent(chain), SHOP_A.address):  # the agents revoked in the crashed run
        assert new.functions.hasRole(AGENT_ROLE, agent).call()
    assert record()["previous_logs"] == [old_address]


def test_crash_after_deploying_then_rerun_finds_the_deployed_log(svc, chain, record, monkeypatch):
    old_address = record()["contracts"]["ServiceLog"]
    _records(svc, 1)
    real, made = upgrade_module.deploy_log, []

    def deploy_then_crash(*args, **kwargs):
        made.append(real(*args, **kwargs))
        raise RuntimeError("killed after the deployment")

    monkeypatch.setattr(upgrade_module, "deploy_log", deploy_then_crash)
    svc("log", "upgrade", ok=False)
    assert record()["contracts"]["ServiceLog"] == old_address and len(made) == 1
    monkeypatch.setattr(upgrade_module, "deploy_log", lambda *a, **k: pytest.fail("a second log was deployed"))

    out = svc("log", "upgrade").output
    assert f"recorded ServiceLog {made[0]}" in out
    assert record()["contracts"]["ServiceLog"] == made[0] and record()["previous_logs"] == [old_address]
    _records(svc, 2)
    assert "OK: 6 records" in svc("verify-log").output


def test_crash_before_recording_then_rerun(svc, chain, record, monkeypatch):
    old_address = record()["contracts"]["ServiceLog"]

    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    real = upgrade_module.update_deployment
    monkeypatch.setattr(upgrade_module, "update_deployment", crash)
    svc("log", "upgrade", ok=False)
    journal = json.loads(upgrade_module.journal_path("development").read_text())
    monkeypatch.setattr(upgrade_module, "update_deployment", real)
    monkeypatch.setattr(upgrade_module, "deploy_log", lambda *a, **k: pytest.fail("a second log was deployed"))
    svc("log", "upgrade")
    assert record()["contracts"]["ServiceLog"] == journal["new"] and record()["previous_logs"] == [old_address]


@pytest.mark.parametrize("budget", ["-5", "1.5", "x", str(2**200)])
def test_bad_budget_is_one_line(svc, record, budget):
    before = record()
    assert_one_error_line(svc("log", "upgrade", "--budget", budget, ok=False), "--budget", code=2)
    assert record() == before


def test_unsigned_writes_step_one_and_the_rerun_deploys(svc, chain, record, tmp_path):
    from servicecoin.admin.actions import send_unsigned

    old = _log(chain, record()["contracts"]["ServiceLog"])
    out = tmp_path / "stop.json"
    result = svc("log", "upgrade", "--unsigned", out)
    assert "run 'svc log upgrade' again" in result.output
    assert old.functions.hasRole(AGENT_ROLE, _agent(chain)).call()
    send_unsigned(chain, json.loads(out.read_text()), ADMIN)
    assert_one_error_line(svc("log", "upgrade", "--unsigned", out, ok=False), "already stopped")
    svc("log", "upgrade")
    new = _log(chain, record()["contracts"]["ServiceLog"])
    assert new.functions.hasRole(AGENT_ROLE, _agent(chain)).call()


def test_live_upgrade_asks(svc, chain, record, live, deployments):
    old_address = record()["contracts"]["ServiceLog"]
    result = svc("log", "upgrade", network=live, input="n\n", ok=False)
    assert "revoke AGENT_ROLE" in result.output and "then deploys a new ServiceLog" in result.output
    assert result.output.strip().splitlines()[-1] == "error: nothing sent: not confirmed (--yes skips the question)"
    assert _log(chain, old_address).functions.hasRole(AGENT_ROLE, _agent(chain)).call()
    assert not upgrade_module.journal_path(live).exists()
    svc("log", "upgrade", "--yes", network=live)
    rec = json.loads((deployments / f"{live}.json").read_text())
    assert rec["previous_logs"] == [old_address]


def test_live_deploy_asks_first(svc, live, deployments):
    (deployments / f"{live}.json").unlink()
    result = svc("deploy", network=live, input="n\n", ok=False)
    assert "deploy RewardToken, RedemptionVault, ServiceLog, Settlement on svc-live (chain id" in result.output
    assert f"deployer key {ADMIN.address} (admin of every contract)" in result.output
    assert result.output.strip().splitlines()[-1] == "error: nothing sent: not confirmed (--yes skips the question)"
    assert not (deployments / f"{live}.json").exists()
    svc("deploy", network=live, input="y\n")
    assert (deployments / f"{live}.json").exists()


def test_local_deploy_does_not_ask(svc, deployments):
    result = svc("deploy")
    assert "?" not in result.output and "wrote" in result.output


def test_feedback_on_an_old_ticket_after_the_upgrade_is_flagged(svc, chain, record):
    """The docs' warning: feedback needs no role, so it can still reach the old log, and verify-log says so."""
    from servicecoin.servicelog import give_feedback

    old = _log(chain, record()["contracts"]["ServiceLog"])
    _records(svc, 1)
    svc("log", "upgrade")
    assert "OK: 3 records" in svc("verify-log").output
    give_feedback(chain, CUSTOMER, 1, 5, None, None, log=old)
    result = svc("verify-log", ok=False)
    assert result.exit_code == 1 and f"log {old.address} went on after log" in result.output, result.output


def test_json_is_one_document(svc, record):
    old = record()["contracts"]["ServiceLog"]
    done = json.loads(svc("log", "upgrade", "--json").stdout)
    assert done["old_log"] == old and done["new_log"] == record()["contracts"]["ServiceLog"]
    assert done["deployed"] and len(done["stop"]["sent"]) == 2 and done["previous_logs"] == [old]


def test_live_rerun_with_nothing_to_stop_asks_before_deploying(svc, chain, record, live, deployments, monkeypatch):
    real = upgrade_module.finish
    monkeypatch.setattr(upgrade_module, "finish", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("crash")))
    svc("log", "upgrade", "--yes", network=live, ok=False)
    monkeypatch.setattr(upgrade_module, "finish", real)
    result = svc("log", "upgrade", network=live, input="n\n", ok=False)
    assert "deploy the new log from" in result.output and "nothing sent: not confirmed" in result.output
    assert "previous_logs" not in json.loads((deployments / f"{live}.json").read_text())
    svc("log", "upgrade", network=live, input="y\n")
    assert json.loads((deployments / f"{live}.json").read_text())["previous_logs"]


def test_a_deployer_that_is_not_the_token_admin_is_refused_before_anything_is_sent(svc, chain, record, live,
                                                                                    monkeypatch):
    monkeypatch.setenv("SVC_DEPLOYER_KEY", SHOP_A.key.hex())
    old = _log(chain, record()["contracts"]["ServiceLog"])
    assert_one_error_line(svc("log", "upgrade", "--yes", network=live, ok=False),
                          f"the token's admin is {ADMIN.address}, not the deployer key {SHOP_A.address}", code=2)
    assert old.functions.hasRole(AGENT_ROLE, _agent(chain)).call()
    assert not upgrade_module.journal_path(live).exists()
