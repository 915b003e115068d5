"""The admin transferring or renouncing DEFAULT_ADMIN_ROLE: a new admin works and the old one is
refused; a renounced admin leaves configuration frozen for ever while balances stay readable and
customers keep their points."""

import pytest
from brownie import web3

from tests.tokenkit import UNIT, reverts_with
from tests.contracts.redemption_vault.vaultkit import fund

ADMIN_ROLE = "0x" + "00" * 32


def issuer_role(token):
    return token.ISSUER_ROLE()


@pytest.mark.parametrize("name", ["token", "vault", "log"])
def test_transferred_admin_works_and_the_old_one_is_refused(name, token, vault, log, admin, bob, carol):
    contract = {"token": token, "vault": vault, "log": log}[name]
    contract.grantRole(ADMIN_ROLE, bob, {"from": admin})
    contract.renounceRole(ADMIN_ROLE, admin, {"from": admin})
    assert contract.hasRole(ADMIN_ROLE, bob) and not contract.hasRole(ADMIN_ROLE, admin)
    some_role = web3.keccak(text="PAUSER_ROLE") if name != "log" else log.AGENT_ROLE()
    with reverts_with("AccessControlUnauthorizedAccount"):
        contract.grantRole(some_role, admin, {"from": admin})
    contract.grantRole(some_role, carol, {"from": bob})
    assert contract.hasRole(some_role, carol)


def test_old_token_admin_cannot_set_budgets_or_tiers(token, admin, bob, issuer):
    token.grantRole(ADMIN_ROLE, bob, {"from": admin})
    token.renounceRole(ADMIN_ROLE, admin, {"from": admin})
    with reverts_with("AccessControlUnauthorizedAccount"):
        token.setIssuerBudget(issuer, 1, {"from": admin})
    with reverts_with("AccessControlUnauthorizedAccount"):
        token.setTiers([0], [10_000], {"from": admin})
    token.setIssuerBudget(issuer, 5 * UNIT, {"from": bob})
    assert token.issuerBudget(issuer)[0] == 5 * UNIT


def test_renounced_admin_freezes_configuration_but_not_balances(token, admin, issuer, alice, merchant, bob):
    fund(token, issuer, alice, 100)
    token.renounceRole(ADMIN_ROLE, admin, {"from": admin})
    for who in (admin, issuer, alice, bob):
        with reverts_with("AccessControlUnauthorizedAccount"):
            token.grantRole(issuer_role(token), who, {"from": who})
        with reverts_with("AccessControlUnauthorizedAccount"):
            token.setIssuerBudget(issuer, 10**15, {"from": who})
    assert token.balanceOf(alice) == 100 * UNIT and token.totalSupply() == 100 * UNIT
    token.transfer(merchant, 40 * UNIT, {"from": alice})  # customers keep using their points
    assert token.balanceOf(alice) == 60 * UNIT and token.balanceOf(merchant) == 40 * UNIT


def test_nobody_can_take_a_renounced_admin_role_back(token, vault, log, admin, stranger):
    for contract in (token, vault, log):
        contract.renounceRole(ADMIN_ROLE, admin, {"from": admin})
        for who in (admin, stranger):
            with reverts_with("AccessControlUnauthorizedAccount"):
                contract.grantRole(ADMIN_ROLE, who, {"from": who})
        assert not contract.hasRole(ADMIN_ROLE, admin)


def test_renouncing_for_someone_else_is_refused(token, admin, stranger):
    with reverts_with("AccessControlBadConfirmation"):
        token.renounceRole(ADMIN_ROLE, admin, {"from": stranger})
    assert token.hasRole(ADMIN_ROLE, admin)
