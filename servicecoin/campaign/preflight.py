"""Before a campaign run: which token it pays from, whether the chain's rules match the campaign, and
the dry run (what a run would do now: the batches still to send, their gas and cost, the budgets).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError

from servicecoin.campaign.plan import Plan, issue_batch_data
from servicecoin.chain import Chain, revert_message
from servicecoin.errors import ConfigError
from servicecoin.paths import deployment_file
from servicecoin.roles import role_id
from servicecoin.token import fmt


def resolve_token(chain: Chain, address: str | None):
    """The RewardToken at `address`, or the one in deployments/<network>.json."""
    token = chain.contract("RewardToken", address) if address else chain.contract("RewardToken")
    if not chain.w3.eth.get_code(token.address):
        raise ConfigError(f"no contract at {token.address} on {chain.network.id} (token address)")
    return token


def token_address(campaign_token: str | None, network: str, override: str | None = None) -> str:
    """The token a campaign pays from: --token, the campaign's `token:`, or deployments/<network>.json."""
    from servicecoin.account import checksum

    if override or campaign_token:
        return checksum(override or campaign_token, "--token: " if override else "campaign file token: ")
    path = deployment_file(network)
    if not path.exists():
        raise ConfigError(f"{path}: no deployment on {network}; pass --token or set 'token:' in the campaign file")
    try:
        return checksum(json.loads(path.read_text())["contracts"]["RewardToken"], f"{path}: RewardToken: ")
    except (ValueError, KeyError, TypeError):
        raise ConfigError(f"{path}: not a deployment file (no contracts.RewardToken address)") from None


def check_chain_rules(chain: Chain, token, plan: Plan) -> None:
    """The campaign's tier_multipliers must say what the chain does for its reason and for every reason
    its rows carry."""
    campaign = plan.campaign
    mask = token.functions.tierEligibleReasons().call()
    for reason in [campaign.reason, *(r for r in plan.reasons if r != campaign.reason)]:
        eligible = bool((mask >> int(reason)) & 1)
        if eligible != campaign.tier_multipliers:
            does = "applies" if eligible else "does not apply"
            whose = "" if reason == campaign.reason else " (a reason the input's rows carry)"
            raise ConfigError(f"{campaign.where('tier_multipliers')}: the token {does} tier multipliers to reason "
                              f"'{reason.name.lower()}'{whose}; set tier_multipliers: {str(eligible).lower()} "
                              f"or choose another reason")


@dataclass
class DryRun:
    """What a run would do now: the batches still to send, their gas and cost, and the budgets."""

    summary: dict
    pending_batches: int
    pending_recipients: int
    pending_points: int
    estimated_gas: int
    estimated_minted: int
    gas_price: int  # wei per gas expected now (base fee + tip, or legacy gas price)
    estimated_cost_wei: int
    issuer: str
    issuer_allowance: int
    issuer_used: int
    issuer_remaining: int
    budget_ok: bool
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items()}


def expected_gas_price(chain: Chain) -> int:
    fees = chain.fee_fields()
    if "gasPrice" in fees:
        return fees["gasPrice"]
    base = chain.w3.eth.get_block("latest").get("baseFeePerGas") or 0
    return base + fees["maxPriorityFeePerGas"]


def dry_run(chain: Chain, plan: Plan, token, issuer: str | None = None) -> DryRun:
    """Estimate the batches not yet issued on chain (eth_estimateGas and eth_call per batch)."""
    check_chain_rules(chain, token, plan)
    issuer = issuer or chain.account("operator").address
    allowance, used, remaining = token.functions.issuerBudget(issuer).call()
    problems: list[str] = []
    if not token.functions.hasRole(role_id("ISSUER_ROLE"), issuer).call():
        problems.append(f"{issuer} lacks ISSUER_ROLE on {token.address}")
    if token.functions.paused().call():
        problems.append("the token is paused")
    if plan.total > plan.campaign.budget:
        problems.append(f"planned {fmt(plan.total)} points exceed the campaign budget of {fmt(plan.campaign.budget)}")
    gas = minted = points = recipients = batches = 0
    for batch in plan.batches:
        if token.functions.batchIssuedAt(issuer, batch.batch_id).call():
            continue
        batches += 1
        recipients += len(batch.recipients)
        points += batch.total
        tx = {"from": issuer, "to": token.address, "data": issue_batch_data(batch)}
        if problems:
            gas += batch.gas_model
            minted += batch.total
            continue
        try:
            minted += int.from_bytes(chain.w3.eth.call(tx), "big")
            gas += chain.w3.eth.estimate_gas(tx)
        except (ContractCustomError, ContractLogicError) as exc:
            problems.append(f"batch {batch.index} would revert: {revert_message(exc)}")
            gas += batch.gas_model
            minted += batch.total
    if minted > remaining:
        problems.append(f"the issuer's remaining budget {fmt(remaining)} does not cover {fmt(minted)} points")
    price = expected_gas_price(chain)
    return DryRun(plan.summary(), batches, recipients, points, gas, minted, price, gas * price, issuer,
                  allowance, used, remaining, not problems, problems)
