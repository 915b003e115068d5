"""`make demo`: a working program on the persistent local chain, step by step.

Deploys once (a second run reuses the chain and the contracts), then each step shows one part of
the system with sample data. Steps are plain functions of (chain, state) so each module adds its own.
"""

from __future__ import annotations

import argparse
import sys

from web3 import Web3

from servicecoin.account import account_summary
from servicecoin.campaign import demo_campaign as campaign_demo_step
from servicecoin.chain import Chain, connect, dev_account
from servicecoin.deploy import DEPLOYED_CONTRACTS, deploy
from servicecoin.errors import ServiceCoinError
from servicecoin.paths import deployment_file
from servicecoin.reports import demo_step as report_demo_step
from servicecoin.serve import demo_step as web_demo_step
from servicecoin.servicelog import demo_step as log_demo_step
from servicecoin.token import UNIT, Reason, fmt
from servicecoin.vault import demo_step as vault_demo_step

CUSTOMERS = {"Ana": 5, "Ben": 6, "Chloe": 7}


def ensure_deployed(chain: Chain) -> dict:
    """Reuse deployments/<network>.json when its contracts are on this chain; deploy otherwise."""
    path = deployment_file(chain.network.id)
    if path.exists():
        record = chain.deployment()
        contracts = record.get("contracts", {})
        if (record.get("chain_id") == chain.chain_id and set(DEPLOYED_CONTRACTS) <= set(contracts)
                and all(chain.w3.eth.get_code(a) for a in contracts.values())):
            print(f"reusing the deployment in {path}")
            return record
    print("deploying the contracts…")
    record = deploy(chain)
    for name, address in record["contracts"].items():
        print(f"  {name}: {address}")
    return record


def issue_sample_points(chain: Chain, state: dict) -> None:
    """The operator rewards three customers for purchases and a survey."""
    token = chain.contract("RewardToken")
    operator = chain.account("operator")
    ref = Web3.keccak(text=f"demo-order-{chain.w3.eth.block_number}")
    names = list(CUSTOMERS)
    addresses = [dev_account(CUSTOMERS[n]).address for n in names]
    chain.transact(token.functions.issue(addresses[0], 120 * UNIT, Reason.PURCHASE, ref), operator)
    batch = Web3.keccak(text=f"demo-survey-{chain.w3.eth.block_number}")
    chain.transact(token.functions.issueBatch(batch, addresses, [50 * UNIT, 30 * UNIT, 1_200 * UNIT], Reason.SURVEY), operator)
    print("\nissued sample points (a purchase for Ana, a survey batch for all three):")
    for name, address in zip(names, addresses):
        s = account_summary(chain, address)
        print(f"  {name:6s} {address}  {fmt(s['balance']):>10} points  tier {s['tier_name']}")
    state["customers"] = dict(zip(names, addresses))


def metamask_help(chain: Chain, state: dict) -> None:
    record = chain.deployment()
    print(f"""
To look at it in MetaMask:
  1. Add a network: RPC URL {chain.network.rpc_url}, chain id {chain.chain_id}, currency ETH.
  2. Import a test account (local chain only; this is the public test mnemonic's account 5):
     private key 0x{dev_account(5).key.hex().removeprefix('0x')}
  3. Import the token {record['contracts']['RewardToken']} (symbol {record['token']['symbol']}, 2 decimals).""")


STEPS = [
    issue_sample_points,
    log_demo_step,
    campaign_demo_step,
    vault_demo_step,
    metamask_help,
    web_demo_step,
    report_demo_step,  # last: indexes everything above, prints a statement and the transparency report
]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--network", default="svc-local")
    args = parser.parse_args(argv)
    try:
        chain = connect(args.network)
        ensure_deployed(chain)
        state: dict = {}
        for step in STEPS:
            step(chain, state)
    except ServiceCoinError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
