"""Transfer policy, acceptors, permit, burnFrom and spend."""

from brownie import chain, web3

from servicecoin.chain import dev_account
from servicecoin.eip712 import sign_permit
from tests.tokenkit import EPOCH, NOREF, reverts_with


def test_customer_to_customer_closed_by_default(token, issuer, alice, bob):
    token.issue(alice, 10, 0, NOREF, {"from": issuer})
    with reverts_with("TransferNotAllowed"):
        token.transfer(bob, 1, {"from": alice})


def test_customer_to_customer_when_open_keeps_epochs(token, admin, issuer, alice, bob):
    token.setTransfersOpen(True, {"from": admin})
    token.issue(alice, 10, 0, NOREF, {"from": issuer})
    e0 = token.currentEpoch()
    chain.sleep(EPOCH)
    chain.mine()
    token.issue(bob, 5, 0, NOREF, {"from": issuer})
    token.transfer(bob, 7, {"from": alice})
    lots = token.lotsOf(bob)
    assert [(l["epoch"], l["amount"]) for l in lots] == [(e0, 7), (e0 + 1, 5)]
    assert token.balanceOf(alice) == 3
    assert token.totalSupply() == 15


def test_self_transfer_does_not_refresh_expiry(token, admin, issuer, alice):
    token.setTransfersOpen(True, {"from": admin})
    token.issue(alice, 10, 0, NOREF, {"from": issuer})
    e0 = token.currentEpoch()
    chain.sleep(EPOCH)
    chain.mine()
    token.transfer(alice, 10, {"from": alice})
    assert [(l["epoch"], l["amount"]) for l in token.lotsOf(alice)] == [(e0, 10)]


def test_transfer_open_toggle_emits(token, admin):
    assert token.setTransfersOpen(True, {"from": admin}).events["TransfersOpenSet"]["open"]
    assert token.transfersOpen()
    token.setTransfersOpen(False, {"from": admin})
    assert not token.transfersOpen()


def test_customer_to_acceptor_and_back(token, issuer, alice, merchant):
    token.issue(alice, 10, 0, NOREF, {"from": issuer})
    token.transfer(merchant, 10, {"from": alice})
    assert token.balanceOf(merchant) == 10
    token.transfer(alice, 4, {"from": merchant})
    lots = token.lotsOf(alice)
    assert len(lots) == 1 and lots[0]["amount"] == 4 and lots[0]["epoch"] == token.currentEpoch()
    assert token.lifetimeEarned(alice) == 10  # received points are not earned points
    assert token.totalSupply() == 10


def test_acceptor_insufficient_balance_reverts(token, merchant, alice):
    with reverts_with("ERC20InsufficientBalance"):
        token.transfer(alice, 1, {"from": merchant})


def test_set_acceptor_rules(token, admin, issuer, alice, merchant, stranger):
    token.issue(alice, 10, 0, NOREF, {"from": issuer})
    with reverts_with("AccountHoldsPoints"):
        token.setAcceptor(alice, True, {"from": admin})
    token.issue(merchant, 5, 6, NOREF, {"from": issuer})
    assert token.setAcceptor(merchant, False, {"from": admin}).events["AcceptorBalanceBurned"]["amount"] == 5
    with reverts_with("AccessControlUnauthorizedAccount"):
        token.setAcceptor(stranger, True, {"from": stranger})
    tx = token.setAcceptor(stranger, True, {"from": admin})
    assert tx.events["AcceptorSet"]["accepted"]
    assert token.isAcceptor(stranger)
    token.setAcceptor(stranger, False, {"from": admin})
    assert not token.isAcceptor(stranger)


def test_account_with_only_expired_points_can_become_acceptor(token, admin, issuer, alice):
    token.issue(alice, 10, 0, NOREF, {"from": issuer})
    chain.sleep(EPOCH * 3)
    chain.mine()
    tx = token.setAcceptor(alice, True, {"from": admin})
    assert tx.events["PointsExpired"]["amount"] == 10
    assert token.balanceOf(alice) == 0 and token.totalExpired() == 10


def test_burn_from_uses_allowance(token, issuer, alice, bob):
    token.issue(alice, 10, 0, NOREF, {"from": issuer})
    with reverts_with("ERC20InsufficientAllowance"):
        token.burnFrom(alice, 5, {"from": bob})
    token.approve(bob, 5, {"from": alice})
    token.burnFrom(alice, 5, {"from": bob})
    assert token.balanceOf(alice) == 5 and token.allowance(alice, bob) == 0


def test_spend_by_spender_role(token, issuer, spender, alice, stranger):
    token.issue(alice, 10, 0, NOREF, {"from": issuer})
    tx = token.spend(alice, 6, {"from": spender})
    assert tx.events["Transfer"]["value"] == 6 and tx.events["Transfer"]["to"] == "0x" + "0" * 40
    assert token.balanceOf(alice) == 4 and token.totalBurned() == 6
    with reverts_with("AccessControlUnauthorizedAccount"):
        token.spend(alice, 1, {"from": stranger})
    with reverts_with("ZeroAmount"):
        token.spend(alice, 0, {"from": spender})
    with reverts_with("ERC20InsufficientBalance"):
        token.spend(alice, 5, {"from": spender})


def _permit_signature(token, owner_key, owner, spender, value, nonce, deadline):
    return sign_permit(owner_key, token.name(), chain.id, token.address, owner, spender, value, nonce, deadline)


def test_permit_signed_with_eth_account(token, issuer, alice, bob):
    key = dev_account(5).key
    assert dev_account(5).address == alice.address
    token.issue(alice, 10, 0, NOREF, {"from": issuer})
    deadline = chain.time() + 3600
    v, r, s = _permit_signature(token, key, alice.address, bob.address, 7, token.nonces(alice), deadline)
    token.permit(alice, bob, 7, deadline, v, r, s, {"from": bob})
    assert token.allowance(alice, bob) == 7
    token.burnFrom(alice, 7, {"from": bob})
    assert token.balanceOf(alice) == 3
    with reverts_with("ERC2612InvalidSigner"):  # replay: the nonce moved on
        token.permit(alice, bob, 7, deadline, v, r, s, {"from": bob})


def test_permit_expired_deadline_reverts(token, alice, bob):
    key = dev_account(5).key
    deadline = web3.eth.get_block("latest").timestamp - 1
    v, r, s = _permit_signature(token, key, alice.address, bob.address, 7, 0, deadline)
    with reverts_with("ERC2612ExpiredSignature"):
        token.permit(alice, bob, 7, deadline, v, r, s, {"from": bob})


def test_metadata(token):
    assert token.decimals() == 2
    assert token.symbol() == "SVC"
    assert token.supportsInterface("0x01ffc9a7")
