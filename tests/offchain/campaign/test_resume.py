"""Crash-resume through `svc` subprocesses against nodes of our own used as live-style RPCs
(SVC_RPC_URL + SVC_PRIVATE_KEY): kill the run at several points, restart the node mid-campaign,
rerun, and check from chain state that every recipient got exactly its planned points once."""

import sqlite3
import time

import pytest

from servicecoin.campaign.journal import Journal
from servicecoin.campaign.plan import load_plan

from tests.offchain.campaign.campaignkit import deploy_on, purchases, svc, write_campaign

RECIPIENTS = 24
BATCH = 4  # six batches


def run_args(path, token, tmp_path, *extra):
    return ["campaign", "run", str(path), "--token", token, "--journal", str(tmp_path / "journal.sqlite"),
            "--report-dir", str(tmp_path / "report"), "--no-progress", *extra]


def assert_paid_exactly_once(node, token_address, plan):
    chain = node.chain()
    token = chain.contract("RewardToken", token_address)
    for alloc in plan.allocations:
        assert token.functions.balanceOf(alloc.address).call() == alloc.points, alloc.address
    used = token.functions.issuerBudget(chain.account("operator").address).call()[1]
    assert used == plan.total  # nothing else was ever minted: no batch paid twice
    assert all(token.functions.isBatchUsed(b.batch_id).call() for b in plan.batches)


def statuses(tmp_path):
    db = sqlite3.connect(tmp_path / "journal.sqlite")
    return [s for (s,) in db.execute("SELECT status FROM batches ORDER BY idx")]


@pytest.mark.parametrize("fault, seen", [
    ("before_send:0", "sent"),     # journaled as sent, never broadcast
    ("before_send:3", "sent"),
    ("after_send:2", "sent"),      # broadcast, killed before the receipt
    ("after_confirm:1", "confirmed"),  # between batches
    ("after_confirm:5", "confirmed"),  # after the last batch, before the run closed
])
def test_killed_run_resumes_and_pays_everyone_exactly_once(tmp_path, node_factory, fault, seen):
    node = node_factory()
    token = deploy_on(node)
    path = write_campaign(tmp_path, "crash", purchases("crash", RECIPIENTS), batch_size=BATCH)
    plan = load_plan(path)
    killed = svc(run_args(path, token, tmp_path), node, fault=fault)
    assert killed.returncode == -9, killed.stderr
    index = int(fault.split(":")[1])
    assert statuses(tmp_path)[index] == seen
    again = svc(run_args(path, token, tmp_path), node)
    assert again.returncode == 0, again.stderr
    assert "complete" in again.stdout
    assert statuses(tmp_path) == ["confirmed"] * len(plan.batches)
    assert_paid_exactly_once(node, token, plan)


def test_killed_run_with_lost_journal_pays_no_one_twice(tmp_path, node_factory):
    node = node_factory()
    token = deploy_on(node)
    path = write_campaign(tmp_path, "lostj", purchases("lostj", RECIPIENTS), batch_size=BATCH)
    killed = svc(run_args(path, token, tmp_path), node, fault="after_send:3")
    assert killed.returncode == -9
    for suffix in ("", "-wal", "-shm"):
        (tmp_path / f"journal.sqlite{suffix}").unlink(missing_ok=True)
    again = svc(run_args(path, token, tmp_path), node)
    assert again.returncode == 0, again.stderr
    assert_paid_exactly_once(node, token, load_plan(path))


def test_run_survives_a_node_restart_mid_campaign(tmp_path, node_factory):
    node = node_factory(state=tmp_path / "anvil-state.json", block_time=1)
    token = deploy_on(node)
    path = write_campaign(tmp_path, "restart", purchases("restart", RECIPIENTS), batch_size=BATCH)
    proc = svc(run_args(path, token, tmp_path, "--max-in-flight", "1"), node, wait=False)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if (tmp_path / "journal.sqlite").exists() and statuses(tmp_path).count("confirmed") >= 2:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the campaign never confirmed two batches")
        node.stop()  # anvil writes its state; the mempool is lost
        assert statuses(tmp_path).count("confirmed") < 6  # the restart really is mid-campaign
        time.sleep(2)
        node.start()
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    plan = load_plan(path)
    assert_paid_exactly_once(node, token, plan)
    j = Journal(tmp_path / "journal.sqlite")
    assert [r.status for r in j.batches(Journal.key(plan.campaign.id, token))] == ["confirmed"] * 6
