"""`svc admin …`: program settings (budgets, tiers, transfer policy, pause, discount rate, notice period),
role grants by name and who holds what (docs/settings.md, docs/roles.md)."""

from __future__ import annotations

import click

from servicecoin.cli.options import FilePath
from servicecoin.cli.plan import plan_command, view_command
from servicecoin.token import fmt


@click.group()
def admin():
    """Program settings and roles (the admin's commands)."""


def _who(chain, text: str) -> tuple[str, str]:
    """(label, address) of a merchant name or an address."""
    from servicecoin.admin.merchants import resolve_merchant

    name, address = resolve_merchant(chain, text)
    return (f"{name} ({address})" if name else address), address


def _amounts(**texts) -> list[int]:
    """Each argument as raw points (0 allowed), or one line naming the argument (PER_ORDER: …)."""
    from servicecoin.admin.credit import MAX_BUDGET, parse_points

    return [parse_points(text, name.upper(), True, MAX_BUDGET) for name, text in texts.items()]


@admin.command("budget")
@click.argument("who", metavar="NAME|ADDRESS")
@click.argument("points")
@plan_command()
def admin_budget(connect, options, who, points):
    """Set how many POINTS an issuer may credit in total (what it used so far counts)."""
    from servicecoin.admin.settings import budget_plan

    allowance, = _amounts(points=points)
    chain = connect()
    label, address = _who(chain, who)
    return budget_plan(chain, label, address, allowance)


@admin.command("tiers")
@click.option("--tier", "tiers", multiple=True, metavar="NAME:THRESHOLD:MULTIPLIER",
              help="One tier, lowest first, e.g. Member:0:1x --tier Silver:1000:1.1x (threshold in points; "
                   "multiplier as 1.25x or basis points).")
@click.option("--eligible", default=None, metavar="REASON,…",
              help="Reasons whose credits get the tier multiplier, e.g. purchase,survey,referral.")
@click.option("--from-config", "config_file", type=FilePath(exists=True, dir_okay=False), default=None,
              help="Take token.tiers (and token.tier_eligible) from this settings file (e.g. servicecoin.yaml).")
@plan_command()
def admin_tiers(connect, options, tiers, eligible, config_file):
    """Replace the tier table (thresholds of lifetime points and multipliers) and which reasons it applies to."""
    from servicecoin.admin.settings import (
        check_tiers, eligible_mask, parse_tier, tier_names_note, tiers_from_config, tiers_plan,
    )
    from servicecoin.token import tier_names
    from servicecoin.config import load_config
    from servicecoin.errors import ConfigError

    if tiers and config_file or not (tiers or eligible or config_file):
        raise ConfigError("give the tiers with --tier (one per tier) or --from-config FILE, not both; "
                          "or only --eligible")
    mask = None if eligible is None else eligible_mask([r for r in eligible.split(",") if r.strip()], "--eligible")
    table = [parse_tier(t) for t in tiers] if tiers else None
    if config_file:
        config = load_config(config_file)
        table = tiers_from_config(config)
        if mask is None and "tier_eligible" in config["token"]:
            mask = eligible_mask(config["token"]["tier_eligible"] or [], "token.tier_eligible")
    if table is not None:
        check_tiers(table)
    plan = tiers_plan(connect(), table, mask)
    note = tier_names_note(table, tier_names(load_config())) if tiers else None
    if note and plan.calls:
        plan.notes.append(note)
    return plan


@admin.command("transfers")
@click.argument("policy", type=click.Choice(["open", "closed"]))
@plan_command()
def admin_transfers(connect, options, policy):
    """Open or close customer-to-customer transfers (payments to acceptors always work)."""
    from servicecoin.admin.settings import transfers_plan

    return transfers_plan(connect(), policy == "open")


@admin.command("pause")
@click.argument("which", metavar="token|vault|all", default="all")
@plan_command()
def admin_pause(connect, options, which):
    """Stop issuance, transfers and spending (token), or redemptions (vault); default: all."""
    from servicecoin.admin.settings import pause_plan

    return pause_plan(connect(), which, True)


@admin.command("unpause")
@click.argument("which", metavar="token|vault|all", default="all")
@plan_command()
def admin_unpause(connect, options, which):
    """Resume the token, the vault, or all (default)."""
    from servicecoin.admin.settings import pause_plan

    return pause_plan(connect(), which, False)


@admin.command("discount-rate")
@click.argument("rate", metavar="POINTS_PER_UNIT")
@plan_command()
def admin_discount_rate(connect, options, rate):
    """Announce a checkout discount rate (points per currency unit); it applies after the notice period."""
    from servicecoin.admin.credit import parse_points
    from servicecoin.admin.settings import discount_rate_plan

    raw = parse_points(rate, "POINTS_PER_UNIT")
    return discount_rate_plan(connect(), raw)


@admin.command("notice-period")
@click.argument("period", metavar="DURATION")
@plan_command()
def admin_notice_period(connect, options, period):
    """Lengthen the notice period of price and rate changes (7d, 36h, or seconds; it can never shrink)."""
    from servicecoin.admin.settings import notice_period_plan, parse_duration

    seconds = parse_duration(period, "DURATION")
    return notice_period_plan(connect(), seconds)


@admin.command("discount-caps")
@click.option("--per-order", required=True, help="Most points one checkout discount may use.")
@click.option("--per-day", required=True, help="Most points one customer's discounts may use per UTC day.")
@plan_command()
def admin_discount_caps(connect, options, per_order, per_day):
    """Cap the points checkout discounts may use, per order and per customer per day (in force at once)."""
    from servicecoin.admin.settings import discount_caps_plan

    caps = _amounts(per_order=per_order, per_day=per_day)
    return discount_caps_plan(connect(), *caps)


@admin.command("window")
@click.argument("which", type=click.Choice(["refund", "fulfilment"]))
@click.argument("period", metavar="DURATION")
@plan_command()
def admin_window(connect, options, which, period):
    """Set how long merchants may refund (refund) or before customers may cancel an unfulfilled redemption
    (fulfilment): 14d, 36h or seconds."""
    from servicecoin.admin.settings import parse_duration, window_plan

    seconds = parse_duration(period, "DURATION")
    return window_plan(connect(), which, seconds)


@admin.command("log-rewards")
@click.argument("feedback", metavar="FEEDBACK_POINTS")
@click.argument("followup", metavar="FOLLOWUP_POINTS")
@plan_command()
def admin_log_rewards(connect, options, feedback, followup):
    """Set the points for accepted feedback and the bonus for a satisfied follow-up call (0: none)."""
    from servicecoin.admin.settings import log_rewards_plan

    rewards = _amounts(feedback_points=feedback, followup_points=followup)
    return log_rewards_plan(connect(), *rewards)


@admin.group("handover")
def admin_handover():
    """Hand the admin role over (to a multisig, say) in two steps: begin, then the new admin accepts."""


@admin_handover.command("begin")
@click.argument("new_admin", metavar="NEW_ADMIN")
@click.option("--contract", default="all", show_default=True, metavar="token|vault|log|all")
@plan_command()
def handover_begin(connect, options, new_admin, contract):
    """Schedule the handover of the admin role to NEW_ADMIN (it may accept after the delay)."""
    from servicecoin.admin.handover import begin_plan

    return begin_plan(connect(), new_admin, contract)


@admin_handover.command("accept")
@click.option("--contract", default="all", show_default=True, metavar="token|vault|log|all")
@plan_command()
def handover_accept(connect, options, contract):
    """As the new admin (--from, or --unsigned --from SAFE), accept the scheduled handover."""
    from servicecoin.admin.handover import accept_plan

    return accept_plan(connect(), contract)


@admin_handover.command("cancel")
@click.option("--contract", default="all", show_default=True, metavar="token|vault|log|all")
@plan_command()
def handover_cancel(connect, options, contract):
    """Cancel a scheduled handover (the current admin)."""
    from servicecoin.admin.handover import cancel_plan

    return cancel_plan(connect(), contract)


def _role_command(grant: bool):
    """`svc admin grant` and `svc admin revoke`: one body, the verb differs."""
    verb, to = ("grant", "to") if grant else ("revoke", "of")

    @click.argument("role")
    @click.argument("who", metavar="NAME|ADDRESS")
    @click.option("--contract", default=None, metavar="token|vault|log|all",
                  help="Where (default: every contract that has the role).")
    @plan_command()
    def command(connect, options, role, who, contract):
        from servicecoin.admin.settings import role_plan

        chain = connect()
        label, address = _who(chain, who)
        return role_plan(chain, role, label, address, grant, contract)

    return admin.command(verb, help=f"{verb.capitalize()} ROLE (issuer, pauser, spender, merchant, agent, or its "
                                    f"constant name) {to} a merchant or an address.")(command)


admin_grant = _role_command(True)
admin_revoke = _role_command(False)


def _human_roles(report: dict) -> None:
    from servicecoin.admin.settings import duration_text

    for name, c in report.items():
        a = c["admin"]

        def who(address):
            return f"{address} ({c['names'][address]})" if address in c["names"] else address

        click.echo(f"{name} {c['address']}")
        click.echo(f"  admin      {who(a['admin'])}, handover delay {duration_text(a['delay_s'])}")
        if a["pending_admin"]:
            click.echo(f"  handover   to {who(a['pending_admin'])}, acceptable from {_when(a['accept_after'])} "
                       f"({a['handover']})")
        if a["pending_delay_s"] is not None:
            click.echo(f"  delay      becomes {duration_text(a['pending_delay_s'])} at {_when(a['delay_change_at'])}")
        for role, holders in c["roles"].items():
            click.echo(f"  {role:<18} {', '.join(who(h) for h in holders) if holders else '-'}")


def _when(timestamp: int) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


@admin.command("roles")
@view_command(_human_roles)
def admin_roles(chain):
    """Who holds which role on each contract (from the role events), and the admin handover state."""
    from servicecoin.admin.roles_report import roles_report

    return roles_report(chain)


def _human_settings(s: dict) -> None:
    from servicecoin.admin.settings import duration_text

    click.echo("tiers      " + "; ".join(f"{t['name']} from {fmt(t['threshold'])} at {t['multiplier_bps'] / 10_000:g}x"
                                         for t in s["tiers"]))
    click.echo(f"transfers  {'open' if s['transfers_open'] else 'closed'}")
    click.echo("paused     " + ", ".join(f"{c}: {'yes' if p else 'no'}" for c, p in s["paused"].items()))
    d = s["discount"]
    pending = f" (becomes {fmt(d['pending_rate'])} at {_when(d['pending_at'])})" if d["pending_at"] else ""
    click.echo(f"discount   {fmt(d['rate'])} points per currency unit{pending}; caps {fmt(d['per_order_cap'])} "
               f"per order, {fmt(d['per_day_cap'])} per customer per day")
    click.echo(f"log        {fmt(s['log_rewards']['feedback'])} points per accepted feedback, "
               f"{fmt(s['log_rewards']['followup'])} per satisfied follow-up call")
    click.echo(f"windows    notice {duration_text(s['notice_period_s'])}, refunds {duration_text(s['refund_window_s'])}, "
               f"fulfilment {duration_text(s['fulfilment_window_s'])}")


@admin.command("settings")
@view_command(_human_settings)
def admin_settings(chain):
    """The program settings in force, read from the chain."""
    from servicecoin.admin.settings import program_settings

    return program_settings(chain)


COMMANDS = [admin]
