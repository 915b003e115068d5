"""Customer feedback and rewards: rules, once per ticket, budget and pause never refuse a record."""

from brownie import web3
from tests.contracts.service_log.logkit import (FEEDBACK, FEEDBACK_REWARD, FOLLOWUP, FOLLOWUP_BONUS, LOG_BUDGET,
                                                NOT_REACHED, SATISFIED, UNSATISFIED, assert_chain_verifies,
                                                deploy_log, entry, open_ticket, recorded, resolved_ticket)
from tests.tokenkit import REASON, reverts_with

C = "0x" + "ab" * 32


def test_feedback_records_and_pays_reward(log, token, agent, alice):
    resolved_ticket(log, agent, 7, alice)
    tx = log.giveFeedback(7, 4, C, {"from": alice})
    [rec] = recorded(tx)
    assert rec.kind == FEEDBACK and rec.detail == 4 and rec.agent == alice and rec.customer == alice
    assert tx.events["Rewarded"]["due"] == FEEDBACK_REWARD and tx.events["Rewarded"]["paid"] == FEEDBACK_REWARD
    issued = tx.events["Issued"]
    assert issued["reason"] == REASON["feedback"] and int(issued["ref"].hex(), 16) == 7
    assert token.balanceOf(alice) == FEEDBACK_REWARD
    assert log.ticketOf(7)[2] is True
    assert_chain_verifies(log)


def test_feedback_before_resolution_reverts(log, agent, alice):
    open_ticket(log, agent, 7, alice)
    with reverts_with("TicketNotResolved"):
        log.giveFeedback(7, 4, C, {"from": alice})


def test_feedback_twice_reverts(log, agent, alice):
    resolved_ticket(log, agent, 7, alice)
    log.giveFeedback(7, 4, C, {"from": alice})
    with reverts_with("FeedbackAlreadyGiven"):
        log.giveFeedback(7, 5, C, {"from": alice})


def test_feedback_from_someone_else_reverts(log, agent, alice, bob):
    resolved_ticket(log, agent, 7, alice)
    with reverts_with("NotTicketCustomer"):
        log.giveFeedback(7, 4, C, {"from": bob})


def test_feedback_on_unknown_ticket_reverts(log, alice):
    with reverts_with("UnknownTicket"):
        log.giveFeedback(7, 4, C, {"from": alice})


def test_rating_out_of_range_reverts(log, agent, alice):
    resolved_ticket(log, agent, 7, alice)
    for rating in (0, 6):
        with reverts_with("InvalidDetail"):
            log.giveFeedback(7, rating, C, {"from": alice})


def test_feedback_when_budget_is_spent_is_recorded_unpaid(admin, token, agent, alice):
    log = deploy_log(admin, token, agent, budget=FEEDBACK_REWARD - 1)
    resolved_ticket(log, agent, 7, alice)
    tx = log.giveFeedback(7, 5, C, {"from": alice})
    assert tx.events["Rewarded"]["due"] == FEEDBACK_REWARD and tx.events["Rewarded"]["paid"] == 0
    assert token.balanceOf(alice) == 0 and log.count() == 3 and log.ticketOf(7)[2] is True


def test_feedback_when_token_is_paused_is_recorded_unpaid(log, token, pauser, agent, alice):
    resolved_ticket(log, agent, 7, alice)
    token.pause({"from": pauser})
    tx = log.giveFeedback(7, 5, C, {"from": alice})
    assert tx.events["Rewarded"]["paid"] == 0 and log.count() == 3


def test_feedback_without_reward_configured_emits_no_reward(log, admin, token, agent, alice):
    log.setRewards(0, 0, {"from": admin})
    resolved_ticket(log, agent, 7, alice)
    tx = log.giveFeedback(7, 5, C, {"from": alice})
    assert "Rewarded" not in tx.events and token.balanceOf(alice) == 0


def test_feedback_with_too_little_gas_reverts_instead_of_skipping_reward(log, agent, alice):
    resolved_ticket(log, agent, 7, alice)
    with reverts_with("InsufficientGasForReward"):
        log.giveFeedback(7, 5, C, {"from": alice, "gas_limit": 150_000})
    assert log.ticketOf(7)[2] is False


def test_reward_is_charged_to_the_log_budget(log, token, agent, alice):
    resolved_ticket(log, agent, 7, alice)
    log.giveFeedback(7, 5, C, {"from": alice})
    assert token.issuerBudget(log)[1] == FEEDBACK_REWARD
    assert token.issuerBudget(log)[2] == LOG_BUDGET - FEEDBACK_REWARD


def test_satisfied_followup_pays_bonus_once(log, token, agent, alice):
    open_ticket(log, agent, 7, alice)
    tx = log.append(entry(FOLLOWUP, 7, alice, detail=SATISFIED), {"from": agent})
    assert tx.events["Rewarded"]["paid"] == FOLLOWUP_BONUS and log.ticketOf(7)[3] is True
    tx = log.append(entry(FOLLOWUP, 7, alice, detail=SATISFIED, commitment=web3.keccak(text="again")),
                    {"from": agent})
    assert "Rewarded" not in tx.events
    assert token.balanceOf(alice) == FOLLOWUP_BONUS


def test_other_followup_outcomes_pay_no_bonus(log, token, agent, alice):
    open_ticket(log, agent, 7, alice)
    for outcome in (NOT_REACHED, UNSATISFIED):
        tx = log.append(entry(FOLLOWUP, 7, alice, detail=outcome), {"from": agent})
        assert "Rewarded" not in tx.events
    assert token.balanceOf(alice) == 0 and log.ticketOf(7)[3] is False


def test_bonus_in_a_batch_is_paid(log, token, agent, alice):
    tx = log.appendBatch([entry(0, 7, alice), entry(FOLLOWUP, 7, alice, detail=SATISFIED)], {"from": agent})
    assert tx.events["Rewarded"]["seq"] == 2 and token.balanceOf(alice) == FOLLOWUP_BONUS
    assert_chain_verifies(log)
