"""Pausing at every step of a customer's journey: while the token (pauser) or the vault (admin) is
paused, each step that would move points reverts with EnforcedPause and changes nothing (balances,
supply, stock, redemptions); balances stay readable; after unpausing the same step goes through."""

import pytest
from brownie import chain, web3

from tests.contracts.service_log.logkit import ZERO32, resolved_ticket, signed
from tests.tokenkit import UNIT, key_of, reverts_with
from tests.contracts.redemption_vault.vaultkit import ANY_PRICE, fund, sign_request

NOREF = "0x" + "00" * 32


@pytest.fixture
def journey(token, vault, log, issuer, alice, merchant, agent, gift):
    """Alice holds 1,000 points and one open redemption; her ticket 7 is resolved."""
    fund(token, issuer, alice, 1_000)
    rid = vault.redeem(gift, 1, ANY_PRICE, {"from": alice}).return_value
    resolved_ticket(log, agent, 7, alice)
    return {"rid": rid}


def _signed_request(vault, alice, gift):
    return sign_request(vault, key_of(alice), alice, gift, 1, 10**12, 5, chain.time() + 3_600)


STEPS = {
    # name: (action, blocked by a paused token, blocked by a paused vault)
    "issue": (lambda c: c["token"].issue(c["bob"], 10 * UNIT, 0, NOREF, {"from": c["issuer"]}), True, False),
    "issue_batch": (lambda c: c["token"].issueBatch(web3.keccak(text="b-pause"), [c["bob"]], [10 * UNIT], 5,
                                                    {"from": c["issuer"]}), True, False),
    "pay_merchant": (lambda c: c["token"].transfer(c["merchant"], 10 * UNIT, {"from": c["alice"]}), True, False),
    "redeem": (lambda c: c["vault"].redeem(c["gift"], 1, ANY_PRICE, {"from": c["alice"]}), True, True),
    "redeem_by_sig": (lambda c: c["vault"].redeemBySig(*_signed_request(c["vault"], c["alice"], c["gift"]),
                                                       {"from": c["stranger"]}), True, True),
    "discount": (lambda c: c["vault"].redeemForDiscount(100 * UNIT, NOREF, 0, {"from": c["alice"]}), True, True),
    "refund": (lambda c: c["vault"].refund(c["rid"], {"from": c["merchant"]}), True, True),
    "fulfil": (lambda c: c["vault"].fulfil(c["rid"], web3.keccak(text="voucher"), {"from": c["merchant"]}), False, True),
}


def state(token, vault, log, accounts, rid):
    return ([token.balanceOf(a) for a in accounts], token.totalSupply(), token.totalIssued(), token.totalBurned(),
            vault.redemption(rid), log.count())


PAUSED_STEPS = [(step, which) for step, (_, by_token, by_vault) in STEPS.items()
                for which, blocked in (("token", by_token), ("vault", by_vault)) if blocked]


@pytest.mark.parametrize("step, which", PAUSED_STEPS)
def test_paused_step_reverts_changes_nothing_and_runs_after_unpause(step, which, journey, token, vault, log, admin,
                                                                    pauser, issuer, alice, bob, merchant, stranger,
                                                                    gift):
    action = STEPS[step][0]
    ctx = dict(token=token, vault=vault, issuer=issuer, alice=alice, bob=bob, merchant=merchant, stranger=stranger,
               gift=gift, rid=journey["rid"])
    who = [alice, bob, merchant, vault]
    contract, by = (token, pauser) if which == "token" else (vault, admin)
    contract.pause({"from": by})
    before = state(token, vault, log, who, journey["rid"])
    with reverts_with("EnforcedPause"):
        action(ctx)
    assert state(token, vault, log, who, journey["rid"]) == before
    assert token.balanceOf(alice) == before[0][0]  # balances stay readable while paused
    contract.unpause({"from": by})
    action(ctx)
    assert state(token, vault, log, who, journey["rid"]) != before


def test_feedback_while_token_paused_is_recorded_and_the_reward_is_not_lost_silently(journey, token, log, pauser,
                                                                                     alice, stranger):
    """The log never blocks a record on its reward: the feedback is recorded, the failed reward is reported."""
    token.pause({"from": pauser})
    before = token.balanceOf(alice)
    deadline, sig = signed(log, alice, 7, 5)
    tx = log.giveFeedbackBySig(7, 5, ZERO32, deadline, sig, {"from": stranger})
    assert log.count() == 3
    assert token.balanceOf(alice) == before
    assert any("Reward" in name for name in tx.events.keys()), tx.events.keys()
