"""Helpers the report tests share: time travel and the empty reference."""

from brownie import chain

DAY = 86_400
NOREF = "0x" + "00" * 32


def advance(days=1):
    chain.sleep(int(DAY * days))
    chain.mine()
