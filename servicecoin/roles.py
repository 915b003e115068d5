"""Access-control roles: their ids, and the grants that deploy and the tools share."""

from __future__ import annotations

from web3 import Web3

from servicecoin.chain import Chain
from servicecoin.token import UNIT


def role_id(name: str) -> bytes:
    """The OpenZeppelin AccessControl id of role `name` (keccak of the name; zero for the admin role)."""
    return b"\x00" * 32 if name == "DEFAULT_ADMIN_ROLE" else Web3.keccak(text=name)


def grant_role(chain: Chain, contract, name: str, account: str) -> None:
    """The deployer grants role `name` of `contract` to `account`."""
    chain.transact(contract.functions.grantRole(role_id(name), account), chain.account("deployer"))


def grant_issuer(chain: Chain, token, issuer: str, budget_points: int) -> None:
    """Make `issuer` an issuer of `token` with an allowance of `budget_points` points."""
    grant_role(chain, token, "ISSUER_ROLE", issuer)
    chain.transact(token.functions.setIssuerBudget(issuer, int(budget_points) * UNIT), chain.account("deployer"))


def contract_roles(contract) -> dict[str, bytes]:
    """Role name → id for every `*_ROLE` constant in `contract`'s ABI (a web3 contract or contract function),
    DEFAULT_ADMIN_ROLE first."""
    abi = getattr(contract, "contract_abi", None) or contract.abi
    names = sorted({item["name"] for item in abi
                    if item.get("type") == "function" and item["name"].endswith("_ROLE") and not item.get("inputs")},
                   key=lambda n: (n != "DEFAULT_ADMIN_ROLE", n))
    return {name: role_id(name) for name in names}


def role_key(text: str) -> str:
    """The constant name of a role written as an operator would: `issuer`, `ISSUER_ROLE`, `admin` → names."""
    key = text.strip().upper().replace("-", "_")
    if key in ("ADMIN", "DEFAULT_ADMIN", "DEFAULT_ADMIN_ROLE"):
        return "DEFAULT_ADMIN_ROLE"
    return key if key.endswith("_ROLE") else f"{key}_ROLE"
