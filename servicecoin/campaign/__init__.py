"""Reward campaigns: YAML rules + CSV events → validated rows → deterministic batches → an
exactly-once, resumable run journaled in SQLite → a report.

    definition  the campaign YAML (rules, budget, batching, confirmations)
    input       CSV validation (every bad row with file, line, column and reason)
    plan        points per customer, batches with deterministic ids, gas model, dry-run figures
    journal     SQLite journal of every batch: planned → sent → confirmed | failed
    runner      send / confirm / reconcile / resume, with a progress bar
    report      Markdown and JSON report read from the plan, the journal and the receipts
"""

from servicecoin.campaign.definition import Campaign, load_campaign
from servicecoin.campaign.input import BadRow, InputRow, read_rows
from servicecoin.campaign.journal import Journal
from servicecoin.campaign.plan import Batch, Plan, load_plan, make_plan
from servicecoin.campaign.runner import RunResult, dry_run, run_campaign
from servicecoin.campaign.report import build_report, write_report

__all__ = [
    "Campaign", "load_campaign", "BadRow", "InputRow", "read_rows", "Journal", "Batch", "Plan", "make_plan", "load_plan",
    "RunResult", "dry_run", "run_campaign", "build_report", "write_report",
]


def demo_campaign(chain, state: dict) -> None:
    """`make demo` step: run examples/campaign-sample.yaml and print the report summary. A second demo
    run finds the campaign complete in the journal and on chain and pays no one again."""
    from servicecoin import PROJECT_ROOT
    from servicecoin.campaign.journal import default_path
    from servicecoin.campaign.report import summary_lines

    plan = load_plan(PROJECT_ROOT / "examples" / "campaign-sample.yaml")
    journal = Journal(default_path(chain.network.id))
    token = chain.contract("RewardToken")
    done = all(token.functions.isBatchUsed(b.batch_id).call() for b in plan.batches)
    print(f"\nreward campaign '{plan.campaign.id}' from examples/ ({plan.rows} rows, {len(plan.allocations)} customers):")
    if done:
        print("  already paid on this chain: every batch id is used, so this run sends nothing (exactly once)")
    result = run_campaign(chain, plan, journal, token, progress=False)
    report = build_report(plan, journal, token.address, chain.network.id, chain.chain_id)
    md, _ = write_report(report)
    for line in summary_lines(report):
        print(f"  {line}")
    print(f"  sent {result.sent_this_run} transaction(s) this run; report: {md}")
    journal.close()
