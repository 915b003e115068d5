"""Pending points on the token, through the index: pending credits are outside the balance until their
window closes (then spendable with no transaction), a cancel is neither a spend nor a balance, and the
index's pending, cancelled and supply figures equal the token's counters at the same block."""

from brownie import chain as brownie_chain, web3

from servicecoin.index import ledger, pending
from servicecoin.reports.transparency import chain_totals, transparency
from servicecoin.statement import chain_view, statement

WINDOW = 3_600


def at_cursor(db):
    at = int(db.meta("cursor"))
    return at, web3.eth.get_block(at)["timestamp"]


def test_pending_points_follow_the_token(token, admin, issuer, spender, alice, bob, db, indexer, svc_chain):
    token.setPendingPolicy(1, WINDOW, {"from": admin})  # purchases wait an hour
    token.issue(alice, 500, 0, web3.keccak(text="order-a"), {"from": issuer})
    token.issue(bob, 300, 0, web3.keccak(text="order-b"), {"from": issuer})
    token.issue(alice, 200, 2, web3.keccak(text="survey"), {"from": issuer})  # a survey: spendable at once
    token.cancelPending(web3.keccak(text="order-b"), bob, {"from": issuer})  # bob returned his purchase
    indexer.run()
    at, now = at_cursor(db)
    a = str(alice).lower()
    assert ledger.balance(db, a, now) == token.balanceOf(alice, block_identifier=at)
    assert pending.pending_total(db, now) == token.totalPending(block_identifier=at) > 0
    assert pending.cancelled_total(db) == token.totalCancelled(block_identifier=at) > 0
    assert ledger.balance(db, str(bob).lower(), now) == 0
    # Lifetime (tiers) counts a pending credit only from its release, never a cancelled one: as the token does.
    assert ledger.lifetime(db, a, now) == token.lifetimeEarned(alice, block_identifier=at) == 200
    assert ledger.lifetime(db, str(bob).lower(), now) == token.lifetimeEarned(bob, block_identifier=at) == 0
    report = transparency(db, chain_totals(svc_chain, db), now=now)
    assert report["identity"]["balanced"] and report["reconciliation"]["reconciled"], report["reconciliation"]
    assert report["spent"]["total"] == 0  # the cancel is no spend
    s = statement(db, a, on_chain=chain_view(svc_chain, db, a))
    assert s["chain"]["matches"] and s["pending"]["amount"] == token.totalPending(block_identifier=at)
    assert s["pending"]["credits"][0]["text"].endswith("pending until " + s["pending"]["credits"][0]["release"][:10])

    brownie_chain.sleep(WINDOW + 1)
    brownie_chain.mine()
    token.spend(alice, 100, {"from": spender})  # released points are spendable, oldest first
    indexer.run()
    at, now = at_cursor(db)
    assert ledger.balance(db, a, now) == token.balanceOf(alice, block_identifier=at)
    assert [(l["epoch"], l["amount"]) for l in ledger.lots(db, a, now)] == \
        [(int(e), int(n)) for e, n, _ in token.lotsOf(alice, block_identifier=at)]
    assert pending.pending_total(db, now) == token.totalPending(block_identifier=at) == 0
    assert ledger.lifetime(db, a, now) == token.lifetimeEarned(alice, block_identifier=at) == 700
    report = transparency(db, chain_totals(svc_chain, db), now=now)
    assert report["identity"]["balanced"] and report["reconciliation"]["reconciled"], report["reconciliation"]
