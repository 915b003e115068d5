"""A wallet recovery in the index: the completion's Transfer moves the lots (epochs kept), its
WalletRecovered row is what statements show, once in each address's history, and lifetime earned
(so the tier) follows the move, so balances, lots and tiers still match the chain."""

from brownie import chain, web3

from servicecoin.reports.text import format_statement
from servicecoin.statement import chain_view, statement

DAY = 86_400
NOREF = "0x" + "00" * 32


def advance(seconds):
    chain.sleep(seconds)
    chain.mine()


def recover(token, admin, old, new):
    token.startRecovery(old, new, {"from": admin})
    advance(token.recoveryDelay() + 1)
    return token.completeRecovery(old, {"from": new})


def test_a_recovery_moves_balances_lots_and_tier_in_the_index(token, admin, issuer, merchant, alice, bob, db,
                                                              indexer, matches_chain, svc_chain):
    token.setRecoveryDelay(DAY // 2, {"from": admin})
    token.setTiers([0, 500], [10_000, 15_000], {"from": admin})
    token.issue(alice, 300, 0, NOREF, {"from": issuer})
    token.issue(bob, 20, 0, NOREF, {"from": issuer})
    advance(DAY)
    token.issue(alice, 250, 0, NOREF, {"from": issuer})  # alice reaches tier 1
    token.issue(bob, 15, 0, NOREF, {"from": issuer})
    token.transfer(merchant, 50, {"from": alice})
    advance(DAY)
    token.issue(alice, 10, 0, NOREF, {"from": issuer})  # x1.5
    indexer.run()  # the index holds alice's lots before the move
    advance(DAY)  # alice's first lot expires during the delay: the completion sweeps it
    tx = recover(token, admin, alice, bob)
    assert tx.events["PointsExpired"][0]["account"] == alice
    indexer.run()
    matches_chain(db, [alice, bob, merchant])
    assert token.tierOf(bob) == 1 and token.balanceOf(alice) == 0

    rows = db.query("SELECT sender, recipient, amount, lifetime, lots FROM recoveries")
    ev = tx.events["WalletRecovered"]
    assert rows == [(str(alice).lower(), str(bob).lower(), ev["amount"], ev["lifetime"],
                     "[" + ", ".join(f"[{e}, {a}]" for e, a in zip(ev["epochs"], ev["amounts"])) + "]")]

    old = statement(db, str(alice), on_chain=chain_view(svc_chain, db, str(alice)))
    new = statement(db, str(bob), on_chain=chain_view(svc_chain, db, str(bob)))
    assert old["chain"]["matches"] and new["chain"]["matches"]
    moved = [h for h in old["history"] if h["kind"].startswith("recovered")]
    assert [(h["kind"], h["amount"], h["to"]) for h in moved] == [("recovered to", -ev["amount"], str(bob).lower())]
    got = [h for h in new["history"] if h["kind"].startswith("recovered")]
    assert [(h["kind"], h["amount"], h["from"], h["lifetime"]) for h in got] == \
        [("recovered from", ev["amount"], str(alice).lower(), ev["lifetime"])]
    assert got[0]["lots"] == [{"epoch": e, "amount": a} for e, a in zip(ev["epochs"], ev["amounts"])]
    assert not [h for h in old["history"] + new["history"] if h["kind"].startswith("transfer") and h["tx"] == got[0]["tx"]]
    assert old["totals"]["recovered_out"] == new["totals"]["recovered_in"] == ev["amount"]
    assert old["totals"]["transferred_out"] == 50 and new["totals"]["transferred_in"] == 0
    assert new["lifetime_earned"] == 20 + 15 + ev["lifetime"] and old["lifetime_earned"] == 0
    assert "wallet recovered from" in format_statement(new)


def test_the_old_address_earns_from_zero_and_can_be_recovered_again(token, admin, issuer, alice, bob, carol, db,
                                                                   indexer, matches_chain):
    token.setRecoveryDelay(0, {"from": admin})
    token.issue(alice, 100, 0, NOREF, {"from": issuer})
    recover(token, admin, alice, bob)
    token.issue(alice, 7, 0, NOREF, {"from": issuer})  # a stray credit on the old address
    indexer.run()
    matches_chain(db, [alice, bob])
    recover(token, admin, alice, bob)
    token.issue(bob, 3, 0, NOREF, {"from": issuer})
    recover(token, admin, bob, carol)  # and bob loses his wallet too
    indexer.run()
    matches_chain(db, [alice, bob, carol])
    assert statement(db, str(carol))["lifetime_earned"] == token.lifetimeEarned(carol) == 110


def test_a_cancelled_recovery_leaves_balances_alone(token, admin, issuer, merchant, alice, bob, db, indexer,
                                                    matches_chain):
    token.issue(alice, 100, 0, NOREF, {"from": issuer})
    token.startRecovery(alice, bob, {"from": admin})
    token.cancelRecovery(alice, {"from": alice})
    token.transfer(merchant, 40, {"from": alice})
    indexer.run()
    matches_chain(db, [alice, bob, merchant])
    names = [n for n, in db.query("SELECT name FROM events WHERE name LIKE 'Recovery%' ORDER BY block, log_index")]
    assert names == ["RecoveryStarted", "RecoveryCancelled"]
    assert db.query("SELECT COUNT(*) FROM recoveries") == [(0,)]
    assert [h["kind"] for h in statement(db, str(alice))["history"]] == ["credit", "transfer out"]


def test_incremental_runs_split_around_a_recovery_equal_one_run(token, admin, issuer, alice, bob, db, make_indexer,
                                                                 tmp_path, dumped):
    from servicecoin.index import open_db

    token.setRecoveryDelay(0, {"from": admin})
    token.issue(alice, 100, 0, NOREF, {"from": issuer})
    make_indexer(db).run()
    recover(token, admin, alice, bob)
    make_indexer(db).run()
    token.issue(bob, 5, 0, web3.keccak(text="after"), {"from": issuer})
    make_indexer(db).run()
    whole = open_db(str(tmp_path / "whole.sqlite"), "development")
    make_indexer(whole).run()
    assert dumped(whole) == dumped(db)
    whole.close()
