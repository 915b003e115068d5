"""What some RewardToken events need from around them, read before the replay, and the events of an
old-layout token that the current ABI no longer has.

    AccountMigrated  the account's record of the migrateAccounts input (lots with epochs, pending credits)
    Transfer         the burn just before a PendingCancelled of the same account and amount is marked
                     `pending_cancel` (a cancelled pending credit leaving, not a spend)
"""

from __future__ import annotations

from functools import lru_cache

from servicecoin.chain import Chain
from servicecoin.index.events import ZERO, EventAbi, Log, event_abis


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
    """Put into the logs' arguments what the replay needs from their transaction (`token`: the RewardToken)."""
    from servicecoin.migration.codec import decode

    cache: dict[str, bytes] = {}
    records: dict[str, dict] = {}
    for n, log in enumerate(logs):
        if log.contract != "RewardToken":
            continue
        if log.name == "PendingCancelled":
            burn = next((b for b in reversed(logs[:n]) if b.tx_hash == log.tx_hash and b.name == "Transfer"
                         and b.args["from"] == log.args["recipient"] and b.args["to"] == ZERO
                         and b.args["value"] == log.args["amount"] and not b.args.get("pending_cancel")), None)
            if burn is not None:
                burn.args["pending_cancel"] = True
        elif log.name == "AccountMigrated":
            if log.tx_hash not in records:
                call = _call_args(chain, _input(chain, log.tx_hash, cache))
                packed = next(iter(call[1].values())) if call and call[0] == "migrateAccounts" else b""  # its one argument
                records[log.tx_hash] = {r.address.lower(): r for r in decode(bytes(packed))}
            log.args["record"] = records[log.tx_hash].get(log.args["account"])
