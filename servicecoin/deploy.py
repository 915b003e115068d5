"""Deploy and wire every ServiceCoin contract; record the result in deployments/<network>.json.

One function per contract (`deploy_token`, `deploy_vault`, `deploy_log`), each with the roles and
budgets it needs, and `deploy` for the lot. Settings come from servicecoin.yaml.
"""

from __future__ import annotations

import json
import subprocess
import time
from typing import Any

from servicecoin import PROJECT_ROOT
from servicecoin.chain import Chain
from servicecoin.config import load_config
from servicecoin.errors import ConfigError, ServiceCoinError
from servicecoin.paths import deployment_file
from servicecoin.roles import grant_issuer, grant_role
from servicecoin.token import UNIT, Reason, to_raw

DAY = 86_400
# What `deploy()` puts on chain; a deployment record without one of them is out of date.
DEPLOYED_CONTRACTS = ("RewardToken", "RedemptionVault", "ServiceLog")


def _commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


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
    grant_role(chain, token, "PAUSER_ROLE", admin.address)
    return token


def deploy_vault(chain: Chain, config: dict, token) -> str:
    """Deploy the RedemptionVault with the `vault:` settings and wire it to the token; returns its address."""
    settings = config.get("vault") or {}
    try:
        notice = int(settings.get("notice_days", 7) * DAY)
        window = int(settings.get("refund_window_days", 14) * DAY)
        rate = to_raw(settings.get("discount_points_per_unit", 100))
        order_cap = to_raw(settings.get("discount_per_order_cap", 5_000))
        day_cap = to_raw(settings.get("discount_per_day_cap", 100_000))
        budget = int(settings.get("refund_budget", 1_000_000))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"servicecoin.yaml vault: {exc}") from None
    admin = chain.account("deployer")
    address, _ = chain.deploy("RedemptionVault", admin.address, token.address, notice, window, rate, order_cap, day_cap)
    grant_role(chain, token, "SPENDER_ROLE", address)
    grant_issuer(chain, token, address, budget)
    grant_role(chain, chain.contract("RedemptionVault", address), "MERCHANT_ROLE", chain.account("merchant").address)
    return address


def deploy_log(chain: Chain, config: dict, token) -> str:
    """Deploy the ServiceLog, make it an issuer with its budget, and grant AGENT_ROLE to the agent key."""
    section = config.get("log") or {}
    try:
        reward = to_raw(section.get("feedback_reward", 0))
        bonus = to_raw(section.get("followup_bonus", 0))
        budget = int(section.get("budget", 0))
    except (ServiceCoinError, ValueError) as exc:
        raise ConfigError(f"servicecoin.yaml log: {exc}") from None
    admin = chain.account("deployer")
    address, _ = chain.deploy("ServiceLog", admin.address, token.address, reward, bonus)
    grant_issuer(chain, token, address, budget)
    grant_role(chain, chain.contract("ServiceLog", address), "AGENT_ROLE", chain.account("agent").address)
    return address


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
