"""servicelog + contentstore: append with text, relayed feedback, verify-log, tampering, erasure, CSV."""

import pytest
from brownie import accounts

from servicecoin.chain import dev_account
from servicecoin.errors import ConfigError
from servicecoin.servicelog import (Entry, Kind, Outcome, append, append_batch, check_contents, fetch_records,
                                    give_feedback, read_batch_csv, show, verify, verify_log)


def life_of_a_ticket(chain, slog, store, ticket=1):
    agent, customer = dev_account(8), dev_account(5)
    for e in [Entry(Kind.OPENED, ticket, customer.address, "charged twice"),
              Entry(Kind.REPLY, ticket, customer.address, "refunding"),
              Entry(Kind.RESOLVED, ticket, customer.address, "refunded"),
              Entry(Kind.FOLLOWUP, ticket, customer.address, "called back", int(Outcome.SATISFIED))]:
        append(chain, e, store, sender=agent, log=slog)
    return give_feedback(chain, customer, ticket, 5, "great", store, relayer=dev_account(9), log=slog)


def test_relayed_feedback_pays_reward_and_stores_text(svc_chain, slog, store, token):
    fb = life_of_a_ticket(svc_chain, slog, store)
    assert fb.seq == 5 and fb.reward_paid == 2500
    assert token.balanceOf(accounts[5]) == 2500 + 500
    assert store.get(slog.address, 5).text == "great"


def test_verify_log_is_ok_after_a_ticket(svc_chain, slog, store):
    life_of_a_ticket(svc_chain, slog, store)
    result = verify_log(svc_chain, slog)
    assert result.ok and result.count == 5


def test_tampered_copy_is_detected_at_its_record(svc_chain, slog, store):
    life_of_a_ticket(svc_chain, slog, store)
    records = fetch_records(svc_chain, slog)
    records[2].detail = 1  # someone edits record 3 in an archive copy
    head, count = slog.functions.state().call()
    result = verify(records, bytes(head), count)
    assert not result.ok and result.first_bad_seq == 3


def test_missing_record_in_copy_is_detected(svc_chain, slog, store):
    life_of_a_ticket(svc_chain, slog, store)
    records = fetch_records(svc_chain, slog)
    del records[1]
    head, count = slog.functions.state().call()
    assert verify(records, bytes(head), count).first_bad_seq == 2


def test_tampered_local_text_shows_as_mismatch(svc_chain, slog, store):
    life_of_a_ticket(svc_chain, slog, store)
    store.db.execute("UPDATE content SET text = 'never charged' WHERE seq = 1")
    checked = check_contents(store, slog.address, fetch_records(svc_chain, slog))
    assert checked.mismatched == [1] and checked.matching == 4
    assert show(svc_chain, 1, store, slog)["content"] == "MISMATCH"


def test_erase_removes_text_and_verification_stays_green(svc_chain, slog, store):
    life_of_a_ticket(svc_chain, slog, store)
    store.erase(slog.address, 1)
    assert store.get(slog.address, 1).text is None and store.get(slog.address, 1).salt is None
    assert verify_log(svc_chain, slog).ok
    checked = check_contents(store, slog.address, fetch_records(svc_chain, slog))
    assert checked.erased == 1 and not checked.mismatched
    assert show(svc_chain, 1, store, slog)["content"] == "erased"


def test_show_reports_text_and_match(svc_chain, slog, store):
    life_of_a_ticket(svc_chain, slog, store)
    data = show(svc_chain, 4, store, slog)
    assert data["text"] == "called back" and data["content"] == "matches" and data["outcome"] == "satisfied"


def test_batch_from_csv(svc_chain, slog, store, tmp_path):
    c = dev_account(6).address
    path = tmp_path / "b.csv"
    path.write_text("kind,ticket,customer,text,outcome,ref\n" + f"open,10,{c},hello,,\nreply,10,{c},hi,,\n"
                    f"followup,10,{c},,not-reached,\namend,10,{c},typo,,2\n")
    seen = []
    results = append_batch(svc_chain, read_batch_csv(path), store, sender=dev_account(8), batch_size=3, log=slog,
                           progress=seen.append)
    assert [r.seq for r in results] == [1, 2, 3, 4] and seen == [3, 1]
    assert verify_log(svc_chain, slog).ok


def test_csv_error_names_file_line_and_field(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("kind,ticket,customer\nopen,1,0x0000000000000000000000000000000000000001\nfollowup,1,nope\n")
    with pytest.raises(ConfigError, match=r"bad.csv:3: customer"):
        read_batch_csv(path)


def test_csv_followup_needs_outcome(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("kind,ticket,customer,outcome\nfollowup,1,0x0000000000000000000000000000000000000001,\n")
    with pytest.raises(ConfigError, match=r"bad.csv:2: outcome"):
        read_batch_csv(path)
