"""Packed batches, anchored batches and log versions on chain: rules, rewards, events and the hash chain."""

from brownie import ServiceLog, web3

from servicecoin.servicelog import Kind, verify
from servicecoin.servicelog.packed import Channel, pack
from tests.contracts.service_log.logkit import (FOLLOWUP_BONUS, NO_PREVIOUS_LOG, SATISFIED, chain_records,
                                                open_ticket)
from tests.tokenkit import reverts_with

NOW = 1_780_000_000


def rec(kind, ticket, customer, detail=0, ref=0, channel=Channel.CHAT, time=NOW, commitment=None):
    c = commitment if commitment is not None else bytes(web3.keccak(text=f"{kind}-{ticket}-{detail}-{ref}"))
    return pack(int(kind), ticket, str(customer), c, detail, ref, int(channel), time)


def packed(log, agent, *records):
    return log.appendPacked(b"".join(records), {"from": agent})


def test_lifecycle_batch_verifies_with_one_event(log, agent, alice):
    tx = packed(log, agent, rec(Kind.OPENED, 7, alice), rec(Kind.REPLY, 7, alice), rec(Kind.RESOLVED, 7, alice))
    assert "Recorded" not in tx.events and len(tx.events["BatchRecorded"]) == 1
    ev = tx.events["BatchRecorded"][0]
    assert ev["firstSeq"] == 1 and ev["count"] == 3 and ev["records"] == "0x"  # the tx input holds them
    assert list(log.ticketOf(7)) == [alice, 2, False, False]
    records = chain_records(log)
    assert [r.kind for r in records] == [Kind.OPENED, Kind.REPLY, Kind.RESOLVED]
    assert records[1].channel == Channel.CHAT and records[1].time == NOW
    head, count = log.state()
    assert verify(records, bytes(head), count).valid


def test_packed_and_single_records_chain_together(log, agent, alice):
    open_ticket(log, agent, 7, alice)
    packed(log, agent, rec(Kind.REPLY, 7, alice))
    log.anchor(web3.keccak(text="root"), 5, {"from": agent})
    packed(log, agent, rec(Kind.RESOLVED, 7, alice))
    head, count = log.state()
    assert count == 8
    assert verify(chain_records(log), bytes(head), count).ok


def test_feedback_works_on_a_packed_ticket(log, agent, alice, token):
    packed(log, agent, rec(Kind.OPENED, 7, alice), rec(Kind.RESOLVED, 7, alice))
    log.giveFeedback(7, 5, web3.keccak(text="thanks"), {"from": alice})
    assert log.ticketOf(7)[2] is True and token.balanceOf(alice) > 0


def test_satisfied_followup_pays_the_bonus_once(log, agent, alice, token):
    packed(log, agent, rec(Kind.OPENED, 7, alice), rec(Kind.FOLLOWUP, 7, alice, SATISFIED))
    assert token.balanceOf(alice) == FOLLOWUP_BONUS
    tx = packed(log, agent, rec(Kind.FOLLOWUP, 7, alice, SATISFIED, time=NOW + 1))
    assert token.balanceOf(alice) == FOLLOWUP_BONUS and "Rewarded" not in tx.events


def test_reply_reads_no_ticket_state(log, agent, alice):
    packed(log, agent, rec(Kind.REPLY, 99, alice))  # unknown ticket: accepted, verify-log names it
    head, count = log.state()
    result = verify(chain_records(log), bytes(head), count)
    assert result.ok and not result.valid and result.rules[0].seq == 1


def test_rewarded_kinds_keep_their_rules(log, agent, alice, bob):
    with reverts_with("UnknownTicket"):
        packed(log, agent, rec(Kind.RESOLVED, 7, alice))
    packed(log, agent, rec(Kind.OPENED, 7, alice))
    with reverts_with("CustomerMismatch"):
        packed(log, agent, rec(Kind.RESOLVED, 7, bob))
    with reverts_with("TicketExists"):
        packed(log, agent, rec(Kind.OPENED, 7, bob))
    with reverts_with("CustomerMismatch"):
        packed(log, agent, rec(Kind.FOLLOWUP, 7, bob, SATISFIED))


def test_bad_records_revert(log, agent, alice):
    packed(log, agent, rec(Kind.OPENED, 7, alice))
    with reverts_with("ZeroCommitment"):
        packed(log, agent, rec(Kind.REPLY, 7, alice, commitment=bytes(32)))
    with reverts_with("KindNotAllowed"):
        packed(log, agent, rec(Kind.FEEDBACK, 7, alice))
    with reverts_with("InvalidAmendment"):
        packed(log, agent, rec(Kind.AMENDMENT, 7, alice, ref=5))
    with reverts_with("InvalidDetail"):
        packed(log, agent, rec(Kind.REPLY, 7, alice, detail=1))
    with reverts_with("InvalidPackedLength"):
        log.appendPacked(rec(Kind.REPLY, 7, alice)[:70], {"from": agent})
    bad_channel = bytearray(rec(Kind.REPLY, 7, alice))
    bad_channel[0] |= 7 << 2
    with reverts_with("InvalidEntry"):
        log.appendPacked(bytes(bad_channel), {"from": agent})


def test_only_agents_append_packed_or_anchor(log, stranger, alice):
    with reverts_with("AccessControlUnauthorizedAccount"):
        log.appendPacked(rec(Kind.OPENED, 7, alice), {"from": stranger})
    with reverts_with("AccessControlUnauthorizedAccount"):
        log.anchor(web3.keccak(text="r"), 3, {"from": stranger})


def test_anchor_numbers_records_and_emits_root(log, agent):
    tx = log.anchor(web3.keccak(text="root"), 1000, {"from": agent})
    ev = tx.events["Anchored"][0]
    assert ev["firstSeq"] == 1 and ev["count"] == 1000 and log.count() == 1000
    with reverts_with("EmptyBatch"):
        log.anchor(web3.keccak(text="r"), 0, {"from": agent})
    with reverts_with("ZeroCommitment"):
        log.anchor(bytes(32), 3, {"from": agent})


def test_deployment_block_is_known(log):
    assert log.deploymentBlock() == web3.eth.get_transaction_receipt(log.tx.txid)["blockNumber"]


def test_new_version_continues_head_and_count(log, agent, admin, token, alice):
    packed(log, agent, rec(Kind.OPENED, 7, alice))
    head, count = log.state()
    new = ServiceLog.deploy(admin, token, 0, 0, 0, log, head, count, {"from": admin})
    assert new.state() == (head, count) and list(new.previousLog()) == [log, head, count]
    with reverts_with("PreviousLogMismatch"):
        ServiceLog.deploy(admin, token, 0, 0, 0, log, head, count + 1, {"from": admin})
    with reverts_with("PreviousLogMismatch"):
        ServiceLog.deploy(admin, token, 0, 0, 0, NO_PREVIOUS_LOG[0], head, 0, {"from": admin})


def test_a_bonus_the_token_refuses_in_a_packed_batch_is_owed_and_claimed(log, agent, alice, token, pauser):
    packed(log, agent, rec(Kind.OPENED, 7, alice))
    token.pause({"from": pauser})
    tx = packed(log, agent, rec(Kind.REPLY, 7, alice), rec(Kind.FOLLOWUP, 7, alice, SATISFIED),
                rec(Kind.COMPLAINT, 7, alice))
    token.unpause({"from": pauser})
    assert tx.events["RewardOwed"]["seq"] == 3 and log.owedReward(7) == FOLLOWUP_BONUS
    log.claimReward(7, {"from": alice})
    assert token.balanceOf(alice) == FOLLOWUP_BONUS and log.owedReward(7) == 0
    head, count = log.state()
    assert count == 4 and verify(chain_records(log), bytes(head), count).valid
