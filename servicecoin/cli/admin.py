"""`svc admin …`: program settings (budgets, tiers, transfer policy, pause, discount rate, notice period),
role grants by name and who holds what (docs/settings.md, docs/roles.md)."""

from __future__ import annotations

import click

from servicecoin.cli.options import FilePath, emit, handle_errors, json_option, network_option
from servicecoin.cli.plan import carry_out, plan_options
from servicecoin.token import fmt


@click.group()
def admin():
    """Program settings and roles (the admin's commands)."""


def _who(chain, text: str) -> tuple[str, str]:
    """(label, address) of a merchant name or an address."""
    from servicecoin.admin.merchants import resolve_merchant

    name, address = resolve_merchant(chain, text)
    return (f"{name} ({address})" if name else address), address


@admin.command("budget")
@click.argument("who", metavar="NAME|ADDRESS")
@click.argument("points")
@plan_options()
@network_option
@json_option
@handle_errors
def admin_budget(who, points, signer, unsigned, yes, network, as_json):
    """Set how many POINTS an issuer may credit in total (what it used so far counts)."""
    from servicecoin.admin.credit import parse_points
    from servicecoin.admin.settings import budget_plan
    from servicecoin.chain import connect

    chain = connect(network)
    label, address = _who(chain, who)
    plan = budget_plan(chain, label, address, parse_points(points, "POINTS", allow_zero=True))
    carry_out(chain, plan, signer=signer, yes=yes, unsigned=unsigned, as_json=as_json)


@admin.command("tiers")
@click.option("--tier", "tiers", multiple=True, metavar="NAME:THRESHOLD:MULTIPLIER",
              help="One tier, lowest first, e.g. Member:0:1x --tier Silver:1000:1.1x (threshold in points; "
                   "multiplier as 1.25x or basis points).")
@click.option("--from-config", "config_file", type=FilePath(exists=True, dir_okay=False), default=None,
              help="Take the tiers from this settings file's token.tiers (e.g. servicecoin.yaml).")
@plan_options()
@network_option
@json_option
@handle_errors
def admin_tiers(tiers, config_file, signer, unsigned, yes, network, as_json):
    """Replace the tier table (thresholds of lifetime points and multipliers)."""
    from servicecoin.admin.settings import parse_tier, save_tier_names, tiers_from_config, tiers_plan
    from servicecoin.chain import connect
    from servicecoin.config import load_config
    from servicecoin.errors import ConfigError

    if bool(tiers) == bool(config_file):
        raise ConfigError("give the tiers with --tier (one per tier) or --from-config FILE, not both or neither")
    table = [parse_tier(t) for t in tiers] if tiers else tiers_from_config(load_config(config_file))
    chain = connect(network)
    result = carry_out(chain, tiers_plan(chain, table), signer=signer, yes=yes, unsigned=unsigned, as_json=as_json)
    if result["sent"]:
        save_tier_names(chain, table)


@admin.command("transfers")
@click.argument("policy", type=click.Choice(["open", "closed"]))
@plan_options()
@network_option
@json_option
@handle_errors
def admin_transfers(policy, signer, unsigned, yes, network, as_json):
    """Open or close customer-to-customer transfers (payments to acceptors always work)."""
    from servicecoin.admin.settings import transfers_plan
    from servicecoin.chain import connect

    chain = connect(network)
    carry_out(chain, transfers_plan(chain, policy == "open"), signer=signer, yes=yes, unsigned=unsigned,
              as_json=as_json)


def _pause_command(pause: bool):
    verb = "pause" if pause else "unpause"

    @click.argument("which", metavar="token|vault|all", default="all")
    @plan_options()
    @network_option
    @json_option
    @handle_errors
    def command(which, signer, unsigned, yes, network, as_json):
        from servicecoin.admin.settings import pause_plan
        from servicecoin.chain import connect

        chain = connect(network)
        carry_out(chain, pause_plan(chain, which, pause), signer=signer, yes=yes, unsigned=unsigned, as_json=as_json)

    command.__doc__ = ("Stop issuance, transfers and spending (token), or redemptions (vault); default: all."
                       if pause else "Resume the token, the vault, or all (default).")
    return admin.command(verb)(command)


admin_pause = _pause_command(True)
admin_unpause = _pause_command(False)


@admin.command("discount-rate")
@click.argument("rate", metavar="POINTS_PER_UNIT")
@plan_options()
@network_option
@json_option
@handle_errors
def admin_discount_rate(rate, signer, unsigned, yes, network, as_json):
    """Announce a checkout discount rate (points per currency unit); it applies after the notice period."""
    from servicecoin.admin.credit import parse_points
    from servicecoin.admin.settings import discount_rate_plan
    from servicecoin.chain import connect

    raw = parse_points(rate, "POINTS_PER_UNIT")
    chain = connect(network)
    carry_out(chain, discount_rate_plan(chain, raw), signer=signer, yes=yes, unsigned=unsigned, as_json=as_json)


@admin.command("notice-period")
@click.argument("period", metavar="DURATION")
@plan_options()
@network_option
@json_option
@handle_errors
def admin_notice_period(period, signer, unsigned, yes, network, as_json):
    """Lengthen the notice period of price and rate changes (7d, 36h, or seconds; it can never shrink)."""
    from servicecoin.admin.settings import notice_period_plan, parse_duration
    from servicecoin.chain import connect

    seconds = parse_duration(period, "DURATION")
    chain = connect(network)
    carry_out(chain, notice_period_plan(chain, seconds), signer=signer, yes=yes, unsigned=unsigned, as_json=as_json)


def _role_command(grant: bool):
    verb = "grant" if grant else "revoke"

    @click.argument("role")
    @click.argument("who", metavar="NAME|ADDRESS")
    @click.option("--contract", default=None, metavar="token|vault|log|all",
                  help="Where (default: every contract that has the role).")
    @plan_options()
    @network_option
    @json_option
    @handle_errors
    def command(role, who, contract, signer, unsigned, yes, network, as_json):
        from servicecoin.admin.settings import role_plan
        from servicecoin.chain import connect

        chain = connect(network)
        label, address = _who(chain, who)
        plan = role_plan(chain, role, label, address, grant, contract)
        carry_out(chain, plan, signer=signer, yes=yes, unsigned=unsigned, as_json=as_json)

    command.__doc__ = (f"{verb.capitalize()} ROLE (issuer, pauser, spender, merchant, agent, or its constant name) "
                       f"{'to' if grant else 'of'} a merchant or address.")
    return admin.command(verb)(command)


admin_grant = _role_command(True)
admin_revoke = _role_command(False)


def _human_roles(report: dict) -> None:
    for name, c in report.items():
        a = c["admin"]
        click.echo(f"{name} {c['address']}")
        click.echo(f"  admin      {a['admin']} (handover delay {a['delay_s']} s)")
        if a["pending_admin"]:
            click.echo(f"  handover   to {a['pending_admin']}, acceptable from {a['accept_after']} ({a['handover']})")
        if a["pending_delay_s"] is not None:
            click.echo(f"  delay      becomes {a['pending_delay_s']} s at {a['delay_change_at']}")
        for role, holders in c["roles"].items():
            click.echo(f"  {role:<18} {', '.join(holders) if holders else '-'}")


@admin.command("roles")
@network_option
@json_option
@handle_errors
def admin_roles(network, as_json):
    """Who holds which role on each contract (from the role events), and the admin handover state."""
    from servicecoin.admin.roles_report import roles_report
    from servicecoin.chain import connect

    emit(roles_report(connect(network)), as_json, _human_roles)


def _human_settings(s: dict) -> None:
    click.echo("tiers      " + "; ".join(f"{t['name']} from {fmt(t['threshold'])} at {t['multiplier_bps'] / 10_000:g}x"
                                         for t in s["tiers"]))
    click.echo(f"transfers  {'open' if s['transfers_open'] else 'closed'}")
    click.echo("paused     " + ", ".join(f"{c}: {'yes' if p else 'no'}" for c, p in s["paused"].items()))
    d = s["discount"]
    pending = f" (becomes {fmt(d['pending_rate'])} at {d['pending_at']})" if d["pending_at"] else ""
    click.echo(f"discount   {fmt(d['rate'])} points per currency unit{pending}; caps {fmt(d['per_order_cap'])} "
               f"per order, {fmt(d['per_day_cap'])} per customer per day")
    click.echo(f"notice     {s['notice_period_s']} s; refund window {s['refund_window_s']} s; "
               f"fulfilment window {s['fulfilment_window_s']} s")


@admin.command("settings")
@network_option
@json_option
@handle_errors
def admin_settings(network, as_json):
    """The program settings in force, read from the chain."""
    from servicecoin.admin.settings import program_settings
    from servicecoin.chain import connect

    emit(program_settings(connect(network)), as_json, _human_settings)


COMMANDS = [admin]
