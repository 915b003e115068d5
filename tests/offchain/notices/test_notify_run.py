"""`svc notify run` on brownie's anvil, against a real SMTP server in-process: what is due reaches the customers
who confirmed (and no one else) with plain text, HTML and RFC 8058 headers; each notice at most once, across two
runs and across a crash between the record and the send; --dry-run sends and records nothing; erasing the
customer removes the contact data; `svc customer export` shows the consent."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from servicecoin.notices.db import store_path
from tests.offchain.mailkit import parts
from tests.offchain.notices.noticekit import A, B, NETWORK, book, build_world, consent, svc, svc_process

SUBJECTS = {"expiry": "80.00 ServiceCoin points expire on", "delivered": "Your Coffee mug was delivered",
            "rate": "How did we do with ticket"}


@pytest.fixture
def world(data, inbox):
    chain = build_world()
    consent(A, "ann@example.org")
    consent(B, "bob@example.org", confirm=False)  # never confirmed: nothing but the confirmation may go there
    return chain


def sent_rows():
    db = sqlite3.connect(store_path(NETWORK))
    rows = db.execute("SELECT cause, kind, state FROM sent ORDER BY cause").fetchall()
    db.close()
    return rows


def test_due_notices_reach_confirmed_customers_once_across_two_runs(world, inbox):
    first = svc("notify", "run", "--json")
    assert first.exit_code == 0, first.output
    result = json.loads(first.output[first.output.index("{"):])
    assert len(result["sent"]) == 4 and result["failed"] == [] and result["lost"] == []
    assert {m["To"] for m in inbox.received} == {"ann@example.org"}
    kinds = sorted(c.split(":")[0] for c in result["sent"])
    assert kinds == ["delivered", "expiry", "rate", "rate"]  # tickets 501 and 503; 502 is B's
    subjects = [m["Subject"] for m in inbox.received]
    for kind, start in SUBJECTS.items():
        assert any(s.startswith(start) for s in subjects), (kind, subjects)
    for mail in inbox.received:
        assert mail["List-Unsubscribe"].startswith("<http://127.0.0.1:8080/api/notices/unsubscribe/")
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        body = parts(mail)
        assert "Stop all notices" in body["text/plain"] and "<a href=" in body["text/html"]

    second = svc("notify", "run", "--json")
    assert second.exit_code == 0, second.output
    again = json.loads(second.output[second.output.index("{"):])
    assert again["sent"] == [] and again["skipped"] == 4 and len(inbox.received) == 4
    assert [state for _, _, state in sent_rows()] == ["sent"] * 4


def test_dry_run_prints_what_would_be_sent_and_sends_nothing(world, inbox):
    out = svc("notify", "run", "--dry-run")
    assert out.exit_code == 0, out.output
    assert "would send expiry to" in out.output and "a…@example.org" in out.output
    assert "ann@example.org" not in out.output and "4 would be sent" in out.output
    assert inbox.received == [] and sent_rows() == []


def test_a_crash_between_record_and_send_loses_that_notice_only_and_says_so(world, inbox, data):
    env = {**os.environ, "SVC_NOTIFY_FAULT": "after-record", "SVC_DEPLOYMENTS_DIR": os.environ["SVC_DEPLOYMENTS_DIR"]}
    crashed = svc_process(data, "notify", "run", env=env)
    assert crashed.returncode == 9, crashed.stdout + crashed.stderr
    assert inbox.received == []
    [(cause, _, state)] = sent_rows()
    assert state == "recorded"

    after = svc("notify", "run")
    assert after.exit_code == 0, after.output
    assert f"LOST: notice {cause}" in after.output and "1 lost to an earlier crash" in after.output
    assert len(inbox.received) == 3  # the other three; the lost one is never sent
    states = {c: s for c, _, s in sent_rows()}
    assert states.pop(cause) == "lost" and set(states.values()) == {"sent"}
    assert svc("notify", "run").exit_code == 0 and len(inbox.received) == 3
    status = json.loads(svc("notify", "status", "--json").output)
    assert status["notices"] == {"sent": 3, "lost": 1} and status["lost"][0]["cause"] == cause
    assert status["contacts"] == {"confirmed": 1, "pending": 1} and "ann@" not in json.dumps(status)


def test_an_unsubscribed_customer_gets_nothing(world, inbox):
    db, contacts = book()
    token = contacts.get(A.address).unsubscribe
    assert contacts.unsubscribe(token) == A.address.lower()
    db.close()
    out = svc("notify", "run")
    assert out.exit_code == 0 and inbox.received == [], out.output


def test_erasing_the_customer_removes_the_contact_data_and_export_shows_consent(world, inbox, data):
    assert svc("notify", "run").exit_code == 0
    exported = svc("customer", "export", A.address, "--json", "--no-points")
    assert exported.exit_code == 0, exported.output
    consent_part = json.loads(exported.output)["consent"]
    assert consent_part["held"][0]["email"] == "ann@example.org" and consent_part["held"][0]["state"] == "confirmed"
    assert [e["event"] for e in consent_part["history"]] == ["requested", "confirmed"]
    assert len(consent_part["notices"]) == 4

    erased = svc("log", "erase", "--customer", A.address)
    assert erased.exit_code == 0, erased.output
    db = sqlite3.connect(store_path(NETWORK))
    for table in ("contact", "consent_event", "sent"):
        assert db.execute(f"SELECT COUNT(*) FROM {table} WHERE customer = ?", (A.address.lower(),)).fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM contact").fetchone()[0] == 1  # B's pending request stays
    db.close()
    folder = store_path(NETWORK).parent
    assert not any(b"ann@example.org" in p.read_bytes() for p in folder.iterdir() if p.is_file())
    after = json.loads(svc("customer", "export", A.address, "--json", "--no-points").output)["consent"]
    assert after["held"] == [] and after["history"] == [] and after["notices"] == []
