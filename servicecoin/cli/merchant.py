"""`svc merchant onboard|offboard|list`: merchants, each with every power it needs in one command, and
none left after it leaves (docs/merchants.md)."""

from __future__ import annotations

import click

from servicecoin.cli.plan import plan_command, view_command
from servicecoin.token import fmt


@click.group()
def merchant():
    """Merchants: onboard, offboard, list."""


@merchant.command("onboard")
@click.argument("name")
@click.argument("address")
@click.option("--budget", required=True, help="Points the merchant may issue in total (up to 2 decimals).")
@click.option("--acceptor/--no-acceptor", default=True, show_default=True,
              help="Let customers pay it points (its points never expire).")
@click.option("--agent", is_flag=True, help="Also let it append service records to the log (AGENT_ROLE).")
@plan_command()
def merchant_onboard(connect, options, name, address, budget, acceptor, agent):
    """Make ADDRESS merchant NAME: issuer role and budget, acceptor, merchant role on the vault."""
    from servicecoin.account import checksum
    from servicecoin.admin.credit import MAX_BUDGET, parse_points
    from servicecoin.admin.merchants import check_name, onboard_plan, save_merchant

    check_name(name)
    address = checksum(address, "ADDRESS: ")
    allowance = parse_points(budget, "--budget", allow_zero=True, maximum=MAX_BUDGET)
    chain = connect()
    plan = onboard_plan(chain, name, address, allowance, acceptor, agent)

    def after(result):
        sent = {"onboarded_block": result["sent"][-1]["block"]} if result["sent"] else {}
        save_merchant(chain, name, address, **sent)

    return plan, after


@merchant.command("offboard")
@click.argument("merchant_ref", metavar="NAME|ADDRESS")
@click.option("--items-to", default=None, metavar="NAME|ADDRESS",
              help="Move its catalog items and their open redemptions to this merchant (default: deactivate them).")
@click.option("--burn-points", is_flag=True, help="Go ahead although it holds points as an acceptor (they are burned).")
@plan_command()
def merchant_offboard(connect, options, merchant_ref, items_to, burn_points):
    """Take every power from a merchant: roles on every contract, budget, items, acceptor status."""
    from servicecoin.admin.merchants import offboard_plan, resolve_merchant, save_merchant

    chain = connect()
    name, address = resolve_merchant(chain, merchant_ref)
    target = resolve_merchant(chain, items_to)[1] if items_to else None

    def after(result):
        if name and result["sent"]:
            save_merchant(chain, name, address, offboarded_block=result["sent"][-1]["block"])

    return offboard_plan(chain, name, address, target, burn_points), after


def _human(rows: list[dict]) -> None:
    if not rows:
        click.echo("no merchants")
    for m in rows:
        click.echo(f"{m['name'] or '(unnamed)'}  {m['address']}  {m['status']}")
        roles = "; ".join(f"{c}: {', '.join(r)}" for c, r in m["roles"].items() if r) or "none"
        b = m["budget"]
        click.echo(f"  roles      {roles}")
        click.echo(f"  budget     {fmt(b['allowance'])} points, {fmt(b['used'])} used, {fmt(b['remaining'])} left")
        click.echo(f"  acceptor   {'yes' if m['acceptor'] else 'no'}, holds {fmt(m['balance'])} points")
        click.echo(f"  items      {len(m['items'])} ({len(m['active_items'])} active)"
                   + (f": #{', #'.join(map(str, m['items']))}" if m["items"] else ""))
        if m["pending_admin_on"]:
            click.echo(f"  pending admin handover to it on {', '.join(m['pending_admin_on'])}")


@merchant.command("list")
@view_command(_human)
def merchant_list(chain):
    """Every merchant (named in the deployment file, or holding MERCHANT_ROLE) and what it may do, from the chain."""
    from servicecoin.admin.merchants import list_merchants

    return list_merchants(chain)


COMMANDS = [merchant]
