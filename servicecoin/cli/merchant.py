"""`svc merchant onboard|offboard|list`: merchants, each with every power it needs in one command, and
none left after it leaves (docs/merchants.md)."""

from __future__ import annotations

import click

from servicecoin.cli.options import emit, handle_errors, json_option, network_option
from servicecoin.cli.plan import carry_out, plan_options
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
@plan_options()
@network_option
@json_option
@handle_errors
def merchant_onboard(name, address, budget, acceptor, agent, signer, unsigned, yes, network, as_json):
    """Make ADDRESS merchant NAME: issuer role and budget, acceptor, merchant role on the vault."""
    from servicecoin.admin.credit import parse_points
    from servicecoin.admin.merchants import onboard_plan, save_merchant
    from servicecoin.chain import connect

    chain = connect(network)
    plan = onboard_plan(chain, name, address, parse_points(budget, "--budget", allow_zero=True), acceptor, agent)
    result = carry_out(chain, plan, signer=signer, yes=yes, unsigned=unsigned, as_json=as_json)
    address = chain.w3.to_checksum_address(address)
    if result["sent"]:
        save_merchant(chain, name, address, onboarded_block=result["sent"][-1]["block"])
    else:
        save_merchant(chain, name, address)


@merchant.command("offboard")
@click.argument("merchant_ref", metavar="NAME|ADDRESS")
@click.option("--items-to", default=None, metavar="NAME|ADDRESS",
              help="Move its catalog items and their open redemptions to this merchant (default: deactivate them).")
@click.option("--burn-points", is_flag=True, help="Go ahead although it holds points as an acceptor (they are burned).")
@plan_options()
@network_option
@json_option
@handle_errors
def merchant_offboard(merchant_ref, items_to, burn_points, signer, unsigned, yes, network, as_json):
    """Take every power from a merchant: roles on every contract, budget, items, acceptor status."""
    from servicecoin.admin.merchants import offboard_plan, resolve_merchant, save_merchant
    from servicecoin.chain import connect

    chain = connect(network)
    name, address = resolve_merchant(chain, merchant_ref)
    target = resolve_merchant(chain, items_to)[1] if items_to else None
    plan = offboard_plan(chain, name, address, target, burn_points)
    result = carry_out(chain, plan, signer=signer, yes=yes, unsigned=unsigned, as_json=as_json)
    if name and result["sent"]:
        save_merchant(chain, name, address, offboarded_block=result["sent"][-1]["block"])


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
@network_option
@json_option
@handle_errors
def merchant_list(network, as_json):
    """Every merchant (named in the deployment file, or holding MERCHANT_ROLE) and what it may do, from the chain."""
    from servicecoin.admin.merchants import list_merchants
    from servicecoin.chain import connect

    emit(list_merchants(connect(network)), as_json, _human)


COMMANDS = [merchant]
