"""`svc statement`, `svc reminders`, `svc followups`, `svc report …`: answers from the index.

Each command first brings the index up to the chain's head (skip with --no-update), then reads
the database; balances and totals are checked against the chain at the index's last block.
"""

from __future__ import annotations

import csv
import sys

import click

from servicecoin.cli.options import Address, FilePath, Matching, UInt, emit, handle_errors, json_option, \
    network_option
from servicecoin.cli.index import db_option, open_index
from servicecoin.reports.text import account_labels, format_followups, format_reminders, format_statement
from servicecoin.errors import EXIT_FAILURE
from servicecoin.token import fmt


def _window(text: str) -> str:
    """A duration is checked here and kept as written (commands show it); parse_window reads it."""
    return text


def _position(text: str) -> tuple[int, int] | None:
    from servicecoin.statement import parse_position

    return parse_position(text)


# A duration (30d, 12h, 2w…), kept as text; a place in the chain's event order (BLOCK:LOGINDEX) → (block, index).
Window = Matching("duration", r"[0-9]{1,9}[smhdw]?", _window, "a duration (like 30d, 12h, 2w; at most 9 digits)")
Position = Matching("position", r"[0-9]{1,18}(:[0-9]{1,9})?", _position, "a position (BLOCK:LOGINDEX, like 1200:3)")


def update_option(fn):
    return click.option("--no-update", "no_update", is_flag=True,
                        help="Answer from the index as it is (no catch-up, no chain check).")(fn)


def unchecked_option(fn):
    return click.option("--unchecked", is_flag=True,
                        help="Answer even when the index fails its quick check (with a warning first).")(fn)


def index_read_options(fn):
    """--network, --db, --no-update and --unchecked: what every command reading the index takes."""
    for option in (unchecked_option, update_option, db_option, network_option):
        fn = option(fn)
    return fn


def csv_option(fn):
    return click.option("--csv", "as_csv", is_flag=True,
                        help="CSV for accounting: figure,value rows, UTC ISO-8601 times, plain numbers.")(fn)


def emit_report(data, as_json: bool, as_csv: bool, human) -> None:
    """JSON, CSV (servicecoin/reports/export.py) or the human form of a report."""
    if as_csv:
        from servicecoin.reports.export import to_csv

        sys.stdout.write(to_csv(data))
    else:
        emit(data, as_json, human)


def checked_index(network: str, db_url: str | None, no_update: bool, unchecked: bool):
    """(chain, db) like open_index, after the index's quick check (svc index verify --quick).

    A failing index is refused with one error line (exit 1), or with --unchecked answered after a
    warning at the top."""
    from servicecoin.index.verify import guard

    chain, db = open_index(network, db_url, update=not no_update)
    check = guard(db, chain, unchecked)
    if not check.ok:
        click.echo(f"warning: UNCHECKED: {check.summary()}", err=True)
    return chain, db


def _names(network: str) -> tuple[list[str] | None, dict[str, str]]:
    """Tier names (servicecoin.yaml) and account labels from deployments/<network>.json, when there is one."""
    import json

    from servicecoin.config import token_info
    from servicecoin.networks import get_network
    from servicecoin.paths import deployment_file

    tiers = token_info()["tier_names"]
    path = deployment_file(get_network(network).id)
    if not path.exists():
        return tiers, {}
    try:
        record = json.loads(path.read_text())
    except ValueError as exc:
        from servicecoin.errors import ConfigError

        raise ConfigError(f"{path}: not valid JSON: {exc}") from None
    return tiers, account_labels(record)


@click.command("statement")
@click.argument("address", type=Address())
@index_read_options
@click.option("--soon", default="30d", show_default=True, type=Window, help="What 'expiring soon' means.")
@click.option("--limit", type=UInt(1, 10**9), default=100, show_default=True,
              help="History movements per page (the newest first page; --all for every one).")
@click.option("--before", default=None, metavar="BLOCK:LOGINDEX", type=Position,
              help="Page of history older than this position (the 'next_before' of the previous page).")
@click.option("--all", "whole", is_flag=True, help="The whole history in one page.")
@json_option
@csv_option
@handle_errors
def statement_cmd(address, network, db_url, no_update, unchecked, soon, limit, before, whole, as_json, as_csv):
    """Balance, tier, lots, expiring points and history of ADDRESS (paginated, newest page first)."""
    from servicecoin.statement import chain_view, parse_window, statement

    chain, db = checked_index(network, db_url, no_update, unchecked)
    tiers, labels = _names(network)
    view = None if no_update else chain_view(chain, db, address)
    data = statement(db, address, on_chain=view, tier_names=tiers, soon_seconds=parse_window(soon, "--soon"),
                     limit=None if whole else limit, before=before)
    emit_report(data, as_json, as_csv, lambda d: click.echo(format_statement(d, labels)))


@click.command("reminders")
@click.option("--within", default="30d", show_default=True, type=Window, help="Window: 30d, 2w, 12h…")
@index_read_options
@json_option
@click.option("--csv", "as_csv", is_flag=True, help="CSV for the notification system.")
@click.option("--tiers", is_flag=True, help="Instead: customers who must earn points to keep their tier at a review "
                                            "within the window (rolling tiers; asks the node).")
@handle_errors
def reminders_cmd(within, network, db_url, no_update, unchecked, as_json, as_csv, tiers):
    """Customers with points expiring within the window, and how many (--tiers: tiers to keep)."""
    from servicecoin.statement import parse_window, reminders

    chain, db = checked_index(network, db_url, no_update, unchecked)
    if tiers:
        _tier_reminders(chain, db, network, parse_window(within), within, as_json, as_csv)
        return
    rows = reminders(db, parse_window(within))
    if as_csv:
        w = csv.writer(sys.stdout)
        w.writerow(["address", "points", "raw_amount", "first_expiry"])
        for r in rows:
            w.writerow([r["address"], fmt(r["amount"]).replace(",", ""), r["amount"], r["first_expiry_text"]])
        return

    emit(rows, as_json, lambda rs: click.echo(format_reminders(rs, within)))


def _tier_reminders(chain, db, network: str, seconds: int, within: str, as_json: bool, as_csv: bool) -> None:
    from servicecoin.index.ledger import indexed_now
    from servicecoin.reports.outlook import keep_reminders
    from servicecoin.reports.text import format_tier_reminders

    if chain is None:
        from servicecoin.errors import ConfigError

        raise ConfigError("--tiers asks the node for each customer's tier progress: drop --no-update")
    tiers, _ = _names(network)
    rows = keep_reminders(chain, db, seconds, indexed_now(db), tiers)
    if as_csv:
        w = csv.writer(sys.stdout)
        w.writerow(["address", "tier", "points_to_keep", "raw_to_keep", "review", "reminder"])
        for r in rows:
            w.writerow([r["address"], r["tier_name"], r["to_keep_points"], r["to_keep"], r["review"], r["text"]])
        return
    emit(rows, as_json, lambda rs: click.echo(format_tier_reminders(rs, within)))


@click.command("followups")
@index_read_options
@json_option
@csv_option
@click.option("--deliver", type=click.Choice(["webhook", "email"]), default=None,
              help="Also deliver the queue to the agents: a signed webhook to the help desk, or an e-mail "
                   "(notices.followups in servicecoin.yaml; docs/notices.md).")
@handle_errors
def followups_cmd(network, db_url, no_update, unchecked, as_json, as_csv, deliver):
    """Complaints and low-rated tickets resolved without a follow-up call, oldest first."""
    from servicecoin.config import load_config
    from servicecoin.statement import FollowupPolicy, followups

    _, db = checked_index(network, db_url, no_update, unchecked)
    data = followups(db, FollowupPolicy.from_config(load_config()))
    _, labels = _names(network)
    if deliver:
        from servicecoin.notices.followups import deliver_followups

        sent = deliver_followups(deliver, data, network, labels)
        click.echo(f"delivered {sent['due']} due follow-up call(s) by {deliver}", err=True)
    emit_report(data, as_json, as_csv, lambda d: click.echo(format_followups(d, labels)))


@click.group("report")
def report_group():
    """Transparency, analytics and settlement reports."""


@report_group.command("transparency")
@index_read_options
@json_option
@click.option("--md", "as_md", is_flag=True, help="Markdown, ready to publish.")
@csv_option
@handle_errors
def transparency_cmd(network, db_url, no_update, unchecked, as_json, as_md, as_csv):
    """Issued, redeemed, refunded, expired, outstanding and budgets, reconciled with the chain."""
    from servicecoin.reports.transparency import chain_totals, to_markdown, transparency

    chain, db = checked_index(network, db_url, no_update, unchecked)
    _, labels = _names(network)
    data = transparency(db, None if no_update else chain_totals(chain, db), labels)
    if as_md:
        click.echo(to_markdown(data))
        return
    emit_report(data, as_json, as_csv, lambda d: click.echo(to_markdown(d)))
    rec = data.get("reconciliation")
    if rec is not None and not rec["reconciled"]:
        sys.exit(EXIT_FAILURE)


@report_group.command("analytics")
@index_read_options
@json_option
@click.option("--charts", "charts_dir", type=FilePath(file_okay=False), default=None,
              help="Write PNG charts and report.html into this folder.")
@click.option("--purchases", type=FilePath(exists=True, dir_okay=False), default=None,
              help="CSV of all purchases (customer,date[,amount]) to compare rewarded and non-rewarded customers.")
@csv_option
@handle_errors
def analytics_cmd(network, db_url, no_update, unchecked, as_json, charts_dir, purchases, as_csv):
    """Active customers, repeat purchases, redemption, lifetime value, segments, feedback."""
    from servicecoin.reports.analytics import analytics, load_purchases, monthly_flows

    _, db = checked_index(network, db_url, no_update, unchecked)
    tiers, _ = _names(network)
    data = analytics(db, purchases=load_purchases(purchases) if purchases else None, tier_names=tiers)
    if charts_dir:
        from servicecoin.reports.charts import write_charts

        paths = write_charts(charts_dir, monthly_flows(db), data)
        data["charts"] = {k: str(v) for k, v in paths.items()}
    from servicecoin.reports.analytics_view import format_analytics

    emit_report(data, as_json, as_csv, lambda d: click.echo(format_analytics(d)))


@report_group.command("settlement")
@index_read_options
@json_option
@click.option("--period", type=click.Choice(["month", "epoch"]), default="month", show_default=True)
@csv_option
@handle_errors
def settlement_cmd(network, db_url, no_update, unchecked, as_json, period, as_csv):
    """Alliance settlement: points each merchant issued vs redeemed at it, and net positions."""
    from servicecoin.reports.analytics import settlement

    _, db = checked_index(network, db_url, no_update, unchecked)
    _, labels = _names(network)
    data = settlement(db, period)

    def human(d):
        click.echo(f"as of {d['as_of_text']} (block {d['block']})")
        for p, rows in d["periods"].items():
            click.echo(f"{d['period']} {p}")
            for m, v in rows.items():
                click.echo(f"  {labels.get(m, m):44s} issued {fmt(v['issued']):>14}  redeemed at "
                           f"{fmt(v['redeemed_at']):>14}  net {fmt(v['net']):>14}")
        click.echo("net positions (positive: the alliance owes the merchant)")
        for m, v in d["totals"].items():
            click.echo(f"  {labels.get(m, m):44s} {fmt(v['net']):>14}")

    emit_report(data, as_json, as_csv, human)


@report_group.command("service-levels")
@index_read_options
@json_option
@csv_option
@click.option("--first-reply-target", default=None, help="Target time to first reply (default service_levels in servicecoin.yaml, 4h).")
@click.option("--resolution-target", default=None, help="Target time to resolution (default from servicecoin.yaml, 3d).")
@click.option("--by", type=click.Choice(["agent", "team"]), default=None, help="Per agent (sending key) or per team.")
@click.option("--teams", "teams_file", type=FilePath(exists=True, dir_okay=False), default=None,
              help="YAML file 'teams: {team: [agent keys]}' (default: service_levels.teams in servicecoin.yaml).")
@click.option("--public", is_flag=True, help="No personal data: agents by team or numbered, never by key.")
@click.option("--verify", "verify", is_flag=True, help="Recompute every figure from chain data alone and compare.")
@click.option("--charts", "charts_dir", type=FilePath(file_okay=False), default=None,
              help="Write PNG charts and service-levels.html into this folder.")
@handle_errors
def service_levels_cmd(network, db_url, no_update, unchecked, as_json, as_csv, first_reply_target, resolution_target,
                       by, teams_file, public, verify, charts_dir):
    """Time to first reply and resolution, complaints, follow-ups and ratings per channel and agent or team."""
    from servicecoin.config import load_config
    from servicecoin.reports.service_levels import Settings, report

    chain, db = checked_index(network, db_url, no_update, unchecked)
    settings = Settings.from_config(load_config(), first_reply_target, resolution_target, by, teams_file, public)
    data = report(network, db, settings, chain=chain, verify=verify, charts_dir=charts_dir)
    from servicecoin.reports.service_levels_view import format_service_levels

    emit_report(data, as_json, as_csv, lambda d: click.echo(format_service_levels(d)))
    if verify and not data["verify"]["matches"]:
        sys.exit(1)


COMMANDS = [statement_cmd, reminders_cmd, followups_cmd, report_group]
