"""The old token at one block: its holders, every account's state and its supply counters.

The old token is read through the ABI it was deployed with (`legacy_token_abi.json`, the RewardToken of
before issue 14), so a token of the old layout stays readable after the build artifacts moved on; views
that only a newer token has (qualifying points, pending credits and their totals) are asked for by their
agreed signatures and count as zero where the old token lacks them. Holders are every address a
`Transfer` of the token touched (every credit mints with one), and every acceptor (`AcceptorSet`), read
from its creation block. Acceptors move with their plain balance.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from eth_utils import keccak
from web3 import Web3
from web3.exceptions import BadFunctionCallOutput, ContractLogicError, Web3Exception

from servicecoin.chain import Chain
from servicecoin.migration.accounts import AccountState
from servicecoin.migration.pending import match_pending, pending_candidates

TRANSFER_TOPIC = "0x" + keccak(text="Transfer(address,address,uint256)").hex()
ACCEPTOR_TOPIC = "0x" + keccak(text="AcceptorSet(address,bool)").hex()
ZERO = "0x" + "00" * 20
# Supply counters every RewardToken has, and those a newer one adds (zero on an old-layout token).
COUNTERS = ("totalIssued", "totalSupply", "totalExpired", "totalBurned")
NEWER_COUNTERS = ("totalPending", "totalCancelled", "totalMigrated")
_NEWER_VIEWS = [
    {"type": "function", "name": name, "stateMutability": "view", "inputs": [],
     "outputs": [{"name": "", "type": "uint256"}]} for name in NEWER_COUNTERS
] + [
    {"type": "function", "name": "qualifyingPoints", "stateMutability": "view",
     "inputs": [{"name": "account", "type": "address"}],
     "outputs": [{"name": "current", "type": "uint256"}, {"name": "last", "type": "uint256"}]},
    {"type": "function", "name": "tierProgress", "stateMutability": "view",
     "inputs": [{"name": "account", "type": "address"}],
     "outputs": [{"name": "tier", "type": "uint8"}, {"name": "toKeep", "type": "uint256"},
                 {"name": "toNext", "type": "uint256"}]},
    {"type": "function", "name": "nextTierReview", "stateMutability": "view",
     "inputs": [{"name": "account", "type": "address"}], "outputs": [{"name": "timestamp", "type": "uint256"}]},
    {"type": "function", "name": "pendingOf", "stateMutability": "view",
     "inputs": [{"name": "account", "type": "address"}],
     "outputs": [{"name": "amounts", "type": "uint256[]"}, {"name": "releaseTimes", "type": "uint256[]"}]},
]


@lru_cache(maxsize=1)
def legacy_abi() -> list[dict]:
    """The old-layout RewardToken's ABI, plus the newer views asked for by their agreed signatures."""
    doc = json.loads(Path(__file__).with_name("legacy_token_abi.json").read_text())
    names = {item.get("name") for item in doc["abi"]}
    return doc["abi"] + [v for v in _NEWER_VIEWS if v["name"] not in names]


def reader(chain: Chain, address: str):
    """A web3 contract that reads any RewardToken (old layout or new) at `address`."""
    return chain.w3.eth.contract(address=Web3.to_checksum_address(address), abi=legacy_abi())


def optional(call, block: int, default):
    """A view a newer token has: its answer, or `default` where the token lacks it (the call reverts or
    returns nothing)."""
    try:
        return call.call(block_identifier=block)
    except (ContractLogicError, BadFunctionCallOutput, Web3Exception, ValueError):
        return default


@dataclass
class Snapshot:
    token: str
    block: int
    timestamp: int
    genesis: int
    epoch_length: int
    validity: int
    counters: dict[str, int]
    accounts: list[AccountState]  # customers, and acceptors with their plain balance (`acceptor_balance`)

    def to_json(self) -> dict:
        return {"token": self.token, "block": self.block, "timestamp": self.timestamp, "genesis": self.genesis,
                "epoch_length": self.epoch_length, "validity": self.validity, "counters": self.counters,
                "accounts": [a.to_json() for a in self.accounts]}

    @classmethod
    def from_json(cls, d: dict) -> "Snapshot":
        return cls(d["token"], d["block"], d["timestamp"], d["genesis"], d["epoch_length"], d["validity"],
                   {k: int(v) for k, v in d["counters"].items()}, [AccountState.from_json(a) for a in d["accounts"]])


def counters(token, block: int) -> dict[str, int]:
    """The token's supply counters at `block` (the newer ones 0 where it lacks them)."""
    out = {name: getattr(token.functions, name)().call(block_identifier=block) for name in COUNTERS}
    out.update({name: optional(getattr(token.functions, name)(), block, 0) for name in NEWER_COUNTERS})
    return out


def holders(chain: Chain, address: str, start: int, block: int) -> list[str]:
    """Every address a Transfer of the token at `address` touched from `start` to `block`, and every account
    made an acceptor (a merchant nobody paid yet has no Transfer), sorted."""
    found: set[str] = set()
    for log in chain.logs(address, start, block, [[TRANSFER_TOPIC, ACCEPTOR_TOPIC]]):
        for topic in log["topics"][1:3]:
            found.add("0x" + bytes(topic)[-20:].hex())
    found.discard(ZERO)
    return sorted(Web3.to_checksum_address(a) for a in found)


def pending_entries(token, address: str, block: int) -> list[tuple[int, int]]:
    """The account's unreleased pending credits at `block`, (amount, release time); none on an old-layout token."""
    amounts, releases = optional(token.functions.pendingOf(address), block, ([], []))
    return [(int(a), int(r)) for a, r in zip(amounts, releases)]


def account_state(token, address: str, block: int, epoch: int, pending: tuple = ()) -> AccountState:
    """What `migrateAccounts` carries for `address`, read at `block` (in epoch `epoch`), with its pending
    credits `pending` (see servicecoin/migration/pending.py). Its lots include released pending credits."""
    f = token.functions
    lots = tuple((int(e), int(a)) for e, a, _ in f.lotsOf(address).call(block_identifier=block))
    qualifying = tuple(optional(f.qualifyingPoints(address), block, (0, 0)))
    return AccountState(address, lots, f.lifetimeEarned(address).call(block_identifier=block),
                        f.tierOf(address).call(block_identifier=block), (int(qualifying[0]), int(qualifying[1])),
                        tuple(pending), epoch)


def take(chain: Chain, address: str, block: int, start: int) -> Snapshot:
    """The old token at `address` as of `block`: holders from `start` (its creation block) on."""
    token = reader(chain, address)
    f = token.functions
    accounts = []
    epoch = f.currentEpoch().call(block_identifier=block)
    genesis, length = f.genesis().call(block_identifier=block), f.epochLength().call(block_identifier=block)
    customers = []
    for holder in holders(chain, address, start, block):
        if f.isAcceptor(holder).call(block_identifier=block):
            # A merchant: its status and plain balance move (zero too: it keeps accepting payments).
            accounts.append(AccountState(holder, (), 0, 0, acceptor_balance=f.balanceOf(holder).call(block_identifier=block)))
            continue
        customers.append(holder)
    entries = {holder: pending_entries(token, holder, block) for holder in customers}
    pending: dict = {}
    if any(entries.values()):
        pending = match_pending({a: e for a, e in entries.items() if e},
                                pending_candidates(chain, address, start, block, genesis, length))
    for holder in customers:
        state = account_state(token, holder, block, epoch, pending.get(holder, ()))
        if not state.empty:
            accounts.append(state)
    return Snapshot(token.address, block, chain.w3.eth.get_block(block)["timestamp"], genesis, length,
                    f.validityEpochs().call(block_identifier=block), counters(token, block), accounts)
