"""Deploy and wire every ServiceCoin contract; record the result in deployments/<network>.json."""

from __future__ import annotations

import json
import subprocess
import time
from typing import Any

from web3 import Web3

from servicecoin import PROJECT_ROOT
from servicecoin.chain import Chain
from servicecoin.config import load_config
from servicecoin.paths import deployment_file
from servicecoin.servicelog import deploy_log
from servicecoin.vault import deploy_vault
from servicecoin.token import UNIT, Reason

DAY = 86_400
# What `deploy()` puts on chain; a deployment record without one of them is out of date.
DEPLOYED_CONTRACTS = ("RewardToken", "RedemptionVault", "ServiceLog")


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def role_id(name: str) -> bytes:
    return b"\x00" * 32 if name == "DEFAULT_ADMIN_ROLE" else Web3.keccak(text=name)


def deploy_token(chain: Chain, config: dict) -> Any:
    """RewardToken with tiers, tier-eligible reasons and transfer policy from the settings."""
    tok = config["token"]
    admin = chain.account("deployer")
    address, _ = chain.deploy(
        "RewardToken", tok["name"], tok["symbol"], admin.address, 0, int(tok["epoch_days"]) * DAY, int(tok["validity_epochs"])
    )
    token = chain.contract("RewardToken", address)
    tiers = tok["tiers"]
    chain.transact(
        token.functions.setTiers([int(t["threshold"]) * UNIT for t in tiers], [int(t["multiplier_bps"]) for t in tiers]),
        admin,
    )
    mask = 0
    for name in tok.get("tier_eligible", []):
        mask |= 1 << Reason.parse(name, "servicecoin.yaml token.tier_eligible: ")
    chain.transact(token.functions.setTierEligibleReasons(mask), admin)
    if tok.get("transfers_open"):
        chain.transact(token.functions.setTransfersOpen(True), admin)
    chain.transact(token.functions.grantRole(role_id("PAUSER_ROLE"), admin.address), admin)
    return token


def grant_issuer(chain: Chain, token, issuer: str, budget_points: int) -> None:
    admin = chain.account("deployer")
    chain.transact(token.functions.grantRole(role_id("ISSUER_ROLE"), issuer), admin)
    chain.transact(token.functions.setIssuerBudget(issuer, int(budget_points) * UNIT), admin)


def deploy(chain: Chain, config: dict | None = None) -> dict:
    """Deploy everything that exists, wire roles, and write deployments/<network>.json."""
    config = config or load_config()
    token = deploy_token(chain, config)
    operator = chain.account("operator").address
    grant_issuer(chain, token, operator, config["budgets"]["operator"])
    admin = chain.account("deployer")
    merchant = chain.account("merchant").address
    chain.transact(token.functions.setAcceptor(merchant, True), admin)

    contracts = {
        "RewardToken": token.address,
        "RedemptionVault": deploy_vault(chain, config, token),
        "ServiceLog": deploy_log(chain, config, token),
    }
    record = {
        "network": chain.network.id,
        "chain_id": chain.chain_id,
        "rpc_url": chain.network.rpc_url,
        "block": chain.w3.eth.block_number,
        "commit": _commit(),
        "deployed_at": int(time.time()),
        "contracts": contracts,
        "accounts": {
            "admin": admin.address,
            "operator": operator,
            "merchant": merchant,
        },
        "token": {
            "decimals": 2,
            "symbol": config["token"]["symbol"],
            "tier_names": [t["name"] for t in config["token"]["tiers"]],
        },
    }
    path = deployment_file(chain.network.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n")
    return record
