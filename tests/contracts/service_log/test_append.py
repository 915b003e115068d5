"""Agent records: ticket rules, details, amendments, batches and the hash chain."""

from brownie import ZERO_ADDRESS, web3
from tests.contracts.service_log.logkit import (AMENDMENT, COMPLAINT, FEEDBACK, FOLLOWUP, OPENED, REPLY, RESOLVED,
                                                SATISFIED, ZERO32, assert_chain_verifies, chain_records, entry,
                                                open_ticket, recorded)
from tests.tokenkit import reverts_with


def test_open_records_event_and_moves_head(log, agent, alice):
    c = web3.keccak(text="salt+text")
    tx = log.append(entry(OPENED, 7, alice, c), {"from": agent})
    [ev] = recorded(tx)
    assert ev.seq == 1 and ev.kind == OPENED and ev.ticket == 7 and ev.customer == alice
    assert ev.agent == agent and ev.commitment == bytes(c)
    assert ev.timestamp == web3.eth.get_block(tx.block_number)["timestamp"]
    assert log.head() == "0x" + ev.head.hex() and log.count() == 1 and ev.head != bytes(24)
    assert tx.return_value == 1
    assert_chain_verifies(log)


def test_open_binds_ticket_to_customer(log, agent, alice):
    open_ticket(log, agent, 7, alice)
    assert list(log.ticketOf(7)) == [alice, 1, False, False]


def test_open_existing_ticket_reverts(log, agent, alice, bob):
    open_ticket(log, agent, 7, alice)
    with reverts_with("TicketExists"):
        open_ticket(log, agent, 7, bob)


def test_open_zero_customer_reverts(log, agent):
    with reverts_with("ZeroAddress"):
        log.append(entry(OPENED, 7, ZERO_ADDRESS), {"from": agent})


def test_ticket_zero_reverts(log, agent, alice):
    with reverts_with("InvalidTicket"):
        log.append(entry(OPENED, 0, alice), {"from": agent})


def test_reply_on_unknown_ticket_reverts(log, agent, alice):
    with reverts_with("UnknownTicket"):
        log.append(entry(REPLY, 7, alice), {"from": agent})


def test_record_naming_another_customer_reverts(log, agent, alice, bob):
    open_ticket(log, agent, 7, alice)
    with reverts_with("CustomerMismatch"):
        log.append(entry(REPLY, 7, bob), {"from": agent})


def test_reply_and_complaint_leave_ticket_state_unchanged(log, agent, alice):
    open_ticket(log, agent, 7, alice)
    log.append(entry(REPLY, 7, alice), {"from": agent})
    log.append(entry(COMPLAINT, 7, alice), {"from": agent})
    assert list(log.ticketOf(7)) == [alice, 1, False, False]
    assert log.count() == 3


def test_resolve_marks_ticket_resolved(log, agent, alice):
    open_ticket(log, agent, 7, alice)
    log.append(entry(RESOLVED, 7, alice), {"from": agent})
    assert log.ticketOf(7)[1] == 2


def test_resolve_twice_reverts(log, agent, alice):
    open_ticket(log, agent, 7, alice)
    log.append(entry(RESOLVED, 7, alice), {"from": agent})
    with reverts_with("TicketNotOpen"):
        log.append(entry(RESOLVED, 7, alice), {"from": agent})


def test_followup_records_outcome(log, agent, alice):
    open_ticket(log, agent, 7, alice)
    tx = log.append(entry(FOLLOWUP, 7, alice, detail=3), {"from": agent})
    assert recorded(tx)[0].detail == 3


def test_followup_with_unknown_outcome_reverts(log, agent, alice):
    open_ticket(log, agent, 7, alice)
    with reverts_with("InvalidDetail"):
        log.append(entry(FOLLOWUP, 7, alice, detail=4), {"from": agent})


def test_detail_on_other_kinds_reverts(log, agent, alice):
    open_ticket(log, agent, 7, alice)
    with reverts_with("InvalidDetail"):
        log.append(entry(REPLY, 7, alice, detail=1), {"from": agent})


def test_agent_cannot_append_feedback(log, agent, alice):
    open_ticket(log, agent, 7, alice)
    with reverts_with("KindNotAllowed"):
        log.append(entry(FEEDBACK, 7, alice, detail=5), {"from": agent})


def test_amendment_points_at_earlier_record(log, agent, alice):
    open_ticket(log, agent, 7, alice)
    tx = log.append(entry(AMENDMENT, 7, alice, ref=1), {"from": agent})
    [ev] = recorded(tx)
    assert ev.ref == 1 and ev.seq == 2 and ev.kind == AMENDMENT


def test_amendment_of_future_record_reverts(log, agent, alice):
    open_ticket(log, agent, 7, alice)
    with reverts_with("InvalidAmendment"):
        log.append(entry(AMENDMENT, 7, alice, ref=2), {"from": agent})


def test_amendment_without_ref_reverts(log, agent, alice):
    open_ticket(log, agent, 7, alice)
    with reverts_with("InvalidAmendment"):
        log.append(entry(AMENDMENT, 7, alice, ref=0), {"from": agent})


def test_ref_on_other_kinds_reverts(log, agent, alice):
    open_ticket(log, agent, 7, alice)
    with reverts_with("InvalidAmendment"):
        log.append(entry(REPLY, 7, alice, ref=1), {"from": agent})


def test_agent_record_with_zero_commitment_reverts(log, agent, alice):
    open_ticket(log, agent, 7, alice)
    with reverts_with("ZeroCommitment"):
        log.append((RESOLVED, 0, 0, 7, str(alice), ZERO32), {"from": agent})


def test_batch_appends_in_order(log, agent, alice, bob):
    entries = [entry(OPENED, 1, alice), entry(OPENED, 2, bob), entry(REPLY, 1, alice), entry(RESOLVED, 2, bob),
               entry(FOLLOWUP, 2, bob, detail=SATISFIED - 1)]
    tx = log.appendBatch(entries, {"from": agent})
    seqs = [r.seq for r in recorded(tx)]
    assert seqs == [1, 2, 3, 4, 5] and tx.return_value == 1
    assert log.count() == 5 and log.ticketOf(2)[1] == 2
    assert_chain_verifies(log)


def test_batch_is_atomic(log, agent, alice, bob):
    entries = [entry(OPENED, 1, alice), entry(REPLY, 1, bob)]
    with reverts_with("CustomerMismatch"):
        log.appendBatch(entries, {"from": agent})
    assert log.count() == 0 and log.ticketOf(1)[0] == ZERO_ADDRESS


def test_empty_batch_reverts(log, agent):
    with reverts_with("EmptyBatch"):
        log.appendBatch([], {"from": agent})


def test_batch_continues_the_chain_of_single_records(log, agent, alice):
    open_ticket(log, agent, 1, alice)
    log.appendBatch([entry(REPLY, 1, alice), entry(RESOLVED, 1, alice)], {"from": agent})
    log.append(entry(COMPLAINT, 1, alice), {"from": agent})
    assert [r.seq for r in chain_records(log)] == [1, 2, 3, 4]
    assert_chain_verifies(log)


RECORDED = web3.keccak(text="Recorded(uint256,address,address,bytes32,uint256,bytes24)")


def test_recorded_event_has_ticket_and_customer_topics_and_four_data_words(log, agent, alice):
    tx = log.append(entry(OPENED, 7, alice), {"from": agent})
    [raw] = [l for l in web3.eth.get_transaction_receipt(tx.txid)["logs"] if bytes(l["topics"][0]) == RECORDED]
    assert [int(bytes(t).hex(), 16) for t in raw["topics"][1:]] == [7, int(alice.address, 16)]
    assert len(bytes(raw["data"])) == 4 * 32


def test_recorded_info_packs_seq_timestamp_ref_detail_kind(log, agent, alice):
    open_ticket(log, agent, 7, alice)
    tx = log.append(entry(AMENDMENT, 7, alice, ref=1), {"from": agent})
    info = tx.events["Recorded"]["info"]
    ts = web3.eth.get_block(tx.block_number)["timestamp"]
    assert info == (AMENDMENT << 200) | (0 << 192) | (1 << 128) | (ts << 64) | 2
    tx = log.append(entry(FOLLOWUP, 7, alice, detail=SATISFIED), {"from": agent})
    assert tx.events["Recorded"]["info"] >> 192 == (FOLLOWUP << 8) | SATISFIED


def test_batch_of_100_replies_costs_at_most_8000_gas_per_record(log, agent, accounts):
    customers = list(accounts)[:10]
    log.appendBatch([entry(OPENED, 100 + i, customers[i % 10]) for i in range(100)], {"from": agent})
    tx = log.appendBatch([entry(REPLY, 100 + i, customers[i % 10]) for i in range(100)], {"from": agent})
    assert tx.gas_used / 100 <= 8_000
