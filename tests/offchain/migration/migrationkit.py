"""Migration test helpers: an old-layout RewardToken (the compiled token of before issue 14, kept in
legacy_token.json) deployed on a Chain, and credits made on it."""

from __future__ import annotations

import json
from pathlib import Path

from servicecoin.migration.snapshot import reader
from servicecoin.roles import grant_issuer

LEGACY = json.loads(Path(__file__).with_name("legacy_token.json").read_text())
DAY = 86_400
EPOCH = DAY
VALIDITY = 3
PURCHASE = 0


def deploy_legacy(chain, genesis: int = 0, epoch: int = EPOCH, validity: int = VALIDITY, admin=None):
    """An old-layout RewardToken (admin: `admin`, default the deployer, who also holds the pauser role; the
    operator an issuer), read through the legacy ABI."""
    admin = admin or chain.account("deployer")
    factory = chain.w3.eth.contract(abi=LEGACY["abi"], bytecode=LEGACY["bytecode"])
    tx = chain.build(factory.constructor("Old Points", "OLD", admin.address, genesis, epoch, validity, 0), admin)
    receipt = chain.wait(chain.send_raw(tx, admin))
    token = reader(chain, receipt["contractAddress"])
    grant_issuer(chain, token, chain.account("operator").address, 10**9)
    chain.transact(token.functions.grantRole(token.functions.PAUSER_ROLE().call(), admin.address), admin)
    return token


def genesis_now(chain) -> int:
    """A genesis two tokens can share: an hour before the latest block (a constructor refuses one in the future,
    and a node's next block may carry an earlier time than its latest after a snapshot revert)."""
    return chain.w3.eth.get_block("latest")["timestamp"] - 3_600


def credit(chain, token, to: str, raw: int, reason: int = PURCHASE, ref: bytes = b"\x01" * 32) -> None:
    chain.transact(token.functions.issue(to, raw, reason, ref), chain.account("operator"))


def pause(chain, token, admin=None) -> None:
    chain.transact(token.functions.pause(), admin or chain.account("deployer"))


def has_migration() -> bool:
    """Whether the built RewardToken takes migrations (issue 14's migrateAccounts, not a stub)."""
    from servicecoin.chain import artifact

    return any(i.get("name") == "AccountMigrated" for i in artifact("RewardToken")["abi"])


def deploy_new(chain, genesis: int, epoch: int = EPOCH, validity: int = VALIDITY):
    """The current RewardToken (admin: the deployer, with the pauser role), open for migration."""
    admin = chain.account("deployer")
    address, _ = chain.deploy("RewardToken", "New Points", "NEW", admin.address, genesis, epoch, validity, 0)
    token = chain.contract("RewardToken", address)
    grant_issuer(chain, token, chain.account("operator").address, 10**9)
    return token


def people(label: str, n: int) -> list[str]:
    from eth_utils import keccak
    from web3 import Web3

    return [Web3.to_checksum_address(keccak(text=f"{label}{i}")[-20:]) for i in range(n)]


def old_program(chain, n: int = 9):
    """A paused old-layout token whose n customers hold one or two lots (two epochs), and a new token on the
    same clock."""
    from brownie import chain as brownie_chain

    old = deploy_legacy(chain)
    g = old.functions.genesis().call()
    customers = people("customer", n)
    for i, who in enumerate(customers):
        credit(chain, old, who, 1_000 + i, ref=bytes([i + 1]) * 32)
    brownie_chain.sleep(EPOCH + 1)
    brownie_chain.mine()
    for i, who in enumerate(customers[::2]):
        credit(chain, old, who, 300 + i, ref=bytes([100 + i]) * 32)
    pause(chain, old)
    new = deploy_new(chain, g)
    if not new.functions.migrationOpen().call():  # the token's migration is still a stub (branch token14)
        new = deploy_stand_in(chain, g)
    return old, new, customers


def deploy_stand_in(chain, genesis: int, epoch: int = EPOCH, validity: int = VALIDITY):
    """MigrationStandIn.sol (compiled here): the new token's migration surface, for as long as the built
    RewardToken's migrateAccounts is a stub."""
    import solcx

    source = Path(__file__).with_name("MigrationStandIn.sol").read_text()
    out = solcx.compile_standard({"language": "Solidity", "sources": {"S.sol": {"content": source}},
                                  "settings": {"optimizer": {"enabled": True, "runs": 200}, "evmVersion": "shanghai",
                                               "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object"]}}}},
                                 solc_version="0.8.29")["contracts"]["S.sol"]["MigrationStandIn"]
    admin = chain.account("deployer")
    factory = chain.w3.eth.contract(abi=out["abi"], bytecode=out["evm"]["bytecode"]["object"])
    receipt = chain.wait(chain.send_raw(chain.build(factory.constructor(genesis, epoch, validity), admin), admin))
    return chain.w3.eth.contract(address=receipt["contractAddress"], abi=out["abi"])
