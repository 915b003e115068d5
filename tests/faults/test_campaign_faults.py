"""Campaigns under fault: a flaky JSON-RPC proxy between the runner and anvil (connection resets,
5xx, read timeouts, JSON-RPC errors, answers dropped after the node accepted a transaction), the node
SIGKILLed mid-campaign and restarted from a stale state, the runner process killed while the RPC
is flaky, and a full disk under the journal. After recovery (the same run carrying on, or a rerun),
every recipient holds exactly its planned points: lost and doubled points are computed from chain
state against the plan and recorded in .servicecoin/reliability.json."""

import pytest

from tests.faults.faultkit import bursts, campaign_tally, deploy_on, every, own_chain, purchases, write_campaign
from tests.offchain.campaign.campaignkit import mixed_reasons, svc
from tests.reliability import record_fault
from servicecoin.campaign.journal import Journal, JournalError
from servicecoin.campaign.plan import load_plan
from servicecoin.campaign.runner import run_campaign
from servicecoin.errors import ServiceCoinError

RECIPIENTS = 16
BATCH = 4  # four batches


def campaign(tmp_path, cid):
    path = write_campaign(tmp_path, cid, purchases(cid, RECIPIENTS), batch_size=BATCH)
    return load_plan(path)


def run_until_done(chain, plan, token, journal_path, attempts=5, **kwargs):
    """Run the campaign; a run that gives up (its pre-flight reads are not retried: a connection error
    there ends the run before anything is sent) is simply run again, as cron would."""
    errors = []
    for _ in range(attempts):
        journal = Journal(journal_path)
        try:
            result = run_campaign(chain, plan, journal, chain.contract("RewardToken", token), progress=False,
                                  receipt_timeout=10, rpc_patience=20, **kwargs)
            if result.complete:
                return result, errors
        except (ServiceCoinError, OSError) as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            journal.close()
    pytest.fail(f"campaign not complete after {attempts} runs: {errors}")


def settle(name, node, token, plan, proxy=None):
    """Tally the chain against the plan (straight from the node), record the scenario, assert it."""
    tally = campaign_tally(own_chain(node.url), token, plan)
    injected = proxy.total_injected() if proxy is not None else 1
    record_fault(name, tally.lost, tally.doubled, tally.ok and injected > 0)
    assert injected > 0, "no fault was injected: the scenario tested nothing"
    assert (tally.lost, tally.doubled) == (0, 0)


def test_campaign_completes_through_connection_resets(tmp_path, shared_node, proxy_factory):
    node = shared_node
    token = deploy_on(node)
    proxy = proxy_factory(node, bursts("reset"))
    plan = campaign(tmp_path, "resets")
    run_until_done(own_chain(proxy.url, retries=False), plan, token, tmp_path / "j.sqlite")
    settle("campaign_connection_resets", node, token, plan, proxy)


def test_campaign_completes_through_http_503s(tmp_path, shared_node, proxy_factory):
    node = shared_node
    token = deploy_on(node)
    proxy = proxy_factory(node, bursts("5xx", start=30))
    plan = campaign(tmp_path, "http5xx")
    run_until_done(own_chain(proxy.url, retries=False), plan, token, tmp_path / "j.sqlite")
    settle("campaign_http_5xx", node, token, plan, proxy)


def test_campaign_completes_through_read_timeouts(tmp_path, shared_node, proxy_factory):
    node = shared_node
    token = deploy_on(node)
    proxy = proxy_factory(node, every(3, "hang", {"eth_getTransactionReceipt", "eth_call", "eth_sendRawTransaction"},
                                      limit=2), hang_seconds=1.0)
    plan = campaign(tmp_path, "timeouts")
    run_until_done(own_chain(proxy.url, timeout=0.5, retries=False), plan, token, tmp_path / "j.sqlite")
    settle("campaign_read_timeouts", node, token, plan, proxy)


def test_campaign_completes_through_json_rpc_errors(tmp_path, shared_node, proxy_factory):
    node = shared_node
    token = deploy_on(node)
    proxy = proxy_factory(node, bursts("rpc", start=8, methods={"eth_call", "eth_getTransactionReceipt",
                                                                  "eth_getTransactionCount", "eth_estimateGas"}))
    plan = campaign(tmp_path, "rpcerr")
    run_until_done(own_chain(proxy.url, retries=False), plan, token, tmp_path / "j.sqlite")
    settle("campaign_json_rpc_errors", node, token, plan, proxy)


@pytest.mark.parametrize("retries", [True, False], ids=["web3-retries", "no-retries"])
def test_campaign_pays_once_when_send_answers_are_dropped(tmp_path, shared_node, proxy_factory, retries):
    """The node accepts the transaction but the answer never arrives; web3 may even resend it."""
    node = shared_node
    token = deploy_on(node)
    proxy = proxy_factory(node, every(2, "drop", {"eth_sendRawTransaction"}, limit=2))
    plan = campaign(tmp_path, f"dropped{int(retries)}")
    run_until_done(own_chain(proxy.url, retries=retries), plan, token, tmp_path / "j.sqlite")
    settle(f"campaign_dropped_send_answers_{'retried' if retries else 'plain'}", node, token, plan, proxy)


def test_campaign_survives_the_node_crashing_and_losing_recent_blocks(tmp_path, node_factory, proxy_factory):
    """SIGKILL the node when the third batch is sent (before it reaches the node); it comes back from its
    last state dump (up to a second old: confirmed batches and the mempool may be gone) once the run has
    found it down, and the run carries on."""
    node = node_factory(state=tmp_path / "anvil-state.json")
    token = deploy_on(node)
    node.wait_for_dump()  # the deployment is in the state file
    events = []

    def fault(method, n):
        if "crash" not in events and method == "eth_sendRawTransaction" and n == 3:
            events.append("crash")
            return node.crash
        if events == ["crash"]:  # the run's next request finds the node down; it fails, and the node restarts
            events.append("restart")
            return node.start
        return None

    proxy = proxy_factory(node, fault)
    plan = campaign(tmp_path, "crash")
    chain = own_chain(proxy.url, retries=False)
    run_until_done(chain, plan, token, tmp_path / "j.sqlite", max_in_flight=1)
    assert events == ["crash", "restart"]
    settle("campaign_node_sigkill_stale_state", node, token, plan, proxy)


def test_killed_runner_over_a_flaky_rpc_resumes_exactly_once(tmp_path, shared_node, proxy_factory):
    """`svc campaign run` killed (SIGKILL) with batch 2 signed and journaled but not broadcast while the RPC drops answers; rerun."""
    node = shared_node
    token = deploy_on(node)
    proxy = proxy_factory(node, every(3, "drop", {"eth_sendRawTransaction", "eth_getTransactionReceipt"}, limit=2))
    path = write_campaign(tmp_path, "killflaky", purchases("killflaky", RECIPIENTS), batch_size=BATCH)
    args = ["campaign", "run", str(path), "--token", token, "--journal", str(tmp_path / "j.sqlite"),
            "--report-dir", str(tmp_path / "report"), "--no-progress"]
    killed = svc(args, proxy, fault="before_send:2")
    assert killed.returncode == -9, killed.stderr
    again = svc(args, proxy)
    assert again.returncode == 0, again.stderr
    settle("campaign_runner_sigkill_flaky_rpc", node, token, load_plan(path), proxy)


def test_full_disk_under_the_journal_stops_cleanly_and_a_rerun_pays_exactly_once(tmp_path, shared_node):
    """The journal's file may not grow (SQLite max_page_count: what a full disk does to it): the run
    stops with a clear error naming the journal; once there is room a rerun completes, paying no one twice."""
    node = shared_node
    token = deploy_on(node)
    path = write_campaign(tmp_path, "diskfull", purchases("diskfull", 120), batch_size=20)
    plan = load_plan(path)
    chain = own_chain(node.url)
    path = tmp_path / "j.sqlite"
    journal = Journal(path)
    pages = journal.db.execute("PRAGMA page_count").fetchone()[0]
    journal.db.execute(f"PRAGMA max_page_count = {pages + 1}")
    with pytest.raises(JournalError) as failure:
        run_campaign(chain, plan, journal, chain.contract("RewardToken", token), progress=False)
    journal.close()
    assert str(path) in str(failure.value) and "full" in str(failure.value)
    assert 0 < campaign_tally(chain, token, plan).lost < plan.total  # it really stopped mid-campaign
    run_until_done(chain, plan, token, path)
    settle("campaign_journal_disk_full", node, token, plan)


@pytest.mark.parametrize("fault", ["before_send:3", "after_send:4", "after_confirm:6"])
def test_killed_run_of_rows_with_their_own_reasons_resumes_exactly_once(tmp_path, shared_node, proxy_factory, fault):
    """Rows carry their own reasons (purchase, referral, the campaign's): batches of one reason each, people
    paid in two or three of them. `svc campaign run` killed (SIGKILL) inside the second or third reason's
    batches over an RPC that drops answers, then rerun: every (person, reason) paid once, none skipped, and
    each batch recorded on chain with its reason."""
    node = shared_node
    token = deploy_on(node)
    proxy = proxy_factory(node, every(3, "drop", {"eth_sendRawTransaction", "eth_getTransactionReceipt"}, limit=2))
    cid = f"reasons{fault.split(':')[1]}"
    path = write_campaign(tmp_path, cid, mixed_reasons(cid, RECIPIENTS), batch_size=BATCH)
    plan = load_plan(path)
    assert [b.reason.name for b in plan.batches] == ["PURCHASE"] * 4 + ["REFERRAL"] * 2 + ["CAMPAIGN"] * 2
    args = ["campaign", "run", str(path), "--token", token, "--journal", str(tmp_path / "j.sqlite"),
            "--report-dir", str(tmp_path / "report"), "--no-progress"]
    killed = svc(args, proxy, fault=fault)
    assert killed.returncode == -9, killed.stderr
    again = svc(args, proxy)
    assert again.returncode == 0, again.stderr
    settle(f"campaign_reasons_sigkill_{fault.replace(':', '_')}", node, token, plan, proxy)
    chain = own_chain(node.url)
    issued = chain.contract("RewardToken", token).events.BatchIssued().get_logs(from_block=0)
    mine = {bytes(e["args"]["batchId"]): int(e["args"]["reason"]) for e in issued}
    assert all(mine.get(b.batch_id) == int(b.reason) for b in plan.batches), mine
