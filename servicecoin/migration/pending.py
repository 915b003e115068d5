"""The pending credits of an old token, with the issuer and key each was made under.

`pendingOf` gives an account's unreleased credits as (amount, release time) only; `migrateAccounts` also
needs the epoch each was earned in and the issuer and key (ref or batch id) that `cancelPending` takes, so
the issuer can still cancel them on the new token. They are read from the old token's events, by their
agreed signatures (an old token's ABI file may predate them):

- `PendingPolicySet(reasonMask, window)`: which reasons were pending, and for how long, from when on;
- `Issued(to, issuer, reason, amount, baseAmount, ref)`: a single credit (key: its ref);
- `BatchIssued(batchId, issuer, reason, …)` with the `Transfer`s from the zero address of its transaction:
  a batch's credits (key: the batch id).

A credit made while its reason was pending is released at its block's time plus the window then. Each of
an account's `pendingOf` entries is matched to one such credit with its amount and release time, made to
that account, or (after a wallet recovery moved it) to another address; a credit is matched once. An
entry that matches none stops the migration with its account, amount and release time named.
"""

from __future__ import annotations

from collections import defaultdict

from eth_abi import decode
from eth_utils import keccak
from web3 import Web3

from servicecoin.chain import Chain
from servicecoin.errors import ConfigError
from servicecoin.migration.accounts import PendingLot


def _topic(signature: str) -> str:
    return "0x" + keccak(text=signature).hex()


POLICY = _topic("PendingPolicySet(uint8,uint256)")
ISSUED = _topic("Issued(address,address,uint8,uint256,uint256,bytes32)")
BATCH = _topic("BatchIssued(bytes32,address,uint8,uint256,uint256)")
TRANSFER = _topic("Transfer(address,address,uint256)")
ZERO_TOPIC = "0x" + "00" * 32


def _hex(value) -> str:
    return "0x" + bytes(value).hex()


def _address(topic) -> str:
    return Web3.to_checksum_address(bytes(topic)[-20:])


def pending_candidates(chain: Chain, address: str, start: int, block: int, genesis: int,
                       epoch_length: int) -> list[dict]:
    """Every credit the token made as pending from `start` to `block`, whose release is after `block`'s
    time: {to, amount, epoch, release, issuer, key}, in chain order."""
    now = chain.w3.eth.get_block(block)["timestamp"]
    logs = chain.logs(address, start, block)
    mask, window = 0, 0
    times: dict[int, int] = {}
    minted: dict[str, list] = defaultdict(list)  # tx hash → its Transfers from 0: (to, amount)
    for log in logs:
        if log["topics"][0].hex().removeprefix("0x") == TRANSFER[2:] and _hex(log["topics"][1]) == ZERO_TOPIC:
            minted[_hex(log["transactionHash"])].append((_address(log["topics"][2]), decode(["uint256"], log["data"])[0]))
    out: list[dict] = []
    for log in logs:
        topic = "0x" + log["topics"][0].hex().removeprefix("0x")
        if topic == POLICY:
            mask, window = decode(["uint8", "uint256"], log["data"])
            continue
        if topic not in (ISSUED, BATCH) or not (mask >> int.from_bytes(bytes(log["topics"][3]), "big")) & 1:
            continue
        number = log["blockNumber"]
        if number not in times:
            times[number] = chain.w3.eth.get_block(number)["timestamp"]
        release = times[number] + window
        if release <= now:
            continue  # released by the snapshot: in the account's lots
        issuer = _address(log["topics"][2])
        epoch = (times[number] - genesis) // epoch_length
        if topic == ISSUED:
            amount, _, ref = decode(["uint256", "uint256", "bytes32"], log["data"])
            credits = [(_address(log["topics"][1]), amount, _hex(ref))]
        else:
            key = _hex(log["topics"][1])
            credits = [(to, amount, key) for to, amount in minted[_hex(log["transactionHash"])]]
        out += [{"to": to, "amount": amount, "epoch": epoch, "release": release, "issuer": issuer, "key": key}
                for to, amount, key in credits]
    return out


def match_pending(entries: dict[str, list[tuple[int, int]]], candidates: list[dict]) -> dict[str, tuple[PendingLot, ...]]:
    """The credits behind each account's `pendingOf` entries (amount, release), keyed like `entries`: first
    the credits made to the account itself, then, for what is left, credits a recovery moved to it from
    another address. Each credit is matched once."""
    left = list(candidates)
    found: dict[str, list[PendingLot]] = {a: [] for a in entries}
    todo: list[tuple[str, int, int]] = []
    for own_only in (True, False):
        for address, wanted in (entries.items() if own_only else [(a, [(m, r)]) for a, m, r in todo]):
            for amount, release in wanted:
                pick = next((c for c in left if c["amount"] == amount and c["release"] == release
                             and (not own_only or c["to"].lower() == address.lower())), None)
                if pick is None:
                    if own_only:
                        todo.append((address, amount, release))
                        continue
                    raise ConfigError(f"{address}: a pending credit of {amount} raw points released at {release} "
                                      f"matches no pending Issued or BatchIssued event of the old token")
                left.remove(pick)
                found[address].append(PendingLot(pick["amount"], pick["epoch"], pick["release"], pick["issuer"],
                                                 pick["key"]))
    return {a: tuple(sorted(p, key=lambda x: (x.release, x.key))) for a, p in found.items()}
