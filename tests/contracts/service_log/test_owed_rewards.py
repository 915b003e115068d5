"""A reward the token refuses (paused, budget spent) is owed, not lost: it is recorded with an event
and can be claimed once later, by the customer or anyone on the customer's behalf."""

from tests.contracts.service_log.logkit import (FEEDBACK_REWARD, FOLLOWUP, FOLLOWUP_BONUS, SATISFIED, deploy_log,
                                                entry, resolved_ticket)
from tests.tokenkit import REASON, reverts_with

C = "0x" + "ab" * 32


def paused_feedback(log, token, pauser, agent, customer, ticket=7):
    resolved_ticket(log, agent, ticket, customer)
    token.pause({"from": pauser})
    tx = log.giveFeedback(ticket, 5, C, {"from": customer})
    token.unpause({"from": pauser})
    return tx


def test_refused_feedback_reward_is_recorded_as_owed(log, token, pauser, agent, alice):
    tx = paused_feedback(log, token, pauser, agent, alice)
    ev = tx.events["RewardOwed"]
    assert ev["ticket"] == 7 and ev["customer"] == alice and ev["amount"] == FEEDBACK_REWARD
    assert log.owedReward(7) == FEEDBACK_REWARD and token.balanceOf(alice) == 0


def test_the_customer_claims_an_owed_reward_once(log, token, pauser, agent, alice):
    paused_feedback(log, token, pauser, agent, alice)
    tx = log.claimReward(7, {"from": alice})
    ev = tx.events["RewardClaimed"]
    assert ev["ticket"] == 7 and ev["customer"] == alice and ev["amount"] == FEEDBACK_REWARD
    assert tx.events["Issued"]["reason"] == REASON["feedback"]
    assert token.balanceOf(alice) == FEEDBACK_REWARD and log.owedReward(7) == 0
    with reverts_with("NothingOwed"):
        log.claimReward(7, {"from": alice})


def test_anyone_may_claim_for_the_customer_and_the_customer_is_paid(log, token, pauser, agent, alice, stranger):
    paused_feedback(log, token, pauser, agent, alice)
    tx = log.claimReward(7, {"from": stranger})
    assert tx.events["RewardClaimed"]["caller"] == stranger
    assert token.balanceOf(alice) == FEEDBACK_REWARD and token.balanceOf(stranger) == 0


def test_a_claim_the_token_still_refuses_reverts_and_keeps_the_debt(admin, token, agent, alice):
    log = deploy_log(admin, token, agent, budget=FEEDBACK_REWARD - 1)
    resolved_ticket(log, agent, 7, alice)
    log.giveFeedback(7, 5, C, {"from": alice})
    with reverts_with("OverBudget"):
        log.claimReward(7, {"from": alice})
    assert log.owedReward(7) == FEEDBACK_REWARD
    token.setIssuerBudget(log, FEEDBACK_REWARD, {"from": admin})
    log.claimReward(7, {"from": alice})
    assert token.balanceOf(alice) == FEEDBACK_REWARD


def test_a_refused_followup_bonus_is_owed_too(log, token, pauser, agent, alice):
    resolved_ticket(log, agent, 7, alice)
    token.pause({"from": pauser})
    tx = log.append(entry(FOLLOWUP, 7, alice, detail=SATISFIED), {"from": agent})
    token.unpause({"from": pauser})
    assert tx.events["RewardOwed"]["amount"] == FOLLOWUP_BONUS
    log.giveFeedback(7, 5, C, {"from": alice})
    assert log.owedReward(7) == FOLLOWUP_BONUS
    log.claimReward(7, {"from": alice})
    assert token.balanceOf(alice) == FEEDBACK_REWARD + FOLLOWUP_BONUS


def test_nothing_is_owed_for_a_paid_or_unknown_ticket(log, agent, alice):
    resolved_ticket(log, agent, 7, alice)
    log.giveFeedback(7, 5, C, {"from": alice})
    for ticket in (7, 8):
        with reverts_with("NothingOwed"):
            log.claimReward(ticket, {"from": alice})
