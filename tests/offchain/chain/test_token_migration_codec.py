"""The packed bytes of RewardToken.migrateAccounts: layout, round trip, refusals and chunking (no chain; the
contract side is tests/contracts/reward_token/test_migration.py)."""

import pytest

from servicecoin.errors import ChainError
from servicecoin.token_migration_codec import (MigratedAccount, MigratedPending, chunks, decode_accounts,
                                               encode_account, encode_accounts)

ALICE = "0x" + "11" * 20
ISSUER = "0x" + "22" * 20


def account(**over):
    fields = dict(address=ALICE, lots=[(3, 1_000), (4, 250)], lifetime=5_000, qualifying_current=700,
                  qualifying_last=1_200, last_epoch=4, tier=2,
                  pending=[MigratedPending(300, 4, 1_700_000_000, ISSUER, b"\x07" * 32)])
    fields.update(over)
    return MigratedAccount(**fields)


def test_layout_is_big_endian_without_padding():
    raw = encode_account(account())
    assert len(raw) == 20 + 1 + 2 * 8 + 6 + 4 + 4 + 2 + 1 + 1 + 66
    assert raw[:20] == bytes.fromhex("11" * 20) and raw[20] == 2
    assert raw[21:29] == (3).to_bytes(2, "big") + (1_000).to_bytes(6, "big")
    tail = raw[-66:]
    assert tail[:6] == (300).to_bytes(6, "big") and tail[6:8] == (4).to_bytes(2, "big")
    assert tail[14:34] == bytes.fromhex("22" * 20) and tail[34:] == b"\x07" * 32


def test_round_trip():
    accounts = [account(), account(address="0x" + "33" * 20, lots=[], pending=[], tier=0)]
    assert decode_accounts(encode_accounts(accounts)) == accounts


@pytest.mark.parametrize("bad", [
    dict(lots=[(4, 1), (3, 1)]),  # not oldest first
    dict(lots=[(3, 1), (3, 2)]),  # two lots of one epoch
    dict(tier=4),
    dict(qualifying_current=1 << 27),
    dict(lifetime=1 << 48),
    dict(lots=[(1 << 16, 1)]),
    dict(address="0x1234"),
    dict(pending=[MigratedPending(1, 0, 0, ISSUER, b"short")]),
])
def test_refuses_what_the_contract_would(bad):
    with pytest.raises(ChainError):
        encode_account(account(**bad))


def test_chunks_keep_records_whole():
    accounts = [account(address="0x" + f"{i:040x}") for i in range(1, 40)]
    size = len(encode_account(accounts[0]))
    parts = chunks(accounts, max_bytes=size * 5 + 1)
    assert all(len(p) <= size * 5 for p in parts) and len(parts) == 8
    assert b"".join(parts) == encode_accounts(accounts)
    assert decode_accounts(b"".join(parts)) == accounts


def test_truncated_bytes_are_refused():
    with pytest.raises(ChainError, match="truncated"):
        decode_accounts(encode_account(account())[:-1])
