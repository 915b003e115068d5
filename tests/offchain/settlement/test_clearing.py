"""The settlement statement: figures of a worked history, breakage shares, terms changes, the zero-sum
check on random histories (liability read from the token), and byte-identical JSON from two indexes."""

import tempfile
from pathlib import Path

from brownie import chain
from hypothesis import HealthCheck, given, settings, strategies as st

from servicecoin.index import open_db
from servicecoin.index.ledger import Epochs
from servicecoin.settlement.clearing import settlement_statement
from servicecoin.settlement.document import canonical
from servicecoin.settlement.periods import parse_period
from tests.offchain.settlement.settlementkit import chain_liability, close_day
from tests.tokenkit import NOREF, UNIT


def statement_of(db, epoch):
    return settlement_statement(db, parse_period(str(epoch), "epoch", Epochs.of(db)))


def by_address(s):
    return {m["address"]: m for m in s["merchants"]}


def worked_history(token, vault, alliance, house, merchant, merchant2, alice, bob):
    """Epoch 0: the house, merchant and merchant2 issue 100, 200, 100; alice pays merchant2 150, bob redeems
    merchant2's 40-point gift. Epochs 1-3 pass: the rest of epoch 0's lots expires as epoch 3 starts."""
    start, length = token.genesis(), token.epochLength()
    token.issue(alice, 100 * UNIT, 0, NOREF, {"from": house})
    token.issue(alice, 200 * UNIT, 0, NOREF, {"from": merchant})
    token.issue(bob, 100 * UNIT, 0, NOREF, {"from": merchant2})
    token.transfer(merchant2, 150 * UNIT, {"from": alice})
    vault.redeem(alliance["item"], 1, 40 * UNIT, {"from": bob})
    boundaries = {}
    for _ in range(4):
        close_day(length, start, boundaries)
    return boundaries


def test_worked_example_figures(token, vault, alliance, house, merchant, merchant2, alice, bob, db, index_into):
    worked_history(token, vault, alliance, house, merchant, merchant2, alice, bob)
    s = statement_of(index_into(db), 0)
    m, m2 = by_address(s)[str(merchant).lower()], by_address(s)[str(merchant2).lower()]
    assert (m["issued_points"], m["redeemed_points"], m["net"]) == ("200.00", "0.00", "-2.00")
    assert (m2["issued_points"], m2["redeemed_points"], m2["net"]) == ("100.00", "190.00", "0.90")
    assert s["clearing_house"]["issued_points"] == "100.00" and s["clearing_house"]["net"] == "-1.00"
    assert s["liability"]["change_points"] == "210.00" and s["check"]["total"] == "0.00"
    assert [(t["from"], t["to"], t["amount"]) for t in s["transfers"]] == [
        (str(merchant).lower(), str(house).lower(), "1.10"), (str(merchant).lower(), str(merchant2).lower(), "0.90")]


def test_breakage_goes_back_to_the_issuers_pro_rata(token, vault, alliance, house, merchant, merchant2, alice, bob,
                                                    db, index_into):
    worked_history(token, vault, alliance, house, merchant, merchant2, alice, bob)
    s = statement_of(index_into(db), 3)
    assert s["breakage"]["expired_points"] == "210.00" and s["breakage"]["kept_value"] == "0.00"
    assert s["breakage"]["lots"][0]["shares"] == {str(house).lower(): "52.50", str(merchant).lower(): "105.00",
                                                  str(merchant2).lower(): "52.50"}
    assert by_address(s)[str(merchant).lower()]["breakage_value"] == "1.05"
    assert s["liability"]["change_points"] == "-210.00" and s["check"]["total"] == "0.00"


def test_kept_breakage_and_a_new_value_apply_after_the_notice(token, vault, alliance, admin, house, merchant,
                                                              merchant2, alice, bob, db, index_into):
    alliance["settlement"].announceTerms(b"EUR", 20_000, 1, {"from": admin})  # 0.02 per point, kept; in 7 days
    worked_history(token, vault, alliance, house, merchant, merchant2, alice, bob)
    index_into(db)
    assert by_address(statement_of(db, 0))[str(merchant).lower()]["net"] == "-2.00"  # still the old value
    boundaries = {}
    for _ in range(4):
        close_day(token.epochLength(), token.genesis(), boundaries)
    token.issue(alice, 10 * UNIT, 0, NOREF, {"from": merchant})
    close_day(token.epochLength(), token.genesis(), boundaries)
    index_into(db)
    last = Epochs.of(db).epoch_at(max(boundaries)) - 1
    s = statement_of(db, last)
    assert by_address(s)[str(merchant).lower()]["issued_value"] == "0.20" and s["terms"][0]["breakage"] == "kept_by_operator"
    old = statement_of(db, 3)["breakage"]  # epoch 3 began before the change applied: returned to the issuers
    assert (old["kept_value"], old["returned_value"]) == ("0.00", "2.10")


def test_two_indexes_give_the_same_bytes(token, vault, alliance, house, merchant, merchant2, alice, bob, tmp_path,
                                         index_into):
    worked_history(token, vault, alliance, house, merchant, merchant2, alice, bob)
    a = index_into(open_db(str(tmp_path / "a.sqlite"), "development"))
    b = index_into(open_db(str(tmp_path / "b.sqlite"), "development"), max_range=3)
    for epoch in range(4):
        assert canonical(statement_of(a, epoch)) == canonical(statement_of(b, epoch))


ACTIONS = st.lists(st.tuples(st.sampled_from(["issue", "pay", "payout", "redeem", "refund", "spend", "day"]),
                             st.integers(0, 2), st.integers(0, 2), st.integers(1, 120)), min_size=8, max_size=20)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(actions=ACTIONS)
def test_nets_add_to_zero_on_random_histories(actions, token, vault, alliance, house, merchant, merchant2, spender,
                                              alice, bob, carol, svc_chain, index_into):
    """Nets + change in liability + breakage kept = 0 in every period, the liability matches the token's balances at
    the period's bounds, and the transfers settle every balance in at most n-1 steps."""
    snap = chain.snapshot()
    try:
        _random_history(actions, token, vault, alliance, house, merchant, merchant2, spender, alice, bob, carol,
                        svc_chain, index_into)
    finally:
        chain.revert()
        del snap


def _random_history(actions, token, vault, alliance, house, merchant, merchant2, spender, alice, bob, carol,
                    svc_chain, index_into):
    customers, issuers, acceptors = [alice, bob, carol], [house, merchant, merchant2], [merchant, merchant2]
    start, length = token.genesis(), token.epochLength()
    boundaries, open_redemptions = {}, []
    for kind, a, b, n in actions + [("day", 0, 0, 0)] * 4:
        c = customers[a]
        bal = token.balanceOf(c)
        if kind == "issue":
            token.issue(c, n * UNIT, 0, NOREF, {"from": issuers[b]})
        elif kind == "pay" and bal:
            token.transfer(acceptors[b % 2], min(bal, n * UNIT), {"from": c})
        elif kind == "payout" and token.balanceOf(acceptors[b % 2]):  # a merchant gives points out: its issue
            token.transfer(c, min(token.balanceOf(acceptors[b % 2]), n * UNIT), {"from": acceptors[b % 2]})
        elif kind == "redeem" and bal >= 40 * UNIT:
            open_redemptions.append(vault.redeem(alliance["item"], 1, 40 * UNIT, {"from": c}).return_value)
        elif kind == "refund" and open_redemptions:
            vault.refund(open_redemptions.pop(), {"from": merchant2})
        elif kind == "spend" and bal:
            token.spend(c, min(bal, n * UNIT), {"from": spender})
        elif kind == "day":
            close_day(length, start, boundaries)
    with tempfile.TemporaryDirectory() as tmp:
        db = index_into(open_db(str(Path(tmp) / "i.sqlite"), "development"))
        ep = Epochs.of(db)
        for boundary in sorted(boundaries)[1:]:
            s = statement_of(db, ep.epoch_at(boundary) - 1)
            assert s["check"]["total"] == "0.00" and s["check"]["liability_moves_match"], s["check"]
            opening = boundaries.get(boundary - length)
            if opening is not None:
                assert round(float(s["liability"]["opening_points"]) * UNIT) == chain_liability(token, customers, opening)
            assert round(float(s["liability"]["closing_points"]) * UNIT) == chain_liability(token, customers, boundaries[boundary])
            n = len(s["merchants"]) + 1
            assert len(s["transfers"]) <= n - 1
            balance = {m["address"]: m["net_atoms"] for m in s["merchants"]}
            balance[s["clearing_house"]["address"]] = -sum(balance.values())
            for t in s["transfers"]:
                balance[t["from"]] += t["amount_atoms"]
                balance[t["to"]] -= t["amount_atoms"]
            assert not any(balance.values())
        db.close()


def test_transparency_values_the_liability_at_the_terms_in_force(token, alliance, merchant, alice, db, index_into):
    from servicecoin.reports.transparency import transparency

    token.issue(alice, 120 * UNIT, 0, NOREF, {"from": merchant})
    liability = transparency(index_into(db))["liability"]
    assert liability == {"points": 120 * UNIT, "currency": "EUR", "value": "1.20", "value_per_point": "0.01"}
