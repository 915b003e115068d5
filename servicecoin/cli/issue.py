"""`svc issue ADDRESS POINTS --reason … --ref …`: one credit, for till and point-of-sale integrations
(docs/single-credits.md)."""

from __future__ import annotations

import click

from servicecoin.cli.plan import plan_command


@click.command("issue")
@click.argument("address")
@click.argument("points")
@click.option("--reason", required=True,
              help="purchase, feedback, survey, referral, social, campaign, compensation or refund.")
@click.option("--ref", required=True, help="The sale's or ticket's reference; a reference is paid once.")
@plan_command(default_signer="operator", ask=False)
def issue(connect, options, address, points, reason, ref):
    """Credit POINTS (up to 2 decimals) to ADDRESS for a reason, under a reference paid once."""
    from servicecoin.admin.credit import check_credit, credit_plan
    from servicecoin.cli.plan import signer_address

    check_credit(address, points, reason, ref)
    chain = connect()
    issuer = signer_address(chain, options.signer, options.unsigned)
    return credit_plan(chain, issuer, address, points, reason, ref)[0]


COMMANDS = [issue]
