"""The admin handover. On all three contracts it is two-step with a delay (OpenZeppelin
AccessControlDefaultAdminRules): the admin role cannot be granted directly, a new admin accepts only
after the delay, and the old one is then refused; renouncing is scheduled the same way and leaves
configuration frozen for ever while balances stay readable and customers keep their points."""

import pytest
from brownie import RewardToken, ServiceLog, chain, web3

from tests.tokenkit import UNIT, reverts_with
from tests.contracts.redemption_vault.vaultkit import deploy_vault, fund
from tests.contracts.service_log.logkit import NO_PREVIOUS_LOG

ADMIN_ROLE = "0x" + "00" * 32
ZERO = "0x" + "00" * 20
TWO_DAYS = 2 * 86_400


def hand_over(contract, admin, new_admin):
    """Schedule the handover, wait out the delay, accept (the two-step flow)."""
    contract.beginDefaultAdminTransfer(new_admin, {"from": admin})
    chain.sleep(contract.defaultAdminDelay() + 1)
    contract.acceptDefaultAdminTransfer({"from": new_admin})


def renounce(contract, admin):
    contract.beginDefaultAdminTransfer(ZERO, {"from": admin})
    chain.sleep(contract.defaultAdminDelay() + 1)
    contract.renounceRole(ADMIN_ROLE, admin, {"from": admin})


def some_role(name, contract):
    return web3.keccak(text="PAUSER_ROLE") if name != "log" else contract.AGENT_ROLE()


@pytest.mark.parametrize("name", ["token", "vault", "log"])
def test_transferred_admin_works_and_the_old_one_is_refused(name, token, vault, log, admin, bob, carol):
    contract = {"token": token, "vault": vault, "log": log}[name]
    hand_over(contract, admin, bob)
    assert contract.hasRole(ADMIN_ROLE, bob) and not contract.hasRole(ADMIN_ROLE, admin)
    with reverts_with("AccessControlUnauthorizedAccount"):
        contract.grantRole(some_role(name, contract), admin, {"from": admin})
    contract.grantRole(some_role(name, contract), carol, {"from": bob})
    assert contract.hasRole(some_role(name, contract), carol)


@pytest.mark.parametrize("name", ["token", "vault", "log"])
def test_the_admin_role_cannot_be_granted_in_one_step(name, token, vault, log, admin, bob):
    contract = {"token": token, "vault": vault, "log": log}[name]
    with reverts_with("AccessControlEnforcedDefaultAdminRules"):
        contract.grantRole(ADMIN_ROLE, bob, {"from": admin})
    assert contract.defaultAdmin() == admin and not contract.hasRole(ADMIN_ROLE, bob)


@pytest.mark.parametrize("name", ["token", "vault", "log"])
def test_a_new_admin_accepts_only_after_the_delay(name, admin, bob, token):
    contract = {"token": lambda: RewardToken.deploy("n", "s", admin, 0, 86_400, 3, TWO_DAYS, {"from": admin}),
                "vault": lambda: deploy_vault(admin, token, admin_delay=TWO_DAYS),
                "log": lambda: ServiceLog.deploy(admin, token, 0, 0, TWO_DAYS, *NO_PREVIOUS_LOG, {"from": admin})}[name]()
    assert contract.defaultAdminDelay() == TWO_DAYS
    tx = contract.beginDefaultAdminTransfer(bob, {"from": admin})
    assert tx.events["DefaultAdminTransferScheduled"]["newAdmin"] == bob
    chain.sleep(TWO_DAYS - 3600)
    with reverts_with("AccessControlEnforcedDefaultAdminDelay"):
        contract.acceptDefaultAdminTransfer({"from": bob})
    assert contract.defaultAdmin() == admin  # during the delay the admin can still cancel
    chain.sleep(3601)
    contract.acceptDefaultAdminTransfer({"from": bob})
    assert contract.defaultAdmin() == bob and not contract.hasRole(ADMIN_ROLE, admin)


@pytest.mark.parametrize("name", ["token", "vault", "log"])
def test_only_the_pending_admin_accepts_and_the_admin_can_cancel(name, token, vault, log, admin, bob, stranger):
    contract = {"token": token, "vault": vault, "log": log}[name]
    contract.beginDefaultAdminTransfer(bob, {"from": admin})
    chain.sleep(1)
    with reverts_with("AccessControlInvalidDefaultAdmin"):
        contract.acceptDefaultAdminTransfer({"from": stranger})
    contract.cancelDefaultAdminTransfer({"from": admin})
    chain.sleep(1)
    with reverts_with("AccessControlInvalidDefaultAdmin"):
        contract.acceptDefaultAdminTransfer({"from": bob})
    assert contract.defaultAdmin() == admin


def test_old_token_admin_cannot_set_budgets_or_tiers(token, admin, bob, issuer):
    hand_over(token, admin, bob)
    with reverts_with("AccessControlUnauthorizedAccount"):
        token.setIssuerBudget(issuer, 1, {"from": admin})
    with reverts_with("AccessControlUnauthorizedAccount"):
        token.setTiers([0], [10_000], {"from": admin})
    token.setIssuerBudget(issuer, 5 * UNIT, {"from": bob})
    assert token.issuerBudget(issuer)[0] == 5 * UNIT


def test_renouncing_needs_the_schedule_first(token, admin):
    with reverts_with("AccessControlEnforcedDefaultAdminDelay"):
        token.renounceRole(ADMIN_ROLE, admin, {"from": admin})
    assert token.defaultAdmin() == admin


def test_renounced_admin_freezes_configuration_but_not_balances(token, admin, issuer, alice, merchant, bob):
    fund(token, issuer, alice, 100)
    renounce(token, admin)
    for who in (admin, issuer, alice, bob):
        with reverts_with("AccessControlUnauthorizedAccount"):
            token.grantRole(token.ISSUER_ROLE(), who, {"from": who})
        with reverts_with("AccessControlUnauthorizedAccount"):
            token.setIssuerBudget(issuer, 10**15, {"from": who})
    assert token.balanceOf(alice) == 100 * UNIT and token.totalSupply() == 100 * UNIT
    token.transfer(merchant, 40 * UNIT, {"from": alice})  # customers keep using their points
    assert token.balanceOf(alice) == 60 * UNIT and token.balanceOf(merchant) == 40 * UNIT


def test_nobody_can_take_a_renounced_admin_role_back(token, vault, log, admin, stranger):
    for contract in (token, vault, log):
        renounce(contract, admin)
        for who in (admin, stranger):
            with reverts_with("AccessControlEnforcedDefaultAdminRules"):
                contract.grantRole(ADMIN_ROLE, who, {"from": who})
        assert not contract.hasRole(ADMIN_ROLE, admin)
    for contract in (token, vault, log):
        with reverts_with("AccessControlUnauthorizedAccount"):
            contract.beginDefaultAdminTransfer(stranger, {"from": admin})


def test_renouncing_for_someone_else_is_refused(token, admin, stranger):
    token.beginDefaultAdminTransfer(ZERO, {"from": admin})
    chain.sleep(1)
    with reverts_with("AccessControlBadConfirmation"):
        token.renounceRole(ADMIN_ROLE, admin, {"from": stranger})
    assert token.hasRole(ADMIN_ROLE, admin)
