"""What some RewardToken events leave to their transaction's input, read before the replay, and the
events of an old-layout token that the current ABI no longer has.

    BatchIssued      of a batch that minted nothing (every credit pending): its recipients and amounts
    AccountMigrated  the account's record of the migrateAccounts input (lots with epochs, pending credits)
"""

from __future__ import annotations

from functools import lru_cache

from servicecoin.chain import Chain
from servicecoin.index.events import EventAbi, Log, event_abis


@lru_cache(maxsize=1)
def legacy_decoders() -> tuple[EventAbi, ...]:
    """The old-layout RewardToken's events (one PointsExpired per lot), decoded under their own topics."""
    from servicecoin.migration.snapshot import legacy_abi

    return tuple(event_abis("RewardToken", legacy_abi()))


def _input(chain: Chain, tx_hash: str, cache: dict) -> bytes:
    if tx_hash not in cache:
        cache[tx_hash] = bytes(chain.w3.eth.get_transaction(tx_hash)["input"])
    return cache[tx_hash]


def _call_args(chain: Chain, data: bytes) -> tuple[str, dict] | None:
    """The RewardToken function and arguments of a transaction input (None for another contract's call: a
    batch sent through a multisig or a helper contract)."""
    token = chain.w3.eth.contract(abi=_token_abi())
    try:
        fn, args = token.decode_function_input(data)
    except ValueError:
        return None
    return fn.fn_name, args


@lru_cache(maxsize=1)
def _token_abi() -> tuple:
    from servicecoin.chain import artifact
    from servicecoin.migration.newtoken import MIGRATION_ABI

    abi = artifact("RewardToken")["abi"]
    names = {i.get("name") for i in abi}
    return tuple(abi + [i for i in MIGRATION_ABI if i["name"] not in names])


def attach_token_inputs(chain: Chain, logs: list[Log], token: str) -> None:
    """Put into the logs' arguments what only their transaction's input holds (`token`: the RewardToken)."""
    from servicecoin.migration.codec import decode

    minted = {log.tx_hash for log in logs if log.contract == "RewardToken" and log.name == "Transfer"
              and log.args["from"] == "0x" + "00" * 20}
    cache: dict[str, bytes] = {}
    records: dict[str, dict] = {}
    for log in logs:
        if log.contract != "RewardToken":
            continue
        if log.name == "BatchIssued" and log.tx_hash not in minted:
            call = _call_args(chain, _input(chain, log.tx_hash, cache))
            if call and call[0] == "issueBatch":
                credits = [(str(to).lower(), int(n)) for to, n in zip(call[1]["recipients"], call[1]["amounts"])]
                if sum(n for _, n in credits) != log.args["total"]:  # tier multipliers: the token's own amounts
                    credits = _pending_amounts(chain, token, log.block, [to for to, _ in credits])
                log.args["credits"] = credits
        elif log.name == "AccountMigrated":
            if log.tx_hash not in records:
                call = _call_args(chain, _input(chain, log.tx_hash, cache))
                packed = next(iter(call[1].values())) if call and call[0] == "migrateAccounts" else b""  # its one argument
                records[log.tx_hash] = {r.address.lower(): r for r in decode(bytes(packed))}
            log.args["record"] = records[log.tx_hash].get(log.args["account"])


def _pending_amounts(chain: Chain, token: str, block: int, recipients: list[str]) -> list[tuple[str, int]]:
    """Each recipient's pending credit made by a batch in `block`, as the token holds it after the tier
    multiplier: the newest entry of `pendingOf` at that block (credits of one block share the newest release)."""
    from web3 import Web3

    from servicecoin.migration.snapshot import optional, reader

    f = reader(chain, token).functions
    out = []
    for to in recipients:
        amounts, releases = optional(f.pendingOf(Web3.to_checksum_address(to)), block, ([], []))
        newest = max(releases, default=None)
        out.append((to, int(amounts[max(i for i, r in enumerate(releases) if r == newest)]) if releases else 0))
    return out
