"""Who may append, who may configure."""

from brownie import ServiceLog, ZERO_ADDRESS
from tests.contracts.service_log.logkit import NO_PREVIOUS_LOG, OPENED, entry
from tests.tokenkit import reverts_with


def test_stranger_cannot_append(log, stranger, alice):
    with reverts_with("AccessControlUnauthorizedAccount"):
        log.append(entry(OPENED, 1, alice), {"from": stranger})


def test_stranger_cannot_append_batch(log, stranger, alice):
    with reverts_with("AccessControlUnauthorizedAccount"):
        log.appendBatch([entry(OPENED, 1, alice)], {"from": stranger})


def test_customer_cannot_append_service_records(log, alice):
    with reverts_with("AccessControlUnauthorizedAccount"):
        log.append(entry(OPENED, 1, alice), {"from": alice})


def test_admin_grants_and_revokes_agents(log, admin, stranger, alice):
    log.grantRole(log.AGENT_ROLE(), stranger, {"from": admin})
    log.append(entry(OPENED, 1, alice), {"from": stranger})
    log.revokeRole(log.AGENT_ROLE(), stranger, {"from": admin})
    with reverts_with("AccessControlUnauthorizedAccount"):
        log.append(entry(OPENED, 2, alice), {"from": stranger})


def test_agent_cannot_grant_agents(log, agent, stranger):
    with reverts_with("AccessControlUnauthorizedAccount"):
        log.grantRole(log.AGENT_ROLE(), stranger, {"from": agent})


def test_admin_sets_rewards_with_event(log, admin):
    tx = log.setRewards(700, 300, {"from": admin})
    assert list(log.rewards()) == [700, 300]
    assert tx.events["RewardsSet"]["feedbackReward"] == 700 and tx.events["RewardsSet"]["followUpBonus"] == 300


def test_non_admin_cannot_set_rewards(log, agent):
    with reverts_with("AccessControlUnauthorizedAccount"):
        log.setRewards(1, 1, {"from": agent})


def test_reward_too_large_reverts(log, admin):
    with reverts_with("RewardTooLarge"):
        log.setRewards(2**128, 0, {"from": admin})


def test_constructor_rejects_zero_addresses(admin, token):
    with reverts_with("AccessControlInvalidDefaultAdmin"):
        ServiceLog.deploy(ZERO_ADDRESS, token, 0, 0, 0, *NO_PREVIOUS_LOG, {"from": admin})
    with reverts_with("ZeroAddress"):
        ServiceLog.deploy(admin, ZERO_ADDRESS, 0, 0, 0, *NO_PREVIOUS_LOG, {"from": admin})


def test_wiring_views(log, token):
    assert log.token() == token
    head, count = log.state()
    assert int(head.hex(), 16) == 0 and count == 0
