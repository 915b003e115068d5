"""The `Recorded` event's packed `info` word: decoded alike by servicelog, the indexer and verify-log."""

from servicecoin.chain import dev_account
from servicecoin.index import Indexer, IndexSettings, open_db
from servicecoin.servicelog import Entry, Kind, append, fetch_records, unpack_info, verify_log

from tests.offchain.servicelog.test_servicelog import life_of_a_ticket


def test_unpack_info_reads_each_field_from_its_bits():
    info = (6 << 200) | (3 << 192) | (41 << 128) | (1_700_000_000 << 64) | 42
    assert unpack_info(info) == {"seq": 42, "timestamp": 1_700_000_000, "ref": 41, "detail": 3, "kind": 6}


def test_unpack_info_keeps_full_64_bit_fields():
    top = (1 << 64) - 1
    info = (top << 128) | (top << 64) | top
    assert unpack_info(info) == {"seq": top, "timestamp": top, "ref": top, "detail": 0, "kind": 0}


def test_indexed_service_records_equal_the_decoded_events(svc_chain, slog, store, token, tmp_path):
    life_of_a_ticket(svc_chain, slog, store)
    append(svc_chain, Entry(Kind.AMENDMENT, 1, dev_account(5).address, "correction", ref=2), store,
           sender=dev_account(8), log=slog)
    db = open_db(str(tmp_path / "index.sqlite"), "development")
    try:
        Indexer(svc_chain, db, IndexSettings(confirmations=0),
                contracts={"RewardToken": token.address, "ServiceLog": slog.address}, log=lambda m: None).run()
        rows = db.query("SELECT seq, kind, ticket, customer, agent, detail, ref, record_ts, block FROM service_records "
                        "ORDER BY seq")
    finally:
        db.close()
    records = fetch_records(svc_chain, slog)
    assert [r.seq for r in records] == [1, 2, 3, 4, 5, 6] and verify_log(svc_chain, slog).ok
    assert [tuple(row) for row in rows] == [
        (r.seq, r.kind, str(r.ticket), r.customer.lower(), r.agent.lower(), r.detail, r.ref, r.timestamp, r.block)
        for r in records]
    assert [r.kind for r in records] == [0, 1, 2, 3, 5, 6] and records[3].detail == 2 and records[5].ref == 2


def test_packed_and_anchored_records_are_indexed_and_check(svc_chain, slog, store, token, tmp_path):
    from servicecoin.index.verify import quick_check
    from servicecoin.servicelog import Channel, append_batch
    from servicecoin.servicelog.anchoring import anchor_records

    c, agent = dev_account(5).address, dev_account(8)
    append(svc_chain, Entry(Kind.OPENED, 1, c, "single"), store, sender=agent, log=slog)
    append_batch(svc_chain, [Entry(Kind.REPLY, 1, c, "packed", channel=Channel.PHONE, time=1_780_000_000),
                             Entry(Kind.RESOLVED, 1, c, "done")], store, sender=agent, log=slog)
    anchor_records(svc_chain, [Entry(Kind.REPLY, 1, c, "anchored")], store, tmp_path / "anchored", sender=agent,
                   log=slog)
    append_batch(svc_chain, [Entry(Kind.COMPLAINT, 1, c, "after")], store, sender=agent, log=slog)
    db = open_db(str(tmp_path / "index.sqlite"), "development")
    try:
        Indexer(svc_chain, db, IndexSettings(confirmations=0),
                contracts={"RewardToken": token.address, "ServiceLog": slog.address}, log=lambda m: None).run()
        rows = db.query("SELECT seq, kind, form, channel, event_time FROM service_records ORDER BY seq")
        assert [tuple(r) for r in rows] == [(1, 0, "single", 0, 0), (2, 1, "packed", 2, 1_780_000_000),
                                            (3, 2, "packed", 0, 0), (5, 4, "packed", 0, 0)]
        assert db.query("SELECT first_seq, count FROM service_anchors") == [(4, 1)]
        check = quick_check(db, svc_chain)
        assert check.ok, check.summary()
        from servicecoin.statement import statement

        [ticket] = statement(db, c)["tickets"]  # the customer's statement reads the packed records
        assert ticket["status"] == "resolved" and [r["seq"] for r in ticket["records"]] == [1, 2, 3, 5]
        db.execute("UPDATE service_records SET kind = 4 WHERE seq = 2")  # an edited packed row
        assert not quick_check(db).ok
    finally:
        db.close()
