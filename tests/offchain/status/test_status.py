"""`svc status` (servicecoin.watch): the keys' ETH and the issuer budgets read from a token on brownie's anvil,
judged by the `status:` thresholds; a low one warned about and e-mailed once per item per day to a real SMTP server
run in-process (aiosmtpd); the same figures on the /metrics of `svc serve`."""

from __future__ import annotations

import json
import logging

import pytest
from brownie import web3
from web3 import Web3

from servicecoin.chain import from_web3
from servicecoin.config import load_config
from servicecoin.deploy import deploy_token
from servicecoin.errors import ConfigError
from servicecoin.roles import grant_issuer
from servicecoin.token import UNIT, Reason
from servicecoin.watch import StatusSettings, Watch
from servicecoin.watch.alerts import alert

EMPTY = "0x" + "e0" * 20  # a key nobody funded
NOREF = b"\0" * 32


@pytest.fixture
def program():
    chain = from_web3(Web3(Web3.HTTPProvider(web3.provider.endpoint_uri)), "development")
    token = deploy_token(chain, load_config())
    operator = chain.account("operator").address
    grant_issuer(chain, token, operator, 1_000)
    chain.transact(token.functions.issue(chain.account("customer").address, 950 * UNIT, Reason.PURCHASE, NOREF), "operator")
    record = {"network": "development", "chain_id": chain.chain_id, "first_block": 0,
              "contracts": {"RewardToken": token.address}, "accounts": {"operator": operator}}
    return chain, token, record


def test_keys_and_budgets_against_the_thresholds(program):
    chain, token, record = program
    watch = Watch.for_deployment(chain, StatusSettings(min_eth=0.05, min_budget_share=0.1, keys={"spare": EMPTY}), record)
    status = watch.read()
    keys = {k["name"]: k for k in status["keys"]}
    assert {"relayer", "agent", "operator", "spare"} <= set(keys)
    assert keys["relayer"]["address"] == chain.account("relayer").address and not keys["relayer"]["low"]
    assert keys["relayer"]["wei"] == chain.w3.eth.get_balance(chain.account("relayer").address)
    assert keys["spare"]["low"] and keys["spare"]["eth"] == 0
    [budget] = status["budgets"]
    assert budget["name"] == "operator" and budget["allowance"] == 1_000 * UNIT and budget["remaining"] == 50 * UNIT
    assert budget["share"] == pytest.approx(0.05) and budget["low"] and budget["remaining_points"] == "50.00"
    relaxed = Watch.for_deployment(chain, StatusSettings(min_eth=0, min_budget_share=0.01), record).read()
    assert not any(k["low"] for k in relaxed["keys"]) and not relaxed["budgets"][0]["low"]


def test_a_low_item_is_warned_about_and_emailed_once_a_day(program, smtp, tmp_path, monkeypatch, caplog):
    chain, _, record = program
    inbox, env = smtp
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    status = Watch.for_deployment(chain, StatusSettings(keys={"spare": EMPTY}), record).read()
    book = tmp_path / "alerts.sqlite"
    day = 1_800_000_000
    with caplog.at_level(logging.WARNING, "servicecoin.status"):
        first = alert(status, "ops@shop.example", book, now=day)
    assert len(first["low"]) == 2 and first["emailed"] == first["low"] and first["error"] is None
    assert sum("running low" in r.getMessage() for r in caplog.records) == 2
    [mail] = inbox.received
    assert mail["To"] == "ops@shop.example" and "running low" in mail["Subject"]
    body = mail.get_payload()
    assert EMPTY.lower()[2:10] in body.lower() and "budget of operator" in body
    again = alert(status, "ops@shop.example", book, now=day + 3600)  # the same UTC day: warned, not e-mailed
    assert again["low"] == first["low"] and again["emailed"] == [] and len(inbox.received) == 1
    assert alert(status, "ops@shop.example", book, now=day + 86_400)["emailed"] == first["low"]  # the next day
    assert len(inbox.received) == 2
    assert alert(status, None, book, now=day + 2 * 86_400)["emailed"] == []  # no address: warnings only


def test_an_unsendable_alert_is_recorded_first_and_logged(program, tmp_path, monkeypatch, caplog):
    chain, _, record = program
    status = Watch.for_deployment(chain, StatusSettings(keys={"spare": EMPTY}), record).read()
    monkeypatch.setenv("SVC_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SVC_SMTP_PORT", "9")  # nothing listens: the send fails after the record
    monkeypatch.setenv("SVC_SMTP_TLS", "none")
    monkeypatch.setenv("SVC_SMTP_FROM", "points@shop.example")
    with caplog.at_level(logging.ERROR, "servicecoin.status"):
        result = alert(status, "ops@shop.example", tmp_path / "a.sqlite", now=1_800_000_000)
    assert result["error"] and "could not be reached" in result["error"] and result["emailed"] == []
    assert any("not retried today" in r.getMessage() for r in caplog.records)
    assert alert(status, "ops@shop.example", tmp_path / "a.sqlite", now=1_800_000_000)["error"] is None  # recorded


def test_status_settings_are_checked():
    assert StatusSettings.from_config(None) == StatusSettings() == StatusSettings.from_config(load_config().get("status"))
    assert StatusSettings.from_config({"min_eth": 1, "alert_email": "ops@x.org"}).min_eth == 1.0
    for bad in ({"min_eth": -1}, {"min_budget_share": 2}, {"alert_email": "nobody"}, {"keys": {"a": "0x12"}},
                {"nope": 1}, [1], {"min_eth": True}):
        with pytest.raises(ConfigError, match="status"):
            StatusSettings.from_config(bad)


def test_svc_status_json_and_table(program, monkeypatch):
    from click.testing import CliRunner

    from servicecoin.cli import cli

    chain, _, record = program
    monkeypatch.setattr("servicecoin.chain.Chain.deployment", lambda self: record)
    result = CliRunner(mix_stderr=False).invoke(cli, ["status", "--network", "development", "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert {k["name"] for k in data["keys"]} >= {"relayer", "agent", "operator"}
    assert data["budgets"][0]["low"] and "budget of operator" in data["alerts"]["low"][0]
    table = CliRunner(mix_stderr=False).invoke(cli, ["status", "--network", "development"])
    assert table.exit_code == 0 and "relayer" in table.stdout and "50.00 of 1,000.00 points left" in table.stdout
    assert "LOW" in table.stdout and "warning: running low" in table.stderr


def test_svc_serve_metrics_show_the_same_gauges(program):
    from servicecoin.serve import Site
    from servicecoin.serve.server import make_server
    from tests.offchain.serve.httpkit import request

    chain, _, record = program
    site = Site({**record, "rpc_url": chain.network.rpc_url}, chain.network, _chain=chain)
    server = make_server(site, port=0)
    import threading

    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        code, headers, raw = request(server, "GET", "/metrics")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
    assert code == 200 and headers["content-type"].startswith("text/plain")
    text = raw.decode()
    relayer = chain.account("relayer").address
    assert f'svc_key_eth{{address="{relayer}",name="relayer"}}' in text and "svc_status_up 1.0" in text
    assert 'svc_budget_remaining_points{issuer="' in text and 'svc_budget_low{' in text
    assert "relay_quota_spent_wei 0.0" in text


def test_a_wrong_status_section_is_one_line(monkeypatch):
    from click.testing import CliRunner

    from servicecoin.cli import cli

    monkeypatch.setattr("servicecoin.config.load_config", lambda *a: {"status": {"min_eth": "lots"}})
    result = CliRunner(mix_stderr=False).invoke(cli, ["status", "--network", "development"])
    assert result.exit_code != 0 and result.stderr.strip().splitlines() == [
        "error: servicecoin.yaml: status.min_eth: must be a number of 0 or more"]
