"""`svc status`: each key's ETH and each issuer budget's remaining part, judged by the `status:` thresholds
(servicecoin/watch, docs/operations.md); a low one is warned about and, with `status.alert_email`, e-mailed."""

from __future__ import annotations

import click

from servicecoin.cli.options import emit, handle_errors, json_option, network_option


def _table(status: dict) -> None:
    t = status["thresholds"]
    click.echo(f"{status['network']} at block {status['block']}")
    click.echo(f"keys (low below {t['min_eth']:g} ETH):")
    for k in status["keys"] or [{"name": "(no keys known on this machine)", "address": "", "eth": 0, "low": False}]:
        amount = f"{k['eth']:>16,.6f} ETH" if k["address"] else ""
        click.echo(f"  {k['name']:<24} {k['address']:<42} {amount}{'  LOW' if k['low'] else ''}")
    click.echo(f"budgets (low below {t['min_budget_share']:.0%} left):")
    if not status["budgets"]:
        click.echo("  (no issuer budgets: no deployment of the token on this network)")
    for b in status["budgets"]:
        click.echo(f"  {b['name'][:24]:<24} {b['issuer']:<42} {b['remaining_points']:>16} of {b['allowance_points']} "
                   f"points left ({b['share']:.1%}){'  LOW' if b['low'] else ''}")
    for line in status["alerts"]["low"]:
        click.echo(f"warning: running low: {line}", err=True)
    if status["alerts"]["emailed"]:
        click.echo(f"e-mailed {len(status['alerts']['emailed'])} of them to the operator", err=True)
    if status["alerts"]["error"]:
        click.echo(f"warning: the alert e-mail was not sent: {status['alerts']['error']}", err=True)


@click.command("status")
@network_option
@json_option
@handle_errors
def status(network, as_json):
    """Show each key's ETH and each issuer budget's remaining part; warn (and e-mail the operator, once a
    day per item, when status.alert_email is set) about those below the thresholds."""
    from servicecoin.chain import connect
    from servicecoin.watch import Watch
    from servicecoin.watch.alerts import alert, alerts_file
    from servicecoin.watch.settings import load_status_settings

    settings = load_status_settings()
    chain = connect(network)
    found = Watch.for_deployment(chain, settings).read()
    found["alerts"] = alert(found, settings.alert_email, alerts_file(network))
    emit(found, as_json, _table)


COMMANDS = [status]
