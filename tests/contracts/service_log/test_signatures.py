"""Relayed feedback by EIP-712 signature: who signs, what it binds, replay and expiry."""

from brownie import chain, web3
from eth_account.messages import encode_typed_data
from tests.contracts.service_log.logkit import (FEEDBACK_REWARD, ZERO32, assert_chain_verifies, deploy_log, recorded,
                                                resolved_ticket, signed)
from tests.tokenkit import reverts_with

from servicecoin.servicelog import feedback_typed_data


def test_relayed_feedback_is_recorded_as_the_customer(log, token, agent, alice, stranger):
    resolved_ticket(log, agent, 7, alice)
    deadline, sig = signed(log, alice, 7, 5)
    tx = log.giveFeedbackBySig(7, 5, ZERO32, deadline, sig, {"from": stranger})
    [rec] = recorded(tx)
    assert rec.agent == alice and rec.customer == alice
    assert token.balanceOf(alice) == FEEDBACK_REWARD and token.balanceOf(stranger) == 0
    assert_chain_verifies(log)


def test_digest_matches_the_typed_data_customers_sign(log):
    deadline = 1_900_000_000
    message = encode_typed_data(full_message=feedback_typed_data(web3.eth.chain_id, log.address, 7, 5,
                                                                 bytes(32), deadline))
    from eth_utils import keccak
    digest = keccak(b"\x19" + message.version + message.header + message.body)
    assert bytes(log.feedbackDigest(7, 5, ZERO32, deadline)) == digest


def test_signature_replayed_on_the_same_ticket_reverts(log, agent, alice, stranger):
    resolved_ticket(log, agent, 7, alice)
    deadline, sig = signed(log, alice, 7, 5)
    log.giveFeedbackBySig(7, 5, ZERO32, deadline, sig, {"from": stranger})
    with reverts_with("FeedbackAlreadyGiven"):
        log.giveFeedbackBySig(7, 5, ZERO32, deadline, sig, {"from": stranger})


def test_signature_for_another_ticket_reverts(log, agent, alice, stranger):
    resolved_ticket(log, agent, 7, alice)
    resolved_ticket(log, agent, 8, alice)
    deadline, sig = signed(log, alice, 7, 5)
    with reverts_with("InvalidSignature"):
        log.giveFeedbackBySig(8, 5, ZERO32, deadline, sig, {"from": stranger})


def test_signature_for_another_contract_reverts(log, admin, token, agent, alice, stranger):
    other = deploy_log(admin, token, agent)
    resolved_ticket(log, agent, 7, alice)
    resolved_ticket(other, agent, 7, alice)
    deadline, sig = signed(other, alice, 7, 5)
    with reverts_with("InvalidSignature"):
        log.giveFeedbackBySig(7, 5, ZERO32, deadline, sig, {"from": stranger})


def test_signature_for_another_chain_reverts(log, agent, alice, stranger):
    resolved_ticket(log, agent, 7, alice)
    deadline, sig = signed(log, alice, 7, 5, chain_id=web3.eth.chain_id + 1)
    with reverts_with("InvalidSignature"):
        log.giveFeedbackBySig(7, 5, ZERO32, deadline, sig, {"from": stranger})


def test_signature_by_someone_else_reverts(log, agent, alice, bob, stranger):
    resolved_ticket(log, agent, 7, alice)
    deadline, sig = signed(log, bob, 7, 5)
    with reverts_with("InvalidSignature"):
        log.giveFeedbackBySig(7, 5, ZERO32, deadline, sig, {"from": stranger})


def test_changed_rating_invalidates_signature(log, agent, alice, stranger):
    resolved_ticket(log, agent, 7, alice)
    deadline, sig = signed(log, alice, 7, 5)
    with reverts_with("InvalidSignature"):
        log.giveFeedbackBySig(7, 1, ZERO32, deadline, sig, {"from": stranger})


def test_expired_signature_reverts(log, agent, alice, stranger):
    resolved_ticket(log, agent, 7, alice)
    deadline, sig = signed(log, alice, 7, 5, deadline=web3.eth.get_block("latest")["timestamp"] + 60)
    chain.sleep(120)
    with reverts_with("SignatureExpired"):
        log.giveFeedbackBySig(7, 5, ZERO32, deadline, sig, {"from": stranger})


def test_signed_feedback_on_unknown_ticket_reverts(log, alice, stranger):
    deadline, sig = signed(log, alice, 7, 5)
    with reverts_with("UnknownTicket"):
        log.giveFeedbackBySig(7, 5, ZERO32, deadline, sig, {"from": stranger})
