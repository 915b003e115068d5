"""Dust cannot block the removal of an acceptor: the admin removes it anyway, its balance is burned
with an event and counted in totalBurned, so the supply identity holds."""

from tests.tokenkit import NOREF, REASON, UNIT, reverts_with


def supply_identity(token):
    return token.totalIssued() == token.totalSupply() + token.totalExpired() + token.totalBurned()


def test_admin_removes_an_acceptor_holding_dust(token, admin, issuer, alice, merchant):
    token.issue(alice, 10 * UNIT, REASON["purchase"], NOREF, {"from": issuer})
    token.transfer(merchant, 1, {"from": alice})  # anyone can send an acceptor dust
    burned = token.totalBurned()
    tx = token.setAcceptor(merchant, False, {"from": admin})
    assert not token.isAcceptor(merchant) and token.balanceOf(merchant) == 0
    ev = tx.events["AcceptorBalanceBurned"]
    assert ev["account"] == merchant and ev["amount"] == 1
    assert tx.events["Transfer"]["from"] == merchant and tx.events["Transfer"]["value"] == 1
    assert token.totalBurned() == burned + 1 and token.totalSupply() == 10 * UNIT - 1
    assert supply_identity(token)


def test_removed_acceptor_starts_as_a_plain_customer(token, admin, issuer, alice, merchant):
    token.issue(alice, 10 * UNIT, REASON["purchase"], NOREF, {"from": issuer})
    token.transfer(merchant, 5 * UNIT, {"from": alice})
    token.setAcceptor(merchant, False, {"from": admin})
    token.issue(merchant, 3 * UNIT, REASON["purchase"], NOREF, {"from": issuer})
    assert token.balanceOf(merchant) == 3 * UNIT and len(token.lotsOf(merchant)) == 1
    assert supply_identity(token)


def test_only_the_admin_removes_an_acceptor(token, merchant, stranger):
    with reverts_with("AccessControlUnauthorizedAccount"):
        token.setAcceptor(merchant, False, {"from": stranger})
