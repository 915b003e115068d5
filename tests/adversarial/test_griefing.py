"""Griefing with dust: batches of 1-unit credits cost bounded gas per recipient, and many dust
credits to one customer over many epochs never grow her lots past the validity window (so spending
them stays cheap) nor break the supply."""

from brownie import chain, web3

from tests.tokenkit import DAY, NOREF

VALIDITY = 3  # tests/conftest.py's token: one-day epochs, three epochs of validity


def test_dust_batch_costs_bounded_gas_per_recipient(token, issuer):
    recipients = [web3.to_checksum_address(web3.keccak(text=f"dust-{i}")[:20]) for i in range(200)]
    tx = token.issueBatch(web3.keccak(text="dust"), recipients, [1] * len(recipients), 5, {"from": issuer})
    assert all(token.balanceOf(r) == 1 for r in recipients[:5] + recipients[-5:])
    assert tx.gas_used / len(recipients) < 60_000, tx.gas_used


def test_one_recipient_repeated_in_a_dust_batch_gets_one_lot(token, issuer, alice):
    tx = token.issueBatch(web3.keccak(text="dust-1"), [alice] * 300, [1] * 300, 5, {"from": issuer})
    assert token.balanceOf(alice) == 300
    assert len(token.lotsOf(alice)) == 1
    assert tx.gas_used < 300 * 15_000, tx.gas_used


def test_dust_every_epoch_keeps_lots_bounded_and_spending_cheap(token, issuer, spender, alice):
    for epoch in range(12):
        for i in range(3):
            token.issue(alice, 1, 0, NOREF, {"from": issuer})
        assert len(token.lotsOf(alice)) <= VALIDITY + 1
        chain.sleep(DAY)
        chain.mine()
    live = token.balanceOf(alice)
    assert 0 < live <= 3 * (VALIDITY + 1)
    assert token.totalSupply() == token.totalIssued() - token.totalBurned() - token.totalExpired() == live
    tx = token.spend(alice, live, {"from": spender})
    assert token.balanceOf(alice) == 0 and tx.gas_used < 150_000, tx.gas_used
