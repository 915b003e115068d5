"""`svc recovery`: move a customer's points from a lost wallet to a new address (docs/operator-recovery.md).

    start OLD NEW    the recovery role starts it; the old address cannot spend from then on
    cancel OLD       the old key (--from KEY) or the recovery role cancels it during the delay
    complete OLD     anyone completes it once the delay has passed
    status OLD       what is pending, when it is ready, what would move
    list             every recovery the token's events show

Changing commands are plans like every admin command: shown and confirmed on live networks (--yes skips),
or written unsigned for a multisig (--unsigned FILE).
"""

from __future__ import annotations

import click

from servicecoin.cli.options import Address
from servicecoin.cli.plan import plan_command, signer_address, view_command


@click.group("recovery")
def recovery():
    """A customer lost their wallet: move its points, lots and tier to a new address after a delay."""


@recovery.command("start")
@click.argument("old", type=Address())
@click.argument("new", type=Address())
@plan_command()
def start_cmd(connect, options, old, new):
    """Start moving OLD's points to NEW (needs RECOVERY_ROLE; OLD cannot spend until it completes or is cancelled)."""
    from servicecoin.admin.recovery import start_plan

    chain = connect()
    return start_plan(chain, old, new, signer_address(chain, options.signer, options.unsigned))


@recovery.command("cancel")
@click.argument("old", type=Address())
@plan_command()
def cancel_cmd(connect, options, old):
    """Cancel the pending recovery of OLD (sent by OLD's own key with --from, or by RECOVERY_ROLE)."""
    from servicecoin.admin.recovery import cancel_plan

    chain = connect()
    return cancel_plan(chain, old, signer_address(chain, options.signer, options.unsigned))


@recovery.command("complete")
@click.argument("old", type=Address())
@plan_command(default_signer="operator")
def complete_cmd(connect, options, old):
    """Complete the recovery of OLD once its delay has passed (any account may send it)."""
    from servicecoin.admin.recovery import complete_plan

    return complete_plan(connect(), old)


def _human_status(d: dict) -> None:
    from servicecoin.reports.dates import when
    from servicecoin.token import fmt

    click.echo(f"{d['address']}: {fmt(d['balance'])} points in {len(d['lots'])} lots, lifetime {fmt(d['lifetime'])}")
    if not d["pending"]:
        click.echo("  no recovery pending")
        return
    state = "ready: anyone may complete it now" if d["ready"] else f"ready on {when(d['ready_at'])}"
    click.echo(f"  recovery pending to {d['to']}, {state}; the address cannot spend until then")


@recovery.command("status")
@click.argument("old", type=Address())
@view_command(_human_status)
def status_cmd(chain, old):
    """Whether a recovery of OLD is pending, when it is ready and what would move."""
    from servicecoin.admin.recovery import status

    return status(chain, old)


def _human_list(rows: list[dict]) -> None:
    from servicecoin.reports.dates import when
    from servicecoin.token import fmt

    if not rows:
        click.echo("no recoveries")
    for r in rows:
        moved = f", moved {fmt(r['amount'])} points in {len(r['lots'])} lots" if r["state"] == "completed" else ""
        ready = f", ready {when(r['ready_at'])}" if r["state"] == "pending" else ""
        click.echo(f"{r['from']} -> {r['to']}: {r['state']}{ready}{moved}")


@recovery.command("list")
@view_command(_human_list)
def list_cmd(chain):
    """Every recovery the token's events show: pending, cancelled or completed."""
    from servicecoin.admin.recovery import recoveries

    return recoveries(chain)


COMMANDS = [recovery]
