"""examples/helpdesk_day.py end to end on anvil: a day of ticket events posted, signed, to `svc agent serve`;
every event lands on chain once, `svc verify-log` is green, and, once the follow-up delay has passed on the
chain's clock, `svc followups` lists the complaints nobody called back."""

import json
import os
import subprocess
import sys

from click.testing import CliRunner

from servicecoin.paths import PROJECT_ROOT
from servicecoin.servicelog.events import fetch_records
from servicecoin.servicelog.records import ANCHOR
from tests.offchain.ingest.ingestkit import SECRET, running

DAY = "2026-12-06"


def test_a_help_desk_day_lands_on_chain_verifies_and_shows_the_due_calls(svc_chain, slog, store, tmp_path, token,
                                                                          monkeypatch):
    sys.path.insert(0, str(PROJECT_ROOT / "examples"))
    try:
        import helpdesk_day
    finally:
        sys.path.pop(0)
    events = helpdesk_day.day_of_events(DAY)
    complaints = {e["ticket"] for e in events if e["kind"] == "complaint"}
    called = {e["ticket"] for e in events if e["kind"] == "followup"}
    with running(svc_chain, slog, store, tmp_path / "queue.sqlite") as svc:
        env = {**os.environ, "SVC_INGEST_SECRET": SECRET.decode()}
        url = f"http://127.0.0.1:{svc.server_address[1]}"
        done = subprocess.run([sys.executable, str(PROJECT_ROOT / "examples" / "helpdesk_day.py"), "--url", url,
                               "--day", DAY, "--json"], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        outcome = json.loads(done.stdout)
        assert outcome["states"] == {"confirmed": len(events)} and outcome["duplicates"] == 3
        again = subprocess.run([sys.executable, str(PROJECT_ROOT / "examples" / "helpdesk_day.py"), "--url", url,
                                "--day", DAY, "--json"], env=env, capture_output=True, text=True, timeout=300)
        assert json.loads(again.stdout)["new"] == 0  # the same day twice: nothing recorded again
    records = [r for r in fetch_records(svc_chain, slog) if r.form != ANCHOR and r.ticket // 100 == 20261206]
    assert len(records) == len(events) and [r.time for r in records] == sorted(e["time"] for e in events)
    assert len({r.commitment for r in records}) == len(records)

    # the operator's view: a deployment file naming the token and the log, the index in a folder of its own
    deployments = tmp_path / "deployments"
    deployments.mkdir()
    (deployments / "development.json").write_text(json.dumps({
        "network": "development", "chain_id": svc_chain.chain_id, "first_block": 0, "block": 0,
        "contracts": {"RewardToken": token.address, "ServiceLog": slog.address}}))
    monkeypatch.setenv("SVC_DEPLOYMENTS_DIR", str(deployments))
    monkeypatch.setattr("servicecoin.paths.DATA_DIR", tmp_path / "data")
    from servicecoin.cli import cli

    verified = CliRunner(mix_stderr=False).invoke(cli, ["verify-log", "--network", "development", "--address",
                                                        slog.address, "--json"])
    assert verified.exit_code == 0, verified.stdout + verified.stderr
    svc_chain.w3.provider.make_request("evm_increaseTime", [4 * 86_400])  # the follow-up delay (3 d) passes
    svc_chain.w3.provider.make_request("evm_mine", [])
    result = CliRunner(mix_stderr=False).invoke(cli, ["followups", "--network", "development", "--json"])
    assert result.exit_code == 0, result.stdout + result.stderr
    due = {int(d["ticket"]) for d in json.loads(result.stdout)["due"]}
    assert due == complaints - called and len(due) == 2
