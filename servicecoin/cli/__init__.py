"""`svc`: the command-line front door. Thin command groups over functions tests call directly.

    __init__   the root group, `svc chain`, `svc deploy`, `svc balance`, and the list of command groups
    options    what every command shares: --network, --json, one-line errors, output
    campaign   `svc campaign`          log      `svc log`
    audit      `svc verify-log`, `svc verify-receipt`   anchor  `svc log anchor`, `svc log receipt`
    catalog    `svc catalog`           redeem   `svc redeem`, `svc redemptions`, `svc discount`
    customer   `svc customer export` (everything held about a customer)
    db         `svc db` (PostgreSQL)
    index      `svc index`             report   `svc statement`, `svc reminders`, `svc followups`, `svc report`
    serve      `svc serve`             settlement `svc settlement`
    agent      `svc agent serve|flush|parked|customers` (help-desk ingestion, docs/ingest.md)
    notify     `svc notify run|status` (e-mail notices to customers who opted in, docs/notices.md)
    admin      `svc admin`             merchant `svc merchant`
    status     `svc status` (keys' ETH and issuer budgets against thresholds, docs/operations.md)
    recovery   `svc recovery` (a lost wallet)
    migrate    `svc migrate token|reconcile` (a program moved to a new RewardToken, docs/migration.md)
    issue      `svc issue`             plan     (shared) show, confirm, send or write unsigned a plan of calls
"""

from __future__ import annotations

import sys

import click

from servicecoin.cli import (admin, agent, anchor, audit, campaign, catalog, customer, db, index, issue, log, merchant,
                             migrate, notify, recovery, redeem, report, serve, settlement, status)
from servicecoin.cli.options import Address, emit, handle_errors, json_option, network_option, quiet_broken_pipe
from servicecoin.errors import EXIT_NODE_DOWN

# The modules that define command groups (one noun each); each lists its commands in COMMANDS.
GROUPS = [admin, agent, anchor, audit, campaign, catalog, customer, db, index, issue, log, merchant, migrate, notify,
          recovery, redeem, report, serve, settlement, status]

__all__ = ["cli", "main", "handle_errors"]


@click.group()
def cli():
    """ServiceCoin: customer-service reward points on Ethereum."""


# --------------------------------------------------------------------------- chain
@cli.group()
def chain():
    """The persistent local chain (anvil, state saved under .servicecoin/chain)."""


@chain.command("start")
@handle_errors
def chain_start():
    """Start the local chain, or reuse the one running."""
    from servicecoin import localchain

    before = localchain.status()
    st = localchain.start()
    verb = "already running" if before.running else "started"
    click.echo(f"local chain {verb}: {st.url} (chain id {st.chain_id}, block {st.block}, pid {st.pid})")


@chain.command("stop")
@handle_errors
def chain_stop():
    """Stop the local chain; its state is saved and reloaded by the next start."""
    from servicecoin import localchain

    click.echo("local chain stopped" if localchain.stop() else "local chain was not running")


@chain.command("status")
@json_option
@handle_errors
def chain_status(as_json):
    """Whether the local chain runs, and where."""
    from servicecoin import localchain

    st = localchain.status()
    data = {"running": st.running, "pid": st.pid, "url": st.url, "block": st.block, "chain_id": st.chain_id,
            "state_file": str(st.state_file)}
    emit(data, as_json, lambda d: click.echo(
        f"running at {d['url']} (chain id {d['chain_id']}, block {d['block']}, pid {d['pid']})" if d["running"]
        else "not running"))
    if not st.running:
        sys.exit(EXIT_NODE_DOWN)


# --------------------------------------------------------------------------- deploy
@cli.command()
@click.option("--yes", is_flag=True, help="Do not ask before deploying on a live network.")
@network_option
@handle_errors
def deploy(yes, network):
    """Deploy and wire every contract; writes deployments/<network>.json. A live network shows what it will
    deploy, with which keys, and asks first."""
    from servicecoin.chain import connect
    from servicecoin.cli.plan import confirm_or_stop
    from servicecoin.deploy import DEPLOYED_CONTRACTS, deploy as do_deploy
    from servicecoin.paths import deployment_file

    chain = connect(network)
    if not yes and not chain.network.local:
        click.echo(f"deploy {', '.join(DEPLOYED_CONTRACTS)} on {network} (chain id {chain.chain_id}):")
        for role in ("deployer", "operator", "merchant", "agent"):
            what = " (admin of every contract)" if role == "deployer" else ""
            click.echo(f"  {role} key {chain.account(role).address}{what}")
        confirm_or_stop(f"deploy, writing {deployment_file(network)}?")
    record = do_deploy(chain)
    for name, address in record["contracts"].items():
        click.echo(f"{name}: {address}")
    click.echo(f"wrote {deployment_file(network)}")


# --------------------------------------------------------------------------- balance
@cli.command()
@click.argument("address", type=Address())
@network_option
@json_option
@handle_errors
def balance(address, network, as_json):
    """Live balance, tier and lots of ADDRESS."""
    from servicecoin.account import account_summary
    from servicecoin.chain import connect
    from servicecoin.token import fmt

    data = account_summary(connect(network), address)

    def human(d):
        click.echo(f"{d['address']}: {fmt(d['balance'])} points, tier {d['tier_name']} "
                   f"(lifetime {fmt(d['lifetime'])})")
        for lot in d["lots"]:
            click.echo(f"  {fmt(lot['amount']):>14} expire {lot['expires']}")
        for p in d.get("pending", []):
            click.echo(f"  {fmt(p['amount']):>14} {p['text']}")
        if (d.get("tier_outlook") or {}).get("text"):
            click.echo(f"  {d['tier_outlook']['text']}")
        if d.get("recovery"):
            r = d["recovery"]
            click.echo(f"  recovery pending to {r['to']}, ready {r['ready']}: this address cannot spend meanwhile")

    emit(data, as_json, human)


for group in GROUPS:
    for command in group.COMMANDS:
        cli.add_command(command)


def main():
    try:
        cli(prog_name="svc")
    except BrokenPipeError:  # stdout closed early (`svc … | head -1`), outside a command's handle_errors
        quiet_broken_pipe()


if __name__ == "__main__":
    main()
