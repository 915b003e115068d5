"""Signatures under attack: the high-s twin of a valid signature is refused (log feedback, vault
redemptions, token permit); a signature replayed on another chain, contract, ticket or item is
refused; a relayed request front-run by someone else executes once, on the customer's terms."""

import brownie
from brownie import RewardToken, chain
from tests.contracts.service_log.logkit import ZERO32, deploy_log, resolved_ticket, signed
from tests.tokenkit import UNIT, key_of, reverts_with

from tests.adversarial.adversarykit import high_s, high_s_bytes, recovers_same_signer, sign_permit_for
from tests.contracts.redemption_vault.vaultkit import deploy_vault, fund


def redeem_request(vault, alice, item, nonce=1, qty=1, max_points=10**12, chain_id=None, address=None):
    from eth_account import Account

    from servicecoin.vault import sign_redeem

    deadline = chain.time() + 3_600
    request, sig = sign_redeem(Account.from_key(key_of(alice)), chain_id or chain.id, address or vault.address,
                               item, qty, max_points, nonce, deadline)
    return (str(alice), *request[1:]), sig


# ------------------------------------------------------------------ malleability
def test_high_s_feedback_signature_is_refused(log, agent, alice, stranger):
    resolved_ticket(log, agent, 7, alice)
    deadline, sig = signed(log, alice, 7, 5)
    assert recovers_same_signer(bytes(log.feedbackDigest(7, 5, ZERO32, deadline)), bytes(sig))
    with brownie.reverts():
        log.giveFeedbackBySig(7, 5, ZERO32, deadline, high_s_bytes(sig), {"from": stranger})
    assert log.count() == 2
    log.giveFeedbackBySig(7, 5, ZERO32, deadline, sig, {"from": stranger})  # the low-s original still works
    assert log.count() == 3


def test_high_s_redemption_signature_is_refused(vault, token, issuer, alice, stranger, gift):
    fund(token, issuer, alice, 300)
    request, sig = redeem_request(vault, alice, gift)
    with brownie.reverts():
        vault.redeemBySig(request, high_s_bytes(sig), {"from": stranger})
    assert token.balanceOf(alice) == 300 * UNIT
    vault.redeemBySig(request, sig, {"from": stranger})
    assert token.balanceOf(alice) == 200 * UNIT


def test_high_s_permit_is_refused(token, alice, bob):
    deadline = chain.time() + 3_600
    v, r, s = sign_permit_for(key_of(alice), token.name(), chain.id, token.address, alice, bob, 50, 0, deadline)
    r2, s2, v2 = high_s(r, s, v)
    with reverts_with("ECDSAInvalidSignatureS"):
        token.permit(alice, bob, 50, deadline, v2, r2.to_bytes(32, "big"), s2.to_bytes(32, "big"), {"from": bob})
    assert token.allowance(alice, bob) == 0 and token.nonces(alice) == 0
    token.permit(alice, bob, 50, deadline, v, r.to_bytes(32, "big"), s.to_bytes(32, "big"), {"from": bob})
    assert token.allowance(alice, bob) == 50


# ------------------------------------------------------------------ replay
def test_feedback_signature_replayed_on_another_chain_contract_or_ticket_is_refused(log, admin, token, agent, alice,
                                                                                   stranger):
    other = deploy_log(admin, token, agent)
    for lg in (log, other):
        resolved_ticket(lg, agent, 7, alice)
        resolved_ticket(lg, agent, 8, alice)
    deadline, sig = signed(log, alice, 7, 5)
    for target, ticket in ((other, 7), (log, 8)):
        with reverts_with("InvalidSignature"):
            target.giveFeedbackBySig(ticket, 5, ZERO32, deadline, sig, {"from": stranger})
    deadline, foreign = signed(log, alice, 7, 5, chain_id=chain.id + 1)
    with reverts_with("InvalidSignature"):
        log.giveFeedbackBySig(7, 5, ZERO32, deadline, foreign, {"from": stranger})


def test_redemption_signature_replayed_on_another_chain_vault_or_item_is_refused(vault, token, issuer, admin, alice,
                                                                                 stranger, gift, voucher):
    fund(token, issuer, alice, 500)
    other = deploy_vault(admin, token)
    request, sig = redeem_request(vault, alice, gift)
    with reverts_with("InvalidSignature"):
        other.redeemBySig(request, sig, {"from": stranger})
    with reverts_with("InvalidSignature"):
        vault.redeemBySig((request[0], voucher, *request[2:]), sig, {"from": stranger})
    foreign_request, foreign = redeem_request(vault, alice, gift, chain_id=chain.id + 1)
    with reverts_with("InvalidSignature"):
        vault.redeemBySig(foreign_request, foreign, {"from": stranger})
    assert token.balanceOf(alice) == 500 * UNIT


def test_permit_replayed_on_another_chain_token_or_twice_is_refused(token, admin, alice, bob):
    deadline = chain.time() + 3_600
    twin = RewardToken.deploy(token.name(), token.symbol(), admin, 0, 86_400, 3, 0, {"from": admin})
    v, r, s = sign_permit_for(key_of(alice), token.name(), chain.id, token.address, alice, bob, 50, 0, deadline)
    r, s = r.to_bytes(32, "big"), s.to_bytes(32, "big")
    with reverts_with("ERC2612InvalidSigner"):
        twin.permit(alice, bob, 50, deadline, v, r, s, {"from": bob})
    fv, fr, fs = sign_permit_for(key_of(alice), token.name(), chain.id + 1, token.address, alice, bob, 50, 0, deadline)
    with reverts_with("ERC2612InvalidSigner"):
        token.permit(alice, bob, 50, deadline, fv, fr.to_bytes(32, "big"), fs.to_bytes(32, "big"), {"from": bob})
    token.permit(alice, bob, 50, deadline, v, r, s, {"from": bob})
    token.approve(bob, 0, {"from": alice})
    with reverts_with("ERC2612InvalidSigner"):  # the nonce moved on: the same permit cannot restore the allowance
        token.permit(alice, bob, 50, deadline, v, r, s, {"from": bob})
    assert token.allowance(alice, bob) == 0


# ------------------------------------------------------------------ front-running a relayed request
def test_frontrun_relayed_redemption_executes_once_on_the_customers_terms(vault, token, issuer, alice, stranger,
                                                                          merchant, gift):
    """Someone copies the customer's signed request from the mempool and submits it first."""
    fund(token, issuer, alice, 500)
    request, sig = redeem_request(vault, alice, gift, nonce=9, qty=2, max_points=200 * UNIT)
    for terms in ((request[0], request[1], 3, *request[3:]), (request[0], request[1], request[2], 10**12,
                                                               *request[4:])):
        with reverts_with("InvalidSignature"):  # the front-runner cannot change quantity or price cap
            vault.redeemBySig(terms, sig, {"from": stranger})
    tx = vault.redeemBySig(request, sig, {"from": stranger})
    rid = tx.return_value
    assert vault.redemption(rid)[0] == alice and token.balanceOf(alice) == 300 * UNIT
    assert token.balanceOf(stranger) == 0
    with reverts_with("NonceUsed"):  # the relayer's own submission fails cleanly
        vault.redeemBySig(request, sig, {"from": merchant})
    assert token.balanceOf(alice) == 300 * UNIT


def test_frontrun_relayed_feedback_is_recorded_once_for_the_customer(log, token, agent, alice, stranger, merchant):
    resolved_ticket(log, agent, 7, alice)
    deadline, sig = signed(log, alice, 7, 4)
    with reverts_with("InvalidSignature"):  # the front-runner cannot change the rating
        log.giveFeedbackBySig(7, 1, ZERO32, deadline, sig, {"from": stranger})
    log.giveFeedbackBySig(7, 4, ZERO32, deadline, sig, {"from": stranger})
    reward = token.balanceOf(alice)
    with reverts_with("FeedbackAlreadyGiven"):
        log.giveFeedbackBySig(7, 4, ZERO32, deadline, sig, {"from": merchant})
    assert token.balanceOf(alice) == reward and token.balanceOf(stranger) == 0

