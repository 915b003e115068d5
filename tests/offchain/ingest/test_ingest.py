"""`svc agent serve` in a thread against anvil: signatures, idempotent redelivery, ticket order, holding and
parking, backpressure, status and metrics."""

import time

from servicecoin.ingest import auth
from servicecoin.ingest.queue import EventQueue
from servicecoin.servicelog.events import fetch_records
from servicecoin.servicelog.packed import Channel
from tests.offchain.ingest.ingestkit import (CUSTOMER, OTHER, SECRET, event, post, request, running, status,
                                            wait_state)


def test_unsigned_wrongly_signed_and_stale_requests_are_refused(svc_chain, slog, store, queue_file):
    with running(svc_chain, slog, store, queue_file) as svc:
        port = svc.server_address[1]
        body = event("e1", 1, "opened", 1_700_000_000)
        assert post(port, body, secret=None)[0] == 401
        assert post(port, body, secret=b"another-secret-0123456789")[0] == 401
        assert post(port, body, ts=str(int(time.time()) - 3600))[0] == 401
        assert post(port, body, signature="not a signature")[0] == 401
        assert status(port, "e1")["error"]
        assert "test-webhook-secret" not in "".join(svc.lines)
        code, _, answer = post(port, body)
        assert code == 202 and answer == {"id": "e1", "state": "queued", "duplicate": False}


def test_redelivery_is_recorded_once_and_order_per_ticket_is_help_desk_time(svc_chain, slog, store, queue_file):
    with running(svc_chain, slog, store, queue_file, reorder_s=1.0) as svc:
        port = svc.server_address[1]
        t = 1_700_000_000
        # delivered out of order: the reply before its ticket's opening, the resolution before the reply
        for e in (event("r1", 7, "reply", t + 10, channel="e-mail"), event("x1", 7, "resolved", t + 20),
                  event("o1", 7, "opened", t)):
            assert post(port, e)[0] == 202
        code, _, again = post(port, event("r1", 7, "reply", t + 10, channel="e-mail"))
        assert code == 202 and again["duplicate"] is True
        done = wait_state(port, "x1", "confirmed")
        opened, reply = wait_state(port, "o1", "confirmed"), wait_state(port, "r1", "confirmed")
        assert opened["seq"] < reply["seq"] < done["seq"] and done["tx"] and done["block"]
        assert post(port, event("r1", 7, "reply", t + 10))[2] == {"id": "r1", "state": "confirmed", "duplicate": True}
    records = [r for r in fetch_records(svc_chain, slog) if r.ticket == 7]
    assert [r.kind for r in records] == [0, 1, 2] and [r.time for r in records] == [t, t + 10, t + 20]
    assert records[1].channel == Channel.EMAIL


def test_held_then_parked_then_unparked_and_rule_breaks_do_not_block(svc_chain, slog, store, queue_file):
    with running(svc_chain, slog, store, queue_file, hold_s=0.5) as svc:
        port = svc.server_address[1]
        t = 1_700_000_100
        post(port, event("h1", 8, "reply", t + 5))
        parked = wait_state(port, "h1", "parked")
        assert 'no "opened"' in parked["reason"]
        post(port, event("b1", 9, "opened", t))
        post(port, event("b2", 9, "reply", t + 1, customer=OTHER))  # another customer's ticket
        post(port, event("b3", 9, "resolved", t + 2))
        post(port, event("b4", 9, "resolved", t + 3))  # resolved twice
        wait_state(port, "b3", "confirmed")
        assert "not" in wait_state(port, "b2", "parked")["reason"]
        assert "already resolved" in wait_state(port, "b4", "parked")["reason"]
        listed = {p["id"] for p in EventQueue(queue_file).parked()}
        assert listed == {"h1", "b2", "b4"}
        post(port, event("o8", 8, "opened", t))  # the missing "opened" un-parks the held reply
        assert wait_state(port, "h1", "confirmed")["seq"] > wait_state(port, "o8", "confirmed")["seq"]


def test_over_the_queue_depth_the_answer_is_429_with_retry_after(svc_chain, slog, store, queue_file):
    with running(svc_chain, slog, store, queue_file, max_queue=2, hold_s=600) as svc:
        port = svc.server_address[1]
        for i in range(2):  # held: their ticket has no "opened", so they stay waiting
            assert post(port, event(f"q{i}", 50 + i, "reply", 1_700_000_000))[0] == 202
        time.sleep(0.3)  # the depth is recounted at most every 0.2 s
        code, headers, answer = post(port, event("q9", 60, "reply", 1_700_000_000))
        assert code == 429 and headers["retry-after"] == "5" and "queue" in answer["error"]
        assert request(port, "GET", "/events/q9")[0] == 404


def test_health_metrics_and_openapi(svc_chain, slog, store, queue_file):
    with running(svc_chain, slog, store, queue_file) as svc:
        port = svc.server_address[1]
        post(port, event("m1", 70, "opened", 1_700_000_000))
        wait_state(port, "m1", "confirmed")
        code, _, raw = request(port, "GET", "/health")
        assert code == 200 and b'"ok": true' in raw
        code, headers, raw = request(port, "GET", "/metrics")
        assert code == 200 and headers["content-type"].startswith("text/plain")
        assert b'ingest_requests_total{result="accepted"} 1.0' in raw
        assert b"ingest_records_confirmed_total 1.0" in raw and b"ingest_ack_seconds_bucket" in raw
        agent = svc.flusher.account.address.encode()  # the key paying for the batches (servicecoin.watch)
        assert b'svc_key_eth{address="' + agent + b'",name="agent"}' in raw and b"svc_status_up 1.0" in raw
        code, _, raw = request(port, "GET", "/openapi.json")
        assert code == 200 and b"/events/{id}" in raw


def test_zendesk_ticket_events_with_the_customer_table(svc_chain, slog, store, queue_file):
    with running(svc_chain, slog, store, queue_file) as svc:
        port = svc.server_address[1]
        svc.queue.load_customers([("9001", CUSTOMER)])
        base = {"account_id": 1, "zendesk_event_version": "2022-11-06", "subject": "zen:ticket:35436",
                "detail": {"id": "35436", "requester_id": "9001", "via": {"channel": "email"}, "subject": "Broken"}}
        created = {**base, "type": "zen:event-type:ticket.created", "id": "z-1", "time": "2023-11-14T22:13:20Z"}
        comment = {**base, "type": "zen:event-type:ticket.comment_added", "id": "z-2", "time": "2023-11-14T22:20:00Z",
                   "event": {"comment": {"body": "We sent a new one", "id": "7"}}}
        other = {**base, "type": "zen:event-type:ticket.priority_changed", "id": "z-3", "time": "2023-11-14T22:21:00Z"}
        assert post(port, created, path="/events/zendesk")[0] == 202
        assert post(port, comment, path="/events/zendesk")[0] == 202
        assert post(port, other, path="/events/zendesk")[2] == {"ignored": True}
        unknown = {**created, "id": "z-4", "detail": {**base["detail"], "requester_id": "404"}}
        assert post(port, unknown, path="/events/zendesk")[0] == 422
        wait_state(port, "zendesk:z-2", "confirmed")
    records = [r for r in fetch_records(svc_chain, slog) if r.ticket == 35436]
    assert [(r.kind, r.channel, r.time) for r in records] == [(0, 3, 1700000000), (1, 3, 1700000400)]
    assert records[0].customer.lower() == CUSTOMER


def test_signature_scheme_matches_zendesk():
    # Zendesk: base64(HMAC-SHA256(secret, timestamp + body))
    import base64
    import hashlib
    import hmac

    ts, body = "2024-12-07T08:26:40Z", b'{"a": 1}'
    want = base64.b64encode(hmac.new(SECRET, ts.encode() + body, hashlib.sha256).digest()).decode()
    assert auth.sign(SECRET, ts, body) == want


def test_the_queue_registers_its_eraser_and_it_empties_the_customers_texts(queue_file):
    import servicecoin.ingest  # noqa: F401
    from servicecoin.ingest import queue
    from servicecoin.servicelog.erasure import ERASERS

    assert "ingest queue" in ERASERS
    q = EventQueue(queue_file)
    q.submit(queue.Event("a", 1, 0, CUSTOMER, "my address is …", 1)).result(10)
    q.submit(queue.Event("b", 2, 0, OTHER, "other", 1)).result(10)
    q.load_customers([("u1", CUSTOMER)])
    q.close()
    assert queue.erase_customer(queue_file, CUSTOMER.upper().replace("0X", "0x")) == 2
    db = queue.connect(queue_file)
    rows = dict(db.execute("SELECT id, text FROM events").fetchall())
    assert rows == {"a": None, "b": "other"}
    assert db.execute('SELECT COUNT(*) FROM customers WHERE "user" = ?', ("u1",)).fetchone()[0] == 0
    db.close()


def test_settings_and_a_missing_secret_are_one_line_errors(monkeypatch):
    import pytest
    from click.testing import CliRunner

    from servicecoin.cli import cli
    from servicecoin.errors import ConfigError
    from servicecoin.ingest import AgentSettings

    assert AgentSettings.from_config({"hold_s": 5, "flush_records": 10}).hold_s == 5
    for bad in ({"hold_s": "soon"}, {"flush_records": 1.5}, {"nope": 1}, [1]):
        with pytest.raises(ConfigError):
            AgentSettings.from_config(bad)
    monkeypatch.setenv("SVC_INGEST_SECRET", "short")
    result = CliRunner().invoke(cli, ["agent", "serve", "--network", "development"])
    assert result.exit_code != 0 and "SVC_INGEST_SECRET" in result.output and "short" not in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1


def test_a_ticket_the_queue_cannot_hold_is_refused_and_the_writer_lives_on(queue_file):
    import pytest

    from servicecoin.ingest import queue
    from servicecoin.ingest.mapping import MAPPINGS
    from servicecoin.serve import RequestError

    with pytest.raises(RequestError, match="2\\^63-1") as exc:  # the webhook: 400 naming the field
        MAPPINGS["generic"](event("big", 2**63, "opened", 1_700_000_000), lambda user: None)
    assert exc.value.field == "ticket"
    q = EventQueue(queue_file)
    try:  # a value the engine cannot take refuses its group (503), never the writer thread
        with pytest.raises(queue.QueueError):
            q.submit(queue.Event("big", 2**64 - 1, 0, CUSTOMER, None, 1)).result(10)
        assert q.submit(queue.Event("next", 2**63 - 1, 0, CUSTOMER, None, 1)).result(10) is True
        assert q.status("next")["ticket"] == 2**63 - 1 and q.status("big") is None
    finally:
        q.close()
