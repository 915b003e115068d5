"""Expiry by epoch, FIFO spending, reminders and lots (1-day epochs, 3 epochs of validity)."""

from brownie import chain
from tests.tokenkit import EPOCH, NOREF, VALIDITY, deploy_token, reverts_with


def advance(epochs=1):
    chain.sleep(EPOCH * epochs)
    chain.mine()


def test_points_expire_after_validity(token, issuer, alice):
    token.issue(alice, 100, 0, NOREF, {"from": issuer})
    e = token.currentEpoch()
    lot = token.lotsOf(alice)[0]
    assert lot["epoch"] == e and lot["amount"] == 100 and lot["expiresAt"] == token.expiryOfEpoch(e)
    advance(VALIDITY - 1)
    assert token.balanceOf(alice) == 100
    chain.sleep(token.expiryOfEpoch(e) - chain.time())
    chain.mine()
    assert token.balanceOf(alice) == 0
    assert token.totalSupply() == 0
    assert token.totalExpired() == 100
    assert token.totalIssued() == 100


def test_expiry_time_is_epoch_aligned(token):
    e = token.currentEpoch()
    assert token.expiryOfEpoch(e) == token.genesis() + (e + VALIDITY) * EPOCH


def test_spending_takes_oldest_first(token, issuer, alice, merchant):
    token.issue(alice, 10, 0, NOREF, {"from": issuer})
    advance()
    token.issue(alice, 20, 0, NOREF, {"from": issuer})
    advance()
    token.issue(alice, 30, 0, NOREF, {"from": issuer})
    token.transfer(merchant, 25, {"from": alice})
    lots = token.lotsOf(alice)
    assert [l["amount"] for l in lots] == [5, 30]
    advance()
    assert token.balanceOf(alice) == 35  # the epoch+1 lot still lives one more epoch
    advance()  # now it expires
    assert token.balanceOf(alice) == 30
    assert token.totalExpired() == 5


def test_expired_points_cannot_be_spent(token, issuer, alice, merchant):
    token.issue(alice, 100, 0, NOREF, {"from": issuer})
    advance(VALIDITY)
    with reverts_with("ERC20InsufficientBalance"):
        token.transfer(merchant, 1, {"from": alice})


def test_spend_sweeps_expired_lots_with_events(token, issuer, alice, merchant):
    token.issue(alice, 100, 0, NOREF, {"from": issuer})
    e = token.currentEpoch()
    advance(VALIDITY)
    assert token.balanceOf(alice) == 0  # expired before any transaction touched the account
    tx = token.transfer(merchant, 0, {"from": alice})
    ev = tx.events["PointsExpired"]
    assert ev["account"] == alice and (ev["fromEpoch"], ev["toEpoch"]) == (e, e) and ev["amount"] == 100
    assert token.lotsOf(alice) == []
    assert token.totalExpired() == 100
    tx = token.issue(alice, 40, 0, NOREF, {"from": issuer})
    assert "PointsExpired" not in tx.events
    assert token.balanceOf(alice) == 40


def test_issue_sweeps_and_reuses_ring(token, issuer, alice):
    for _ in range(VALIDITY * 4):
        token.issue(alice, 1, 0, NOREF, {"from": issuer})
        advance()
    assert token.balanceOf(alice) == VALIDITY - 1 + 0  # last VALIDITY-1 epochs' credits still live
    assert len(token.lotsOf(alice)) == VALIDITY - 1


def test_expiring_before(token, issuer, alice):
    token.issue(alice, 10, 0, NOREF, {"from": issuer})
    first = token.expiryOfEpoch(token.currentEpoch())
    advance()
    token.issue(alice, 20, 0, NOREF, {"from": issuer})
    second = token.expiryOfEpoch(token.currentEpoch())
    assert token.expiringBefore(alice, first - 1) == 0
    assert token.expiringBefore(alice, first) == 10
    assert token.expiringBefore(alice, second) == 30


def test_same_epoch_credits_merge_into_one_lot(token, issuer, alice):
    token.issue(alice, 10, 0, NOREF, {"from": issuer})
    token.issue(alice, 15, 0, NOREF, {"from": issuer})
    assert len(token.lotsOf(alice)) == 1
    assert token.lotsOf(alice)[0]["amount"] == 25


def test_long_ring_with_twelve_epochs(admin, issuer, pauser, merchant, spender, alice):
    token = deploy_token(admin, issuer, pauser, merchant, spender, validity=12)
    for i in range(14):
        token.issue(alice, 100 + i, 0, NOREF, {"from": issuer})
        advance()
    lots = token.lotsOf(alice)
    assert len(lots) == 11  # the epoch just entered has no lot; 11 older ones live
    assert [l["amount"] for l in lots] == [100 + i for i in range(3, 14)]
    token.transfer(merchant, 103 + 104 + 50, {"from": alice})
    assert token.lotsOf(alice)[0]["amount"] == 105 - 50
    assert token.balanceOf(alice) == sum(100 + i for i in range(3, 14)) - 257


def test_fifo_with_burn(token, issuer, alice):
    token.issue(alice, 10, 0, NOREF, {"from": issuer})
    advance()
    token.issue(alice, 10, 0, NOREF, {"from": issuer})
    token.burn(15, {"from": alice})
    assert [l["amount"] for l in token.lotsOf(alice)] == [5]
    assert token.totalBurned() == 15
    assert token.totalSupply() == 5
