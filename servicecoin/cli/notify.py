"""`svc notify run|status`: e-mail notices to the customers who opted in (servicecoin/notices, docs/notices.md).

Cron-friendly: brings the index up to date, sends what is due at most once per cause, prints one line per
notice and a summary, exits 0 (1 when a send failed or the SMTP server could not be reached).
"""

from __future__ import annotations

import sys

import click

import servicecoin.notices  # noqa: F401  registers the contacts' eraser for `svc log erase --customer`
from servicecoin.cli.options import emit, handle_errors, json_option, network_option
from servicecoin.cli.report import checked_index, index_read_options
from servicecoin.errors import EXIT_FAILURE


@click.group("notify")
def notify_group():
    """E-mail notices to customers who opted in on the page (docs/notices.md)."""


@notify_group.command("run")
@index_read_options
@click.option("--dry-run", is_flag=True, help="Print what would be sent; send and record nothing.")
@json_option
@handle_errors
def run_cmd(network, db_url, no_update, unchecked, dry_run, as_json):
    """Send every notice due (expiry, tier at risk, delivered, please rate), at most once per cause."""
    from servicecoin.config import token_info
    from servicecoin.mailer import smtp_settings
    from servicecoin.networks import get_network
    from servicecoin.notices.run import run_notices
    from servicecoin.notices.settings import load_settings

    settings = load_settings()
    net = get_network(network)
    settings.page_url(net.local)  # a missing base_url is one line before any work
    smtp = None if dry_run else smtp_settings()
    chain, db = checked_index(network, db_url, no_update, unchecked)
    token = chain.contract("RewardToken", db.meta("token")) if chain is not None else None
    if token is None:
        click.echo("note: --no-update: no node asked, so no tier-at-risk notices this run", err=True)
    say = (lambda line: click.echo(line, err=True)) if as_json else click.echo
    try:
        result = run_notices(net.id, net.local, db, settings, smtp, token, token_info()["tier_names"], dry_run, say)
    finally:
        db.close()
    data = {**result.to_json(), "dry_run": dry_run, "network": net.id}
    emit(data, as_json, lambda d: click.echo(
        f"{'dry run: ' if dry_run else ''}{d['due']} notice(s) due for confirmed contacts: "
        + (f"{len(d['would_send'])} would be sent" if dry_run else f"{len(d['sent'])} sent")
        + f", {d['skipped']} already sent before, {len(d['failed'])} failed, {len(d['lost'])} lost to an earlier crash"))
    if result.failed:
        sys.exit(EXIT_FAILURE)


@notify_group.command("status")
@network_option
@json_option
@handle_errors
def status_cmd(network, as_json):
    """Contacts by state, notices sent, failed and lost (no e-mail address is shown)."""
    from servicecoin.networks import get_network
    from servicecoin.notices.run import overview
    from servicecoin.notices.settings import load_settings

    data = overview(get_network(network).id, load_settings())

    def human(d):
        c, n = d["contacts"], d["notices"]
        click.echo(f"contacts: {c.get('confirmed', 0)} confirmed, {c.get('pending', 0)} waiting for confirmation")
        click.echo(f"notices: {n.get('sent', 0)} sent, {n.get('failed', 0)} failed, {n.get('lost', 0)} lost to a crash, "
                   f"{n.get('recorded', 0)} recorded and not yet sent")
        for row in d["lost"] + d["failed"]:
            click.echo(f"  {row['cause']}: {row['error']}")

    emit(data, as_json, human)


COMMANDS = [notify_group]
