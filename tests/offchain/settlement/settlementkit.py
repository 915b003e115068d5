"""Alliance history helpers: days that end on an epoch boundary with a block just before it, and the
customers' liability read from the chain at that block."""

from brownie import chain, web3

DAY = 86_400


def close_day(epoch_length: int, start: int, boundaries: dict) -> int:
    """Mine a block one second before the next epoch boundary (recorded in `boundaries`), then one at it."""
    now = web3.eth.get_block("latest")["timestamp"]
    boundary = start + ((now - start) // epoch_length + 1) * epoch_length
    _mine_at(boundary - 1)
    boundaries[boundary] = web3.eth.block_number
    _mine_at(boundary)
    return boundary


def _mine_at(ts: int) -> None:
    web3.provider.make_request("evm_setNextBlockTimestamp", [ts])
    chain.mine()
    assert web3.eth.get_block("latest")["timestamp"] == ts


def chain_liability(token, customers, block: int) -> int:
    """What customers hold at `block` (the token's own balances)."""
    return sum(token.balanceOf(c, block_identifier=block) for c in customers)
