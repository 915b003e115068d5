"""An audit of the service log from chain data alone: single, packed and anchored records verify together,
across log versions; a tampered packed record, receipt or root is named; `svc verify-log` and
`svc verify-receipt` run with only an RPC URL and an address."""

import json

from brownie import ServiceLog, web3
from click.testing import CliRunner

from servicecoin.chain import dev_account
from servicecoin.cli import cli
from servicecoin.servicelog import (Channel, Entry, Kind, Outcome, append, append_batch, fetch_records, give_feedback,
                                    verify, verify_log, with_heads)
from servicecoin.servicelog.anchoring import anchor_records, check_receipt, find_receipt, receipt_record

AGENT, CUSTOMER, OTHER = dev_account(8), dev_account(5), dev_account(6)


def mixed_log(chain, slog, store, folder):
    """#1 single open; #2–#5 packed (reply, open, reply, resolve); #6–#8 anchored replies; #9 feedback."""
    c, o = CUSTOMER.address, OTHER.address
    append(chain, Entry(Kind.OPENED, 1, c, "charged twice"), store, sender=AGENT, log=slog)
    append_batch(chain, [Entry(Kind.REPLY, 1, c, "looking", channel=Channel.CHAT, time=1_780_000_000),
                         Entry(Kind.OPENED, 2, o, "late delivery"), Entry(Kind.REPLY, 2, o, "on its way"),
                         Entry(Kind.RESOLVED, 1, c, "refunded")], store, sender=AGENT, log=slog)
    anchor_records(chain, [Entry(Kind.REPLY, 2, o, "tracking sent"), Entry(Kind.COMPLAINT, 2, o, "still late"),
                           Entry(Kind.FOLLOWUP, 2, o, "no answer", int(Outcome.NOT_REACHED))], store, folder,
                   sender=AGENT, log=slog)
    give_feedback(chain, CUSTOMER, 1, 5, "thanks", store, relayer=dev_account(9), log=slog)


def test_single_packed_and_anchored_records_verify_together(svc_chain, slog, store, tmp_path):
    mixed_log(svc_chain, slog, store, tmp_path)
    records = fetch_records(svc_chain, slog)
    assert [r.form for r in records] == ["single", "packed", "packed", "packed", "packed", "anchor", "single"]
    receipts = [receipt_record(find_receipt(tmp_path, seq)) for seq in (6, 7, 8)]
    result = verify_log(svc_chain, slog, records + receipts)
    assert result.valid and result.count == 9 and result.anchored == 3, result.summary()


def test_tampered_packed_record_in_a_copy_is_named(svc_chain, slog, store, tmp_path):
    mixed_log(svc_chain, slog, store, tmp_path)
    copy = with_heads(fetch_records(svc_chain, slog))
    copy[2].customer = CUSTOMER.address  # record #3, inside the packed batch #2–#5
    head, count = slog.functions.state().call()
    result = verify(copy, bytes(head), count)
    assert not result.ok and result.first_bad_seq == 3


def test_packed_batch_without_heads_is_named_by_its_range(svc_chain, slog, store, tmp_path):
    mixed_log(svc_chain, slog, store, tmp_path)
    copy = fetch_records(svc_chain, slog)
    copy[3].ticket = 1
    head, count = slog.functions.state().call()
    result = verify(copy, bytes(head), count)
    assert not result.ok and result.first_bad_seq == 2 and "records #2–#5" in result.reason


def test_tampered_root_is_named(svc_chain, slog, store, tmp_path):
    mixed_log(svc_chain, slog, store, tmp_path)
    copy = fetch_records(svc_chain, slog)
    anchor = next(r for r in copy if r.form == "anchor")
    anchor.root = b"\1" * 32
    head, count = slog.functions.state().call()
    assert verify(copy, bytes(head), count).first_bad_seq == 6
    receipt = find_receipt(tmp_path, 7)
    receipt["root"] = "0x" + "01" * 32
    assert any("root" in p for p in check_receipt(svc_chain.w3, receipt))


def test_tampered_receipt_is_named(svc_chain, slog, store, tmp_path):
    mixed_log(svc_chain, slog, store, tmp_path)
    receipt = find_receipt(tmp_path, 7)
    assert check_receipt(svc_chain.w3, receipt) == []
    forged = dict(receipt, packed=receipt["packed"][:-2] + "ff")  # the record's time changed
    assert check_receipt(svc_chain.w3, forged)
    result = verify_log(svc_chain, slog, fetch_records(svc_chain, slog) + [receipt_record(forged)])
    assert result.ok and not result.valid and [b.seq for b in result.rules] == [7]


def test_ticket_rules_are_checked_off_chain(svc_chain, slog, store):
    c = CUSTOMER.address
    append(svc_chain, Entry(Kind.OPENED, 1, c, "x"), store, sender=AGENT, log=slog)
    append_batch(svc_chain, [Entry(Kind.REPLY, 1, OTHER.address, "wrong customer"), Entry(Kind.COMPLAINT, 9, c, "?")],
                 store, sender=AGENT, log=slog)
    result = verify_log(svc_chain, slog)
    assert result.ok and not result.valid
    assert [(b.seq, b.ticket) for b in result.rules] == [(2, 1), (3, 9)] and result.first_bad == 2


def test_verify_follows_log_versions(svc_chain, slog, store, admin, token):
    c = CUSTOMER.address
    append_batch(svc_chain, [Entry(Kind.OPENED, 1, c, "x"), Entry(Kind.REPLY, 1, c, "y")], store, sender=AGENT,
                 log=slog)
    head, count = slog.functions.state().call()
    new = ServiceLog.deploy(admin, token, 0, 0, 0, slog.address, head, count, {"from": admin})
    new.grantRole(new.AGENT_ROLE(), AGENT.address, {"from": admin})
    newer = svc_chain.contract("ServiceLog", new.address)
    append_batch(svc_chain, [Entry(Kind.OPENED, 5, c, "a"), Entry(Kind.REPLY, 1, c, "a ticket of the old log")],
                 store, sender=AGENT, log=newer)
    result = verify_log(svc_chain, newer)
    assert result.ok and result.valid and result.count == 4 and result.logs == [slog.address, new.address]
    append(svc_chain, Entry(Kind.REPLY, 1, c, "too late"), store, sender=AGENT, log=slog)
    late = verify_log(svc_chain, newer)
    assert not late.ok and "went on" in late.reason


def test_cli_audits_from_an_empty_folder(svc_chain, slog, store, tmp_path, monkeypatch):
    mixed_log(svc_chain, slog, store, tmp_path / "anchored")
    empty = tmp_path / "auditor"
    empty.mkdir()
    monkeypatch.chdir(empty)
    monkeypatch.setenv("SVC_DEPLOYMENTS_DIR", str(empty / "none"))
    rpc = web3.provider.endpoint_uri
    out = CliRunner().invoke(cli, ["verify-log", "--address", slog.address, "--rpc", rpc, "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["valid"] and data["count"] == 9 and "contents" not in data
    (empty / "r7.json").write_text(json.dumps(find_receipt(tmp_path / "anchored", 7)))
    ok = CliRunner().invoke(cli, ["verify-receipt", "r7.json", "--rpc", rpc])
    assert ok.exit_code == 0 and ok.output.startswith("OK: record #7"), ok.output
    forged = json.loads((empty / "r7.json").read_text())
    forged["proof"][0] = "0x" + "00" * 32
    (empty / "r7.json").write_text(json.dumps(forged))
    bad = CliRunner().invoke(cli, ["verify-receipt", "r7.json", "--rpc", rpc])
    assert bad.exit_code == 1 and "proof does not lead to the root" in bad.output
    assert sorted(p.name for p in empty.iterdir()) == ["r7.json"]
    missing = CliRunner().invoke(cli, ["verify-log", "--network", "development"])
    assert missing.exit_code == 2 and "--address" in missing.output and "svc deploy" not in missing.output


def test_cli_checks_a_content_export(svc_chain, slog, store, tmp_path):
    from servicecoin.servicelog.records import export_contents

    mixed_log(svc_chain, slog, store, tmp_path / "anchored")
    rows = export_contents(store, slog.address)
    texts = tmp_path / "texts.json"
    texts.write_text(json.dumps(rows))
    args = ["verify-log", "--address", slog.address, "--rpc", web3.provider.endpoint_uri, "--texts", str(texts), "--json"]
    data = json.loads(CliRunner().invoke(cli, args).output)
    assert data["valid"] and data["contents"]["matching"] == 6 and not data["contents"]["mismatched"]
    next(r for r in rows if r["seq"] == 3)["text"] = "never said that"
    texts.write_text(json.dumps(rows))
    out = CliRunner().invoke(cli, args)
    assert out.exit_code == 1 and json.loads(out.output)["contents"]["mismatched"] == [3]


def test_a_single_record_with_channel_and_time_goes_packed(svc_chain, slog, store):
    from servicecoin.servicelog import show

    c = CUSTOMER.address
    append(svc_chain, Entry(Kind.OPENED, 1, c, "hello"), store, sender=AGENT, log=slog)
    done = append(svc_chain, Entry(Kind.REPLY, 1, c, "hi", channel=Channel.PHONE, time=1_780_000_123), store,
                  sender=AGENT, log=slog)
    shown = show(svc_chain, done.seq, store, slog)
    assert shown["form"] == "packed" and shown["channel"] == "phone" and shown["time"] == 1_780_000_123
    assert shown["content"] == "matches" and verify_log(svc_chain, slog).valid


def test_help_desk_events_already_on_chain_are_not_sent_again(svc_chain, slog, store):
    c = CUSTOMER.address
    first = [Entry(Kind.OPENED, 1, c, "hello", event_id="zd-1"), Entry(Kind.REPLY, 1, c, "hi", event_id="zd-2")]
    sent = append_batch(svc_chain, first, store, sender=AGENT, log=slog)
    assert [a.seq for a in sent] == [1, 2]
    # the sender crashed before it noted what it sent: it sends the same events again, and one more
    again = [Entry(Kind.OPENED, 1, c, "hello", event_id="zd-1"), Entry(Kind.REPLY, 1, c, "hi", event_id="zd-2"),
             Entry(Kind.RESOLVED, 1, c, "done", event_id="zd-3")]
    sent = append_batch(svc_chain, again, store, sender=AGENT, log=slog)
    assert [(a.seq, a.kind) for a in sent] == [(3, "resolved")]
    assert slog.functions.count().call() == 3 and store.get(slog.address, 2).text == "hi"
    resent = append_batch(svc_chain, [Entry(Kind.REPLY, 1, c, "hi", event_id="zd-2")], None, sender=AGENT,
                             log=slog)  # without the store the same commitment is still recognised
    assert resent == []


def test_a_contract_agents_batch_carries_its_records_in_the_event(svc_chain, slog, store, admin):
    from brownie import MaliciousMerchant  # a contract that forwards any call: here, an agent that is a contract

    from servicecoin.servicelog import Channel
    from servicecoin.servicelog.packed import pack

    proxy = MaliciousMerchant.deploy({"from": admin})
    slog_b = ServiceLog.at(slog.address)
    slog_b.grantRole(slog_b.AGENT_ROLE(), proxy, {"from": admin})
    c = CUSTOMER.address
    records = pack(int(Kind.OPENED), 1, c, b"\1" * 32, channel=int(Channel.CHAT)) + pack(int(Kind.REPLY), 1, c, b"\2" * 32)
    tx = proxy.exec(slog.address, slog_b.appendPacked.encode_input(records), {"from": admin})
    assert tx.events["BatchRecorded"][0]["records"] == "0x" + records.hex()
    fetched = fetch_records(svc_chain, slog)
    assert [(r.seq, r.kind, r.agent) for r in fetched] == [(1, Kind.OPENED, proxy.address), (2, Kind.REPLY, proxy.address)]
    assert verify_log(svc_chain, slog).valid
