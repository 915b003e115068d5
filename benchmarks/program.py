"""The program every gas benchmark starts from: the token as `svc deploy` configures it, and an operator
holding the issuer role with a budget large enough for any run."""

from __future__ import annotations

from servicecoin.config import load_config
from servicecoin.deploy import deploy_token
from servicecoin.roles import grant_issuer


def token_with_operator(chain, budget: int = 10**9):
    """(config, token contract, operator account) on a fresh deployment."""
    config = load_config()
    token = deploy_token(chain, config)
    operator = chain.account("operator")
    grant_issuer(chain, token, operator.address, budget)
    return config, token, operator
