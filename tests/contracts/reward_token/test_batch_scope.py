"""Batch ids are scoped by issuer: another issuer using a campaign's id first cannot block it."""

from tests.tokenkit import REASON, batch_id, reverts_with


def squatter(token, admin, who, budget=1):
    token.grantRole(token.ISSUER_ROLE(), who, {"from": admin})
    token.setIssuerBudget(who, budget, {"from": admin})
    return who


def test_another_issuer_using_the_id_first_does_not_block_the_batch(token, admin, issuer, alice, bob, stranger):
    bid = batch_id("campaign-7/batch-0")
    squat = token.issueBatch(bid, [bob], [1], REASON["campaign"], {"from": squatter(token, admin, stranger)})
    tx = token.issueBatch(bid, [alice], [500], REASON["campaign"], {"from": issuer})
    assert token.balanceOf(alice) == 500 and token.balanceOf(bob) == 1
    assert token.batchIssuedAt(issuer, bid) == tx.block_number
    assert token.batchIssuedAt(stranger, bid) == squat.block_number


def test_batch_views_answer_per_issuer(token, admin, issuer, alice, stranger):
    bid = batch_id("scoped")
    token.issueBatch(bid, [alice], [10], REASON["campaign"], {"from": issuer})
    assert token.isBatchUsed(issuer, bid) and not token.isBatchUsed(stranger, bid)
    assert token.batchIssuedAt(stranger, bid) == 0


def test_the_same_issuer_still_cannot_reuse_an_id(token, issuer, alice):
    bid = batch_id("once")
    first = token.issueBatch(bid, [alice], [10], REASON["campaign"], {"from": issuer})
    with reverts_with("BatchAlreadyUsed"):
        token.issueBatch(bid, [alice], [10], REASON["campaign"], {"from": issuer})
    assert token.batchIssuedAt(issuer, bid) == first.block_number and token.balanceOf(alice) == 10
