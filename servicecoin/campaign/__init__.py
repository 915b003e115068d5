"""Reward campaigns: YAML rules + CSV events → validated rows → deterministic batches → an
exactly-once, resumable run journaled in SQLite → a report.

    definition  the campaign YAML (rules, budget, batching, confirmations)
    input       CSV validation (every bad row with file, line, column and reason)
    plan        points per customer, batches with deterministic ids, their calldata, gas model
    preflight   which token, whether the chain's rules match, the dry run (gas, cost, budgets)
    journal     SQLite journal of every batch: planned → sent → confirmed | failed
    runner      send / confirm / reconcile / resume, with a progress bar the caller turns on or off
    report      Markdown and JSON report read from the plan, the journal and the receipts
"""

from servicecoin.campaign.definition import Campaign, load_campaign
from servicecoin.campaign.input import BadRow, InputRow, read_rows
from servicecoin.campaign.journal import Journal
from servicecoin.campaign.plan import Batch, Plan, load_plan, make_plan
from servicecoin.campaign.preflight import DryRun, dry_run
from servicecoin.campaign.runner import RunResult, run_campaign
from servicecoin.campaign.report import build_report, write_report

__all__ = [
    "Campaign", "load_campaign", "BadRow", "InputRow", "read_rows", "Journal", "Batch", "Plan", "make_plan", "load_plan",
    "DryRun", "dry_run", "RunResult", "run_campaign", "build_report", "write_report",
]
