"""Campaign runs on brownie's chain: payments, tier multipliers from receipts, dry-run vs real,
exactly-once on rerun and with a lost journal, refusals."""

import json

import pytest
from click.testing import CliRunner

from servicecoin.campaign.journal import CONFIRMED, FAILED, Journal, JournalError
from servicecoin.campaign.plan import load_plan
from servicecoin.campaign.report import build_report, to_markdown, write_report
from servicecoin.campaign.preflight import dry_run
from servicecoin.campaign.runner import InvalidInput, run_campaign
from servicecoin.cli import cli
from servicecoin.errors import ConfigError
from servicecoin.token import UNIT, Reason

from tests.offchain.campaign.campaignkit import EXAMPLES, people, purchases, write_campaign

NOREF = b"\0" * 32


def balances(token, plan):
    return {a.address: token.functions.balanceOf(a.address).call() for a in plan.allocations}


def test_run_pays_every_recipient_its_planned_points(tmp_path, chain, ctoken, journal):
    plan = load_plan(write_campaign(tmp_path, "pay", purchases("pay", 30), batch_size=8))
    result = run_campaign(chain, plan, journal, ctoken, progress=False)
    assert result.complete and result.batches_confirmed == 4 and result.sent_this_run == 4
    assert balances(ctoken, plan) == {a.address: a.points for a in plan.allocations}
    assert ctoken.functions.issuerBudget(chain.account("operator").address).call()[1] == plan.total
    assert all(r.status == CONFIRMED and r.gas_used for r in journal.batches(result.campaign_key))


def test_minted_amounts_in_the_report_come_from_receipts_with_tier_multipliers(tmp_path, chain, ctoken, journal):
    gold, member = people("tier", 2)
    chain.transact(ctoken.functions.issue(gold, 6000 * UNIT, int(Reason.PURCHASE), NOREF), "operator")  # Gold: 1.25x
    plan = load_plan(write_campaign(tmp_path, "tier", [(gold, "survey", "", "s1"), (member, "survey", "", "s2")]))
    run_campaign(chain, plan, journal, ctoken, progress=False)
    report = build_report(plan, journal, ctoken.address, "development")
    minted = {r["address"]: (r["points"], r["minted"]) for r in report["recipients"]}
    assert minted[gold] == (50 * UNIT, 62_50) and minted[member] == (50 * UNIT, 50 * UNIT)
    assert report["totals"]["points_minted"] == 112_50 and report["status"] == "complete"
    assert ctoken.functions.balanceOf(gold).call() == 6000 * UNIT + 62_50


def test_dry_run_figures_match_the_real_run(tmp_path, chain, ctoken, journal):
    plan = load_plan(write_campaign(tmp_path, "dry", purchases("dry", 40), batch_size=15))
    dry = dry_run(chain, plan, ctoken)
    assert dry.budget_ok and dry.pending_batches == 3 and dry.pending_recipients == 40
    assert dry.pending_points == plan.total == dry.estimated_minted
    result = run_campaign(chain, plan, journal, ctoken, progress=False)
    # each estimate also pays for state the earlier batches create once (the epoch bucket): a bit above
    assert result.gas_used <= dry.estimated_gas <= result.gas_used * 1.1
    assert result.minted == dry.estimated_minted
    assert dry_run(chain, plan, ctoken).pending_batches == 0


def test_dry_run_says_when_the_issuer_budget_does_not_cover_it(tmp_path, chain, ctoken):
    chain.transact(ctoken.functions.setIssuerBudget(chain.account("operator").address, 100 * UNIT), "deployer")
    plan = load_plan(write_campaign(tmp_path, "poor", purchases("poor", 10, "100")))
    dry = dry_run(chain, plan, ctoken)
    assert not dry.budget_ok and any("OverBudget" in p for p in dry.problems)


def test_rerun_of_a_complete_campaign_sends_nothing(tmp_path, chain, ctoken, journal):
    plan = load_plan(write_campaign(tmp_path, "again", purchases("again", 12), batch_size=5))
    run_campaign(chain, plan, journal, ctoken, progress=False)
    before = balances(ctoken, plan)
    block = chain.w3.eth.block_number
    again = run_campaign(chain, plan, journal, ctoken, progress=False)
    assert again.complete and again.sent_this_run == 0
    assert chain.w3.eth.block_number == block and balances(ctoken, plan) == before


def test_lost_journal_rerun_pays_no_one_twice_and_recovers_the_record(tmp_path, chain, ctoken, journal):
    plan = load_plan(write_campaign(tmp_path, "lost", purchases("lost", 12), batch_size=5))
    first = run_campaign(chain, plan, journal, ctoken, progress=False)
    before = balances(ctoken, plan)
    fresh = Journal(tmp_path / "new-journal.sqlite")
    again = run_campaign(chain, plan, fresh, ctoken, progress=False)
    assert again.complete and again.sent_this_run == 0 and balances(ctoken, plan) == before
    old = {r.idx: r.tx_hash for r in journal.batches(first.campaign_key)}
    assert {r.idx: r.tx_hash for r in fresh.batches(again.campaign_key)} == old
    assert fresh.credits(again.campaign_key) == journal.credits(first.campaign_key)


def test_bad_rows_stop_the_run_unless_skip_invalid(tmp_path, chain, ctoken, journal):
    plan = load_plan(EXAMPLES / "campaign-bad-rows.yaml")
    block = chain.w3.eth.block_number
    with pytest.raises(InvalidInput, match=r"(?s)13 bad row\(s\).*campaign-bad-rows.csv:3: column 'address'"):
        run_campaign(chain, plan, journal, ctoken, progress=False)
    assert chain.w3.eth.block_number == block
    result = run_campaign(chain, plan, journal, ctoken, skip_invalid=True, progress=False)
    assert result.complete and result.recipients == 2
    report = build_report(plan, journal, ctoken.address, "development")
    assert len(report["skipped"]) == 13 and "## Skipped rows" in to_markdown(report)
    assert "wrong checksum" in to_markdown(report)


def test_changed_input_under_the_same_campaign_id_is_refused(tmp_path, chain, ctoken, journal):
    run_campaign(chain, load_plan(write_campaign(tmp_path, "same", purchases("same", 4))), journal, ctoken, progress=False)
    changed = load_plan(write_campaign(tmp_path, "same", purchases("same", 5)))
    with pytest.raises(JournalError, match="different plan"):
        run_campaign(chain, changed, journal, ctoken, progress=False)


def test_a_batch_that_would_revert_is_journaled_failed_and_retried_on_rerun(tmp_path, chain, ctoken, journal):
    operator = chain.account("operator").address
    chain.transact(ctoken.functions.setIssuerBudget(operator, 50 * UNIT), "deployer")
    plan = load_plan(write_campaign(tmp_path, "retry", [(a, "survey", "", f"s{i}") for i, a in
                                                         enumerate(people("retry", 2))], batch_size=1))
    result = run_campaign(chain, plan, journal, ctoken, progress=False)
    assert not result.complete and result.batches_confirmed == 1 and result.batches_failed == 1
    assert "OverBudget" in result.failures[0]
    assert [r.status for r in journal.batches(result.campaign_key)] == [CONFIRMED, FAILED]
    chain.transact(ctoken.functions.setIssuerBudget(operator, 1000 * UNIT), "deployer")
    again = run_campaign(chain, plan, journal, ctoken, progress=False)
    assert again.complete and again.sent_this_run == 1
    assert balances(ctoken, plan) == {a.address: 50 * UNIT for a in plan.allocations}


def test_tier_multiplier_setting_must_match_the_chain(tmp_path, chain, ctoken, journal):
    plan = load_plan(write_campaign(tmp_path, "mm", purchases("mm", 2), tiers="false"))
    with pytest.raises(ConfigError, match=r"mm\.yaml:\d+: tier_multipliers: the token applies"):
        run_campaign(chain, plan, journal, ctoken, progress=False)


def test_report_files_are_written(tmp_path, chain, ctoken, journal):
    plan = load_plan(write_campaign(tmp_path, "rep", purchases("rep", 3)))
    run_campaign(chain, plan, journal, ctoken, progress=False)
    md, js = write_report(build_report(plan, journal, ctoken.address, "development"), tmp_path / "out")
    data = json.loads(js.read_text())
    assert data["totals"]["recipients_paid"] == 3 and data["recipients"][0]["rows"][0]["action"] == "purchase"
    assert "| # | batch id |" in md.read_text()


def test_cli_plan_offline_prints_totals_and_exits_2_on_bad_rows():
    out = CliRunner().invoke(cli, ["campaign", "plan", str(EXAMPLES / "campaign-bad-rows.yaml"), "--offline",
                                   "--token", "0x" + "11" * 20])
    assert out.exit_code == 2, out.output
    assert "rows: 2 valid, 13 bad" in out.output and "campaign-bad-rows.csv:16: column 'amount'" in out.output
    ok = CliRunner().invoke(cli, ["campaign", "plan", str(EXAMPLES / "campaign-sample.yaml"), "--offline", "--json",
                                  "--token", "0x" + "11" * 20])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["summary"]["recipients"] == 15


def test_a_mined_revert_is_explained_by_replaying_it(chain, ctoken):
    operator = chain.account("operator")
    chain.transact(ctoken.functions.setIssuerBudget(operator.address, 1), "deployer")
    call = ctoken.functions.issue(chain.account("merchant").address, 100 * UNIT, 0, b"\0" * 32)
    tx = chain.build(call, operator, gas=200_000)  # a gas limit given: no estimate, so it is mined and reverts
    receipt = chain.w3.eth.wait_for_transaction_receipt(
        chain.w3.eth.send_raw_transaction(operator.sign_transaction(tx).raw_transaction))
    assert receipt["status"] == 0
    why = chain.why_reverted({"from": operator.address, "to": ctoken.address, "data": tx["data"]},
                             receipt["blockNumber"])
    assert why.startswith("OverBudget")
