"""Pause and the role matrix: who may call what."""

import pytest
from brownie import chain
from tests.tokenkit import NOREF, batch_id, reverts_with


def test_pause_stops_issuance_and_spending_not_reading(token, pauser, issuer, alice, merchant, spender):
    token.issue(alice, 10, 0, NOREF, {"from": issuer})
    tx = token.pause({"from": pauser})
    assert tx.events["Paused"]["account"] == pauser and token.paused()
    with reverts_with("EnforcedPause"):
        token.issue(alice, 1, 0, NOREF, {"from": issuer})
    with reverts_with("EnforcedPause"):
        token.issueBatch(batch_id("p"), [alice], [1], 5, {"from": issuer})
    with reverts_with("EnforcedPause"):
        token.transfer(merchant, 1, {"from": alice})
    with reverts_with("EnforcedPause"):
        token.burn(1, {"from": alice})
    with reverts_with("EnforcedPause"):
        token.spend(alice, 1, {"from": spender})
    assert token.balanceOf(alice) == 10 and token.totalSupply() == 10
    token.unpause({"from": pauser})
    token.transfer(merchant, 1, {"from": alice})


def test_pause_twice_and_unpause_unpaused_revert(token, pauser):
    with reverts_with("ExpectedPause"):
        token.unpause({"from": pauser})
    token.pause({"from": pauser})
    with reverts_with("EnforcedPause"):
        token.pause({"from": pauser})


ADMIN_CALLS = {
    "setIssuerBudget": lambda t, a: t.setIssuerBudget(a, 1, {"from": a}),
    "setTiers": lambda t, a: t.setTiers([0], [10_000], {"from": a}),
    "setTierEligibleReasons": lambda t, a: t.setTierEligibleReasons(0, {"from": a}),
    "setTransfersOpen": lambda t, a: t.setTransfersOpen(True, {"from": a}),
    "setAcceptor": lambda t, a: t.setAcceptor(a, True, {"from": a}),
    "grantRole": lambda t, a: t.grantRole(t.ISSUER_ROLE(), a, {"from": a}),
}
ROLE_CALLS = {
    "issue": ("ISSUER_ROLE", lambda t, a: t.issue(a, 1, 0, NOREF, {"from": a})),
    "issueBatch": ("ISSUER_ROLE", lambda t, a: t.issueBatch(batch_id(str(a)), [a], [1], 5, {"from": a})),
    "pause": ("PAUSER_ROLE", lambda t, a: t.pause({"from": a})),
    "spend": ("SPENDER_ROLE", lambda t, a: t.spend(a, 1, {"from": a})),
}


@pytest.mark.parametrize("call", sorted(ADMIN_CALLS))
def test_admin_calls_refuse_every_other_role(token, issuer, pauser, spender, stranger, call):
    for who in (issuer, pauser, spender, stranger):
        with reverts_with("AccessControlUnauthorizedAccount"):
            ADMIN_CALLS[call](token, who)


@pytest.mark.parametrize("call", sorted(ROLE_CALLS))
def test_role_calls_refuse_other_roles(token, admin, issuer, pauser, spender, stranger, call):
    role_name, fn = ROLE_CALLS[call]
    holders = {"ISSUER_ROLE": issuer, "PAUSER_ROLE": pauser, "SPENDER_ROLE": spender}
    for who in [admin, stranger] + [h for r, h in holders.items() if r != role_name]:
        with reverts_with("AccessControlUnauthorizedAccount"):
            fn(token, who)


def test_role_changes_emit_events(token, admin, stranger):
    role = token.ISSUER_ROLE()
    assert token.grantRole(role, stranger, {"from": admin}).events["RoleGranted"]["account"] == stranger
    assert token.revokeRole(role, stranger, {"from": admin}).events["RoleRevoked"]["account"] == stranger


def test_admin_can_renounce_and_lose_power(token, admin, stranger):
    token.beginDefaultAdminTransfer("0x" + "0" * 40, {"from": admin})  # renouncing is scheduled first
    chain.sleep(1)
    token.renounceRole(token.DEFAULT_ADMIN_ROLE(), admin, {"from": admin})
    with reverts_with("AccessControlUnauthorizedAccount"):
        token.setTransfersOpen(True, {"from": admin})


def test_constructor_rejects_bad_config(admin):
    from brownie import RewardToken

    with reverts_with("InvalidEpochConfig"):
        RewardToken.deploy("n", "s", admin, 0, 3600, 3, 0, {"from": admin})
    with reverts_with("InvalidEpochConfig"):
        RewardToken.deploy("n", "s", admin, 0, 86_400, 16, 0, {"from": admin})
    with reverts_with("InvalidEpochConfig"):
        RewardToken.deploy("n", "s", admin, 0, 86_400, 0, 0, {"from": admin})
    with reverts_with("AccessControlInvalidDefaultAdmin"):
        RewardToken.deploy("n", "s", "0x" + "0" * 40, 0, 86_400, 3, 0, {"from": admin})
