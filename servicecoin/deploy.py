"""Deploy and wire every ServiceCoin contract; record the result in deployments/<network>.json.

One function per contract (`deploy_token`, `deploy_vault`, `deploy_log`, `deploy_settlement`), each with the roles and
budgets it needs, and `deploy` for the lot. Settings come from servicecoin.yaml.
"""

from __future__ import annotations

import json
from typing import Any

from servicecoin.chain import Chain
from servicecoin.config import load_config
from servicecoin.errors import ConfigError, ServiceCoinError
from servicecoin.money import Terms
from servicecoin.paths import deployment_file
from servicecoin.roles import grant_issuer, grant_role
from servicecoin.token import UNIT, reason_mask, to_raw

DAY = 86_400
# What `deploy()` puts on chain; a deployment record without one of them is out of date.
DEPLOYED_CONTRACTS = ("RewardToken", "RedemptionVault", "ServiceLog", "Settlement")
LOCAL_URLS = ("http://127.0.0.1:", "http://localhost:")  # a deployment file may name a node only on this machine


def _settings(config: dict, name: str, read):
    """`read` applied to the `name:` section of the settings; a bad value is a ConfigError naming the section."""
    try:
        return read(config.get(name) or {})
    except (ServiceCoinError, TypeError, ValueError) as exc:
        raise ConfigError(f"servicecoin.yaml {name}: {exc}") from None


def _delay(chain: Chain, config: dict, section: str, key: str, default: float, limit: int, danger: str) -> int:
    """Seconds from `section.key` (days, below `limit` seconds); 0 only on local chains, as `danger` says why."""
    days = _settings(config, section, lambda s: float(s.get(key, default)))
    if days < 0 or days * DAY >= limit:
        raise ConfigError(f"servicecoin.yaml {section}.{key}: {days:g} is out of range")
    if days == 0 and not chain.network.local:
        raise ConfigError(f"servicecoin.yaml {section}.{key}: 0 is allowed on local chains only, not on "
                          f"{chain.network.id}: {danger}")
    return int(days * DAY)


def admin_delay(chain: Chain, config: dict) -> int:
    """Seconds an admin handover waits (`admin.transfer_delay_days`, default 2); 0 only on local chains."""
    return _delay(chain, config, "admin", "transfer_delay_days", 2, 2**48,
                  "a stolen admin key could then hand the program over at once")


def recovery_delay(chain: Chain, config: dict) -> int:
    """Seconds before a wallet recovery can be completed (`recovery.delay_days`, default 7, at most
    365); 0 only on local chains."""
    return _delay(chain, config, "recovery", "delay_days", 7, 365 * DAY + 1,
                  "a stolen recovery key could then move any customer's points before the customer can cancel")


TIER_MODES = {"lifetime": 0, "rolling": 1}


def tier_policy(config: dict) -> tuple[int, int, bool]:
    """(mode, period in epochs, soft landing) for `setTierPolicy` from `token.tiers_mode`
    (lifetime | rolling, default lifetime), `token.tier_period_epochs` (1..255, default 12) and
    `token.tier_soft_landing` (default true)."""
    def read(tok: dict) -> tuple[int, int, bool]:
        mode = str(tok.get("tiers_mode", "lifetime"))
        if mode not in TIER_MODES:
            raise ValueError(f"tiers_mode {mode!r} is not one of {', '.join(TIER_MODES)}")
        period = int(tok.get("tier_period_epochs", 12))
        if not 1 <= period <= 255:
            raise ValueError(f"tier_period_epochs {period} is not within 1..255")
        return TIER_MODES[mode], period, bool(tok.get("tier_soft_landing", True))
    return _settings(config, "token", read)


def pending_policy(config: dict) -> tuple[int, int]:
    """(reason mask, window in seconds) for `setPendingPolicy` from `token.pending.reasons` and
    `token.pending.window_days` (at most 90); no `pending:` means nothing is pending."""
    def read(tok: dict) -> tuple[int, int]:
        pending = tok.get("pending") or {}
        mask = reason_mask(pending.get("reasons", []), "servicecoin.yaml token.pending.reasons: ")
        days = float(pending.get("window_days", 0))
        if mask & (1 << 7):
            raise ValueError("pending.reasons: refund credits are never pending")
        if not 0 <= days <= 90:
            raise ValueError(f"pending.window_days {days:g} is not within 0..90")
        return (mask, int(days * DAY)) if days else (0, 0)
    return _settings(config, "token", read)


def deploy_token(chain: Chain, config: dict) -> Any:
    """RewardToken with tiers, tier-eligible reasons and transfer policy from the settings."""
    tok = config["token"]
    admin = chain.account("deployer")
    address, _ = chain.deploy(
        "RewardToken", tok["name"], tok["symbol"], admin.address, 0, int(tok["epoch_days"]) * DAY,
        int(tok["validity_epochs"]), admin_delay(chain, config),
    )
    token = chain.contract("RewardToken", address)
    tiers = tok["tiers"]
    chain.transact(
        token.functions.setTiers([int(t["threshold"]) * UNIT for t in tiers], [int(t["multiplier_bps"]) for t in tiers]),
        admin,
    )
    mask = reason_mask(tok.get("tier_eligible", []), "servicecoin.yaml token.tier_eligible: ")
    chain.transact(token.functions.setTierEligibleReasons(mask), admin)
    if tok.get("transfers_open"):
        chain.transact(token.functions.setTransfersOpen(True), admin)
    mode, period, soft = tier_policy(config)
    chain.transact(token.functions.setTierPolicy(mode, period, soft), admin)
    pending_mask, window = pending_policy(config)
    if pending_mask:
        chain.transact(token.functions.setPendingPolicy(pending_mask, window), admin)
    grant_role(chain, token, "PAUSER_ROLE", admin.address)
    grant_role(chain, token, "RECOVERY_ROLE", admin.address)
    delay = recovery_delay(chain, config)
    if delay != token.functions.recoveryDelay().call():
        chain.transact(token.functions.setRecoveryDelay(delay), admin)
    return token


def deploy_vault(chain: Chain, config: dict, token) -> str:
    """Deploy the RedemptionVault with the `vault:` settings and wire it to the token; returns its address."""
    notice, window, rate, order_cap, day_cap, budget = _settings(config, "vault", lambda s: (
        int(s.get("notice_days", 7) * DAY), int(s.get("refund_window_days", 14) * DAY),
        to_raw(s.get("discount_points_per_unit", 100)), to_raw(s.get("discount_per_order_cap", 5_000)),
        to_raw(s.get("discount_per_day_cap", 100_000)), int(s.get("refund_budget", 1_000_000))))
    admin = chain.account("deployer")
    address, _ = chain.deploy("RedemptionVault", admin.address, token.address, notice, window, rate, order_cap, day_cap,
                              admin_delay(chain, config))
    grant_role(chain, token, "SPENDER_ROLE", address)
    grant_issuer(chain, token, address, budget)
    grant_role(chain, chain.contract("RedemptionVault", address), "MERCHANT_ROLE", chain.account("merchant").address)
    return address


NO_PREVIOUS_LOG = "0x" + "00" * 20  # a first log; a new log version names the log it continues


def deploy_log(chain: Chain, config: dict, token, previous: tuple[str, bytes, int] | None = None,
               rewards: tuple[int, int] | None = None, budget: int | None = None,
               agents: list[str] | None = None) -> str:
    """Deploy the ServiceLog, make it an issuer with its budget (`log.budget`, or `budget`: whole points), and
    grant AGENT_ROLE to the agent key (or to `agents`). A new log version (servicecoin/servicelog/upgrade.py)
    gives `previous`: the log it continues with that log's head and count from its `state()`, and keeps the
    old log's `rewards` (raw feedback reward, follow-up bonus) instead of the settings'."""
    reward, bonus, points = _settings(config, "log", lambda s: (
        to_raw(s.get("feedback_reward", 0)), to_raw(s.get("followup_bonus", 0)), int(s.get("budget", 0))))
    reward, bonus = rewards if rewards is not None else (reward, bonus)
    admin = chain.account("deployer")
    address, _ = chain.deploy("ServiceLog", admin.address, token.address, reward, bonus, admin_delay(chain, config),
                              *(previous or (NO_PREVIOUS_LOG, b"\0" * 24, 0)))
    grant_issuer(chain, token, address, points if budget is None else budget)
    log = chain.contract("ServiceLog", address)
    for agent in agents or [chain.account("agent").address]:
        grant_role(chain, log, "AGENT_ROLE", agent)
    return address


def deploy_settlement(chain: Chain, config: dict) -> str:
    """Deploy the Settlement contract: clearing terms from `settlement:`, the program's notice period
    (`vault.notice_days`), the operator as clearing house (publisher); returns its address."""
    terms = _settings(config, "settlement", Terms.from_config)
    notice = _settings(config, "vault", lambda s: int(s.get("notice_days", 7) * DAY))
    admin = chain.account("deployer")
    address, _ = chain.deploy("Settlement", admin.address, chain.account("operator").address, terms.to_chain(),
                              notice, admin_delay(chain, config))
    return address


def deploy(chain: Chain, config: dict | None = None) -> dict:
    """Deploy everything that exists, wire roles, and write deployments/<network>.json."""
    config = config or load_config()
    first_block = chain.w3.eth.block_number + 1  # where the contracts' events (role grants included) start
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
        "Settlement": deploy_settlement(chain, config),
    }
    # The chain id, the addresses and the block only: never a live RPC URL (it carries its API key) nor
    # anything else from the environment. A local chain's URL (a node on this machine, no secret in it)
    # is kept, so `svc serve --deployment FILE` finds a chain networks.yaml does not name (tests' own
    # nodes). Symbol and tier names come from servicecoin.yaml (config.token_info).
    record = {
        "network": chain.network.id,
        "chain_id": chain.chain_id,
        "first_block": first_block,
        "block": chain.w3.eth.block_number,
        "contracts": contracts,
        "accounts": {
            "admin": admin.address,
            "operator": operator,
            "merchant": merchant,
        },
    }
    if chain.network.local and chain.network.rpc_url.startswith(LOCAL_URLS):
        record["rpc_url"] = chain.network.rpc_url
    path = deployment_file(chain.network.id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=2) + "\n")
    return record
