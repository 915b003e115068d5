"""`svc campaign plan|run|status|report`: reward campaigns from a YAML file and a CSV."""

from __future__ import annotations

import sys

import click

from servicecoin.cli.options import Address, FilePath, NetworkId, UInt, emit, handle_errors, json_option
from servicecoin.errors import EXIT_BAD_INPUT, EXIT_FAILURE, EXIT_REFUSED
from servicecoin.token import fmt


def _common(fn):
    fn = click.option("--input", "input_path", type=FilePath(dir_okay=False),
                      help="Input CSV (default: the campaign file's 'input:').")(fn)
    fn = click.option("--network", default=None, envvar="SVC_NETWORK", type=NetworkId(),
                      help="Network id (default: the campaign file's 'network:').")(fn)
    fn = click.option("--token", default=None, type=Address(), help="RewardToken address (default: deployments/<network>.json).")(fn)
    fn = click.option("--journal", "journal_path", type=FilePath(dir_okay=False),
                      help="SQLite journal (default: .servicecoin/<network>/campaigns.sqlite).")(fn)
    return click.argument("campaign_file", type=FilePath(exists=True, dir_okay=False))(fn)


def _load(campaign_file, input_path, network, token, journal_path):
    from servicecoin.campaign.journal import Journal, default_path
    from servicecoin.campaign.plan import load_plan
    from servicecoin.campaign.preflight import token_address

    plan = load_plan(campaign_file, input_path)
    network = network or plan.campaign.network
    address = token_address(plan.campaign.token, network, token)
    return plan, network, address, Journal(journal_path or default_path(network))


def _print_bad_rows(plan) -> None:
    for bad in plan.skipped:
        click.echo(f"  {bad}")


def _print_dry(d: dict) -> None:
    s = d["summary"]
    click.echo(f"campaign {s['campaign']} ({s['name']}), reason {s['reason']}")
    click.echo(f"  rows: {s['rows_valid']:,} valid, {s['rows_skipped']:,} bad")
    click.echo(f"  recipients {s['recipients']:,}, points {fmt(s['points'])} (budget {fmt(s['budget'])})")
    click.echo(f"  batches {s['batches']:,} = transactions {s['transactions']:,}")
    if "estimated_gas" in d:
        click.echo(f"  still to send: {d['pending_batches']:,} batches, {d['pending_recipients']:,} recipients, "
                   f"{fmt(d['pending_points'])} points (≈ {fmt(d['estimated_minted'])} minted with tier multipliers)")
        click.echo(f"  estimated gas {d['estimated_gas']:,} at {d['gas_price'] / 1e9:.3f} gwei = "
                   f"{d['estimated_cost_wei'] / 1e18:.6f} ETH")
        click.echo(f"  issuer {d['issuer']}: remaining budget {fmt(d['issuer_remaining'])} "
                   f"(allowance {fmt(d['issuer_allowance'])}, used {fmt(d['issuer_used'])})")
        click.echo("  budget: covered" if d["budget_ok"] else "  NOT READY:")
        for problem in d["problems"]:
            click.echo(f"    - {problem}")
    else:
        click.echo(f"  gas model: {s['gas_model']:,} (offline; run without --offline for node estimates)")


def _dry(plan, network, address, offline: bool) -> dict:
    if offline:
        return {"summary": plan.summary()}
    from servicecoin.chain import connect
    from servicecoin.campaign.preflight import dry_run, resolve_token

    chain = connect(network)
    return dry_run(chain, plan, resolve_token(chain, address)).to_json()


@click.group()
def campaign():
    """Reward campaigns: validate, plan, send exactly once, report."""


@campaign.command("plan")
@_common
@click.option("--offline", is_flag=True, help="Do not ask the node for gas estimates and budgets.")
@json_option
@handle_errors
def plan_cmd(campaign_file, input_path, network, token, journal_path, offline, as_json):
    """Validate the input and show totals, batches, gas, cost and budget (a dry run)."""
    plan, network, address, _ = _load(campaign_file, input_path, network, token, journal_path)
    data = _dry(plan, network, address, offline)
    data["bad_rows"] = [b.to_json() for b in plan.skipped]
    data["batch_list"] = [{"index": b.index, "batch_id": b.hex_id, "recipients": len(b.recipients), "points": b.total}
                          for b in plan.batches]

    def human(d):
        _print_dry(d)
        if plan.skipped:
            click.echo(f"bad rows ({len(plan.skipped)}): the run refuses to start without --skip-invalid")
            _print_bad_rows(plan)

    emit(data, as_json, human)
    if plan.skipped:
        sys.exit(EXIT_BAD_INPUT)
    if data.get("problems"):
        sys.exit(EXIT_REFUSED)


@campaign.command("run")
@_common
@click.option("--skip-invalid", is_flag=True, help="Send the good rows; list the bad ones in the report.")
@click.option("--dry-run", is_flag=True, help="Only show what would be sent (same as 'plan').")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@click.option("--max-in-flight", default=4, show_default=True, type=UInt(1, 64), help="Transactions sent before waiting for receipts.")
@click.option("--report-dir", type=FilePath(file_okay=False), help="Where report.md/.json go.")
@json_option
@handle_errors
def run_cmd(campaign_file, input_path, network, token, journal_path, skip_invalid, dry_run, no_progress,
            max_in_flight, report_dir, as_json):
    """Send the campaign (resumes an interrupted run; never pays a batch twice)."""
    from servicecoin.chain import connect
    from servicecoin.campaign.report import build_report, summary_lines, write_report
    from servicecoin.campaign.preflight import resolve_token
    from servicecoin.campaign.runner import InvalidInput, run_campaign

    plan, network, address, journal = _load(campaign_file, input_path, network, token, journal_path)
    if dry_run:
        data = _dry(plan, network, address, False)
        emit(data, as_json, _print_dry)
        if plan.skipped:
            click.echo(f"bad rows ({len(plan.skipped)}):", err=True)
            for bad in plan.skipped:
                click.echo(f"  {bad}", err=True)
        return
    chain = connect(network)
    tok = resolve_token(chain, address)
    if plan.skipped and not skip_invalid:
        raise InvalidInput(f"{len(plan.skipped)} bad row(s) in {plan.skipped[0].file}; fix them or pass --skip-invalid:\n"
                           + "\n".join(f"  {b}" for b in plan.skipped))
    result = run_campaign(chain, plan, journal, tok, skip_invalid=skip_invalid, progress=not no_progress,
                          max_in_flight=max_in_flight)
    report = build_report(plan, journal, tok.address, network, chain.chain_id)
    md, js = write_report(report, report_dir)
    data = {**result.__dict__, "report_md": str(md), "report_json": str(js)}

    def human(_):
        for line in summary_lines(report):
            click.echo(line)
        if plan.skipped:
            click.echo(f"  skipped {len(plan.skipped)} bad row(s) (listed in the report)")
        for failure in result.failures:
            click.echo(f"  FAILED {failure}")
        click.echo(f"  report: {md}")

    emit(data, as_json, human)
    if not result.complete:
        sys.exit(EXIT_FAILURE)


@campaign.command("status")
@_common
@json_option
@handle_errors
def status_cmd(campaign_file, input_path, network, token, journal_path, as_json):
    """What the journal says: batches by status, recipients paid, gas."""
    from servicecoin.campaign.report import build_report, summary_lines

    plan, network, address, journal = _load(campaign_file, input_path, network, token, journal_path)
    report = build_report(plan, journal, address, network)
    data = {k: v for k, v in report.items() if k not in ("recipients",)}
    emit(data, as_json, lambda d: [click.echo(line) for line in summary_lines(report)])


@campaign.command("report")
@_common
@click.option("--out", "out_dir", type=FilePath(file_okay=False), help="Folder for report.md and report.json.")
@json_option
@handle_errors
def report_cmd(campaign_file, input_path, network, token, journal_path, out_dir, as_json):
    """Write the Markdown and JSON report (who got how much and why, batches, gas, skipped rows)."""
    from servicecoin.campaign.report import build_report, summary_lines, write_report

    plan, network, address, journal = _load(campaign_file, input_path, network, token, journal_path)
    report = build_report(plan, journal, address, network)
    md, js = write_report(report, out_dir)
    if as_json:
        click.echo(js.read_text())
    else:
        for line in summary_lines(report):
            click.echo(line)
        click.echo(f"wrote {md} and {js}")


COMMANDS = [campaign]
