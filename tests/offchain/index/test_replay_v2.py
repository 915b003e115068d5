"""The issue-14 events in the index, replayed from decoded logs into a real database: one expiry event per
sweep, pending credits (pending until their release, then spendable without any event, or cancelled),
and the supply identity the transparency report checks."""

import pytest

from servicecoin.errors import ChainError
from servicecoin.index import ledger, pending
from servicecoin.index.events import ZERO
from servicecoin.reports.transparency import transparency

from tests.offchain.index.replaykit import A, PENDING_PURCHASES, SURVEY, Chain, cancel, db, mint  # noqa: F401  (db: a fixture)

def test_one_sweep_removes_every_expired_lot_it_names(db):
    c = Chain(db)
    c.tx(5, *mint(A, 10))
    c.tx(105, *mint(A, 20))
    c.tx(150, *mint(A, 7))
    c.tx(350, ("PointsExpired", {"account": A, "amount": 37, "fromEpoch": 0, "toEpoch": 1}))
    assert ledger.lots(db, A, 350) == []
    assert ledger.expired_total(db, 350) == 37
    assert db.query("SELECT amount, from_epoch, to_epoch FROM expiry_sweeps") == [(37, 0, 1)]
    assert db.scalar("SELECT COUNT(*) FROM expirations") == 1


def test_a_sweep_that_disagrees_with_the_indexed_lots_is_refused(db):
    c = Chain(db)
    c.tx(5, *mint(A, 10))
    with pytest.raises(ChainError, match="sweeps 11 expired points of epochs 0-0"):
        c.tx(250, ("PointsExpired", {"account": A, "amount": 11, "fromEpoch": 0, "toEpoch": 0}))


def test_the_old_layouts_one_event_per_lot_is_still_read(db):
    c = Chain(db)
    c.tx(5, *mint(A, 10))
    c.tx(250, ("PointsExpired", {"account": A, "epoch": 0, "amount": 10}))
    assert ledger.expired_total(db, 250) == 10 and ledger.lots(db, A, 250) == []


def test_a_pending_credit_waits_for_its_release_then_is_spent_oldest_first(db):
    c = Chain(db)
    c.tx(1, PENDING_PURCHASES)
    c.tx(10, *mint(A, 40))
    assert [p["amount"] for p in pending.pending_of(db, A, 20)] == [40]
    assert pending.pending_of(db, A, 20)[0]["release"] == 60
    assert ledger.balance(db, A, 20) == 0 and pending.pending_total(db, 20) == 40
    assert ledger.balance(db, A, 60) == 40 and pending.pending_total(db, 60) == 0  # released: no event needed
    c.tx(70, *mint(A, 5, "0x" + "05" * 32, SURVEY))
    c.tx(80, ("Transfer", {"from": A, "to": ZERO, "value": 42}))
    assert ledger.lots(db, A, 80) == [{"epoch": 0, "amount": 3, "expires_at": 200}]
    report = transparency(db, now=80)
    assert report["identity"]["balanced"], report["identity"]
    assert report["pending"]["points"] == 0 and report["issued"]["total"] == 45


def test_a_cancelled_pending_credit_never_becomes_spendable(db):
    c = Chain(db)
    c.tx(1, PENDING_PURCHASES)
    c.tx(10, *mint(A, 40))
    c.tx(20, *cancel(A, 40))
    assert pending.pending_of(db, A, 30) == [] and ledger.balance(db, A, 100) == 0
    assert pending.cancelled_total(db) == 40
    report = transparency(db, now=100)
    assert report["identity"]["balanced"] and report["pending"]["cancelled"] == 40
    assert report["spent"]["total"] == 0  # the cancel's burn is no spend


def test_transparency_shows_pending_apart_from_outstanding(db):
    c = Chain(db)
    c.tx(1, PENDING_PURCHASES)
    c.tx(5, *mint(A, 10, "0x" + "02" * 32, SURVEY))
    c.tx(10, *mint(A, 40))
    report = transparency(db, now=20)
    assert report["outstanding"]["customers"] == 10 and report["pending"]["points"] == 40
    assert report["identity"]["balanced"]
