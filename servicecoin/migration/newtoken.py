"""The new token's migration surface, by its agreed signatures (interfaces/IRewardToken.sol): the
`migrateAccounts(bytes)` calldata, `finishMigration`, `migrationOpen`, and its `AccountMigrated` events —
read from a receipt, or every one since the token was created."""

from __future__ import annotations

from dataclasses import dataclass

from eth_utils import keccak
from web3 import Web3

from servicecoin.chain import Chain

ACCOUNT_MIGRATED_TOPIC = "0x" + keccak(text="AccountMigrated(address,uint256,uint256,uint8)").hex()
MIGRATION_ABI = [
    {"type": "function", "name": "migrateAccounts", "stateMutability": "nonpayable",
     "inputs": [{"name": "packed", "type": "bytes"}], "outputs": []},
    {"type": "function", "name": "finishMigration", "stateMutability": "nonpayable", "inputs": [], "outputs": []},
    {"type": "function", "name": "migrationOpen", "stateMutability": "view", "inputs": [],
     "outputs": [{"name": "", "type": "bool"}]},
    {"type": "function", "name": "defaultAdmin", "stateMutability": "view", "inputs": [],
     "outputs": [{"name": "", "type": "address"}]},
]


@dataclass(frozen=True)
class AccountMigrated:
    account: str  # lower case
    balance: int
    pending: int
    tier: int
    tx_hash: str
    block: int


def migration_contract(chain: Chain, address: str):
    return chain.w3.eth.contract(address=Web3.to_checksum_address(address), abi=MIGRATION_ABI)


def migrate_data(chain: Chain, address: str, packed: bytes) -> str:
    """The calldata of `migrateAccounts(packed)`."""
    return migration_contract(chain, address).encode_abi("migrateAccounts", [packed])


def _decode(topics: list, data, tx_hash, block) -> AccountMigrated:
    raw = bytes.fromhex(data[2:]) if isinstance(data, str) else bytes(data)
    topic = topics[1] if isinstance(topics[1], str) else "0x" + bytes(topics[1]).hex()
    tx = tx_hash if isinstance(tx_hash, str) else "0x" + bytes(tx_hash).hex()
    return AccountMigrated("0x" + topic[-40:].lower(), int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big"),
                           int.from_bytes(raw[64:96], "big"), tx, int(block, 16) if isinstance(block, str) else int(block))


def _is_migrated(log: dict, address: str) -> bool:
    topic0 = log["topics"][0] if log["topics"] else ""
    topic0 = topic0 if isinstance(topic0, str) else "0x" + bytes(topic0).hex()
    return log["address"].lower() == address.lower() and topic0 == ACCOUNT_MIGRATED_TOPIC


def events_in(receipt: dict, address: str) -> list[AccountMigrated]:
    """The AccountMigrated events of the token at `address` in a raw receipt, in log order."""
    return [_decode(log["topics"], log["data"], receipt["transactionHash"], receipt["blockNumber"])
            for log in receipt["logs"] if _is_migrated(log, address)]


def migrated_accounts(chain: Chain, address: str, start: int | None = None) -> dict[str, AccountMigrated]:
    """Every account the token at `address` holds by migration (lower-case address → its event), read from
    `start` (default: the block the token was created in)."""
    from servicecoin.admin.program import creation_block

    latest = chain.w3.eth.block_number
    start = creation_block(chain, address, latest) if start is None else start
    found: dict[str, AccountMigrated] = {}
    for log in chain.logs(address, start, latest, [ACCOUNT_MIGRATED_TOPIC]):
        event = _decode(log["topics"], log["data"], log["transactionHash"], log["blockNumber"])
        found[event.account] = event
    return found
