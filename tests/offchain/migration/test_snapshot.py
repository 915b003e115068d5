"""The old token read for a migration: holders from its Transfer events, each account's lots (with their
epochs), lifetime and tier, its counters; an empty account is left out; the codec lays accounts out as the
interface says; batches are cut under the gas target."""

import pytest
from brownie import chain as brownie_chain
from eth_utils import keccak
from web3 import Web3

from servicecoin.errors import ChainError, ConfigError
from servicecoin.migration.accounts import AccountState, PendingLot
from servicecoin.migration.codec import decode, encode, record
from servicecoin.migration.plan import fit, make_plan
from servicecoin.migration.snapshot import take

from tests.offchain.migration.migrationkit import DAY, credit, deploy_legacy, pause


def person(label: str) -> str:
    return Web3.to_checksum_address(keccak(text=label)[-20:])


def test_snapshot_reads_every_account_with_its_lots_lifetime_and_tier(chain):
    token = deploy_legacy(chain)
    alice, bob, carol = person("alice"), person("bob"), person("carol")
    credit(chain, token, alice, 1_000)
    credit(chain, token, bob, 250)
    brownie_chain.sleep(DAY + 1)
    brownie_chain.mine()
    credit(chain, token, alice, 500)
    pause(chain, token)
    block = chain.w3.eth.block_number
    snap = take(chain, token.address, block, 0)
    states = {a.address: a for a in snap.accounts}
    assert set(states) == {alice, bob}
    assert carol not in states
    assert [amount for _, amount in states[alice].lots] == [1_000, 500]
    assert states[alice].lots[1][0] == states[alice].lots[0][0] + 1  # the second lot is one epoch later
    assert states[alice].lifetime == token.functions.lifetimeEarned(alice).call()
    assert states[bob].balance == 250
    assert snap.counters["totalSupply"] == 1_750 and snap.counters["totalPending"] == 0
    assert states[alice].touched == token.functions.currentEpoch().call()


def test_codec_lays_out_a_record_as_the_interface_says():
    a = AccountState("0x" + "ab" * 20, ((3, 1_000), (4, 5)), 1_005, 2, (7, 9),
                     (PendingLot(300, 3, 1_700_000_000, "0x" + "cd" * 20, "0x" + "ef" * 32),), 4)
    raw = record(a)
    assert len(raw) == 20 + 1 + 2 * 8 + 6 + 4 + 4 + 2 + 1 + 1 + 66
    assert raw[:20] == bytes.fromhex("ab" * 20) and raw[20] == 2
    assert raw[21:23] == (3).to_bytes(2, "big") and raw[23:29] == (1_000).to_bytes(6, "big")
    at = 21 + 16
    assert raw[at:at + 6] == (1_005).to_bytes(6, "big")
    assert raw[at + 6:at + 10] == (7).to_bytes(4, "big") and raw[at + 10:at + 14] == (9).to_bytes(4, "big")
    assert raw[at + 14:at + 16] == (4).to_bytes(2, "big") and raw[at + 16] == 2 and raw[at + 17] == 1
    assert raw[-66:-60] == (300).to_bytes(6, "big") and raw[-60:-58] == (3).to_bytes(2, "big")
    assert raw[-58:-52] == (1_700_000_000).to_bytes(6, "big")
    assert raw[-52:-32] == bytes.fromhex("cd" * 20)
    assert raw[-32:] == bytes.fromhex("ef" * 32)
    assert encode([a, a]) == raw + raw
    assert decode(raw + raw) == [a, a]


def test_codec_refuses_a_value_that_does_not_fit():
    a = AccountState("0x" + "ab" * 20, ((70_000, 1),), 1, 0)
    with pytest.raises(ChainError, match="lot epoch 70000"):
        record(a)


def test_batches_are_halved_until_the_estimate_fits():
    accounts = [AccountState(person(str(i)), ((1, 100),), 100, 0) for i in range(10)]
    estimate = lambda packed: 1_000 * len(packed)  # noqa: E731  a gas model of bytes: what fit() must respect
    parts = fit(accounts, encode, estimate, 200_000)
    assert sum(len(p) for p, _, _ in parts) == 10 and all(g <= 200_000 for _, _, g in parts)
    assert [a for p, _, _ in parts for a in p] == accounts  # order kept, nobody lost or doubled
    with pytest.raises(ConfigError, match="alone needs"):
        fit(accounts[:1], encode, estimate, 10_000)


def test_plan_is_in_address_order_and_under_the_target(chain):
    token = deploy_legacy(chain)
    for i in range(7):
        credit(chain, token, person(f"p{i}"), 100 + i)
    pause(chain, token)
    snap = take(chain, token.address, chain.w3.eth.block_number, 0)
    plan = make_plan(snap, "0x" + "11" * 20, encode, lambda packed: 50_000 * (len(packed) // 52), target=160_000)
    addresses = [a for b in plan.batches for a in b.recipients]
    assert addresses == sorted(addresses, key=str.lower) and len(addresses) == 7
    assert len(plan.batches) > 1 and all(b.estimated_gas <= 160_000 for b in plan.batches)
