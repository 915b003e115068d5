"""Crash-resume through `svc` subprocesses against nodes of our own used as live-style RPCs
(SVC_RPC_URL + SVC_PRIVATE_KEY): kill the run at several points, restart the node mid-campaign,
rerun, and check from chain state that every recipient got exactly its planned points once."""

import signal
import sqlite3

import pytest

from servicecoin.campaign.journal import Journal
from servicecoin.campaign.plan import load_plan

from tests.offchain.campaign.campaignkit import Output, deploy_on, purchases, svc, wait_until_stopped, write_campaign

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
    operator = chain.account("operator").address
    assert all(token.functions.isBatchUsed(operator, b.batch_id).call() for b in plan.batches)


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
    node = node_factory(state=tmp_path / "anvil-state.json")
    token = deploy_on(node)
    path = write_campaign(tmp_path, "restart", purchases("restart", RECIPIENTS), batch_size=BATCH)
    # The run stops itself (SIGSTOP) once batch 1 is journaled as confirmed: it is part way.
    proc = svc(run_args(path, token, tmp_path, "--max-in-flight", "1"), node, fault="after_confirm:1:stop", wait=False)
    output = Output(proc)
    try:
        wait_until_stopped(proc)
        assert statuses(tmp_path) == ["confirmed"] * 2 + ["planned"] * 4  # the restart really is mid-campaign
        node.stop()  # anvil writes its state; the mempool is lost
        proc.send_signal(signal.SIGCONT)
        output.wait_for("node trouble")  # the run found the node down
        node.start()
        assert proc.wait(timeout=120) == 0, "".join(output.stderr)
    finally:
        if proc.poll() is None:
            proc.kill()
        output.close()
    plan = load_plan(path)
    assert_paid_exactly_once(node, token, plan)
    j = Journal(tmp_path / "journal.sqlite")
    assert [r.status for r in j.batches(Journal.key(plan.campaign.id, token))] == ["confirmed"] * 6
