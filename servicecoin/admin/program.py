"""The program's contracts as the admin commands name them, and where their events start."""

from __future__ import annotations

import json
import os

from web3.exceptions import Web3Exception

from servicecoin.chain import LOG_CHUNK, Chain
from servicecoin.deploy import DEPLOYED_CONTRACTS
from servicecoin.errors import ConfigError
from servicecoin.paths import deployment_file

# Short names an operator types (`--contract vault`) → artifact names.
SHORT_NAMES = {"token": "RewardToken", "vault": "RedemptionVault", "log": "ServiceLog"}


def program_contracts(chain: Chain) -> dict:
    """Artifact name → web3 contract for every program contract in deployments/<network>.json."""
    listed = chain.deployment().get("contracts", {})
    return {name: chain.contract(name, listed[name]) for name in DEPLOYED_CONTRACTS if name in listed}


def contract_names(text: str, where: str = "--contract") -> list[str]:
    """`token`, `vault`, `log` (or the contract's own name) → [artifact name]; `all` → every one."""
    key = text.strip()
    if key.lower() == "all":
        return list(DEPLOYED_CONTRACTS)
    for short, name in SHORT_NAMES.items():
        if key.lower() in (short, name.lower()):
            return [name]
    raise ConfigError(f"{where}: unknown contract {text!r} (known: {', '.join(SHORT_NAMES)}, all)")


def short_name(name: str) -> str:
    return next((s for s, n in SHORT_NAMES.items() if n == name), name)


def events_start(chain: Chain) -> int:
    """The first block of the deployment: role grants made while deploying are events from here on. A
    deployment file written before `first_block` was recorded: the block the first program contract was
    created in, found by bisection on its code (0 when the node cannot say)."""
    try:
        record = chain.deployment()
    except ConfigError:
        return 0
    if "first_block" in record:
        return int(record["first_block"])
    addresses = list(record.get("contracts", {}).values())
    return min((creation_block(chain, a, int(record.get("block", chain.w3.eth.block_number))) for a in addresses),
               default=0)


def creation_block(chain: Chain, address: str, latest: int) -> int:
    """The block `address` was created in (at most `latest`): the block of its first log, since every program
    contract's constructor grants its admin role with an event. Found by bisection on its code where the node
    keeps old state, and confirmed by that block's logs; a node without old state (or one whose old state
    disagrees with its logs, as anvil's may after a revert) is scanned for the first log instead. 0 when
    neither finds anything."""
    guess = _code_bisection(chain, address, latest)
    if guess is not None and _logs(chain, address, guess, guess):
        return guess
    for lo in range(0, latest + 1, LOG_CHUNK):
        logs = _logs(chain, address, lo, min(lo + LOG_CHUNK - 1, latest))
        if logs:
            return min(int(log["blockNumber"]) for log in logs)
    return 0


def _code_bisection(chain: Chain, address: str, latest: int) -> int | None:
    """The first block at which `address` has code by the node's old state; None when it keeps none."""
    lo, hi = 0, latest
    try:
        while lo < hi:
            mid = (lo + hi) // 2
            if chain.w3.eth.get_code(address, block_identifier=mid):
                hi = mid
            else:
                lo = mid + 1
    except (OSError, ValueError, Web3Exception):  # a pruned node: "missing trie node" and the like
        return None
    return lo


def _logs(chain: Chain, address: str, start: int, end: int) -> list:
    return chain.w3.eth.get_logs({"address": chain.w3.to_checksum_address(address),
                                  "fromBlock": start, "toBlock": end})


def update_deployment(chain: Chain, change) -> None:
    """Apply `change` (a function that edits the record in place) to deployments/<network>.json, atomically."""
    path = deployment_file(chain.network.id)
    record = chain.deployment()
    change(record)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=2) + "\n")
    os.replace(tmp, path)


def address_names(chain: Chain) -> dict[str, str]:
    """Lower-case address → what the deployment file calls it (a contract, a deploy-time key, a merchant)."""
    try:
        record = chain.deployment()
    except ConfigError:
        return {}
    names = {str(a).lower(): n for n, a in record.get("contracts", {}).items()}
    names.update({str(a).lower(): f"{n} key" for n, a in record.get("accounts", {}).items()})
    names.update({str(m["address"]).lower(): f"merchant {n}" for n, m in record.get("merchants", {}).items()})
    return names
