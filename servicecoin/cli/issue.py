"""`svc issue ADDRESS POINTS --reason … --ref …`: one credit, for till and point-of-sale integrations
(docs/single-credits.md)."""

from __future__ import annotations

import click

from servicecoin.cli.options import handle_errors, json_option, network_option
from servicecoin.cli.plan import carry_out, plan_options


@click.command("issue")
@click.argument("address")
@click.argument("points")
@click.option("--reason", required=True,
              help="purchase, feedback, survey, referral, social, campaign, compensation or refund.")
@click.option("--ref", required=True, help="The sale's or ticket's reference; a reference is paid once.")
@plan_options(default_signer="operator")
@network_option
@json_option
@handle_errors
def issue(address, points, reason, ref, signer, unsigned, yes, network, as_json):
    """Credit POINTS (up to 2 decimals) to ADDRESS for a reason, under a reference paid once."""
    from servicecoin.admin.credit import credit_plan
    from servicecoin.chain import connect
    from servicecoin.cli.plan import signer_address

    chain = connect(network)
    plan, _ = credit_plan(chain, signer_address(chain, signer, unsigned), address, points, reason, ref)
    carry_out(chain, plan, signer=signer, yes=yes, unsigned=unsigned, as_json=as_json, ask=False)


COMMANDS = [issue]
