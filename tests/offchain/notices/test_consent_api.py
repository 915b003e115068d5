"""Consent on the page (`svc serve`): double opt-in, the one-click unsubscribe of RFC 8058, opting out with one
click, and no e-mail address to anyone without the customer's session. A real SMTP server (aiosmtpd) receives
the confirmation e-mails; the sign-in is a real EIP-4361 message signed with the customer's key."""

from __future__ import annotations

import http.client
import re
import sqlite3
import urllib.parse

import pytest

from servicecoin.chain import dev_account
from servicecoin.serve import ServeSettings
from tests.offchain.mailkit import link, parts
from tests.offchain.serve.httpkit import serving
from tests.offchain.serve.test_siwe import call, message, nonce, sign

CUSTOMER, OTHER = dev_account(5), dev_account(6)
RECORD = {"network": "notices-t", "chain_id": 31337, "rpc_url": "http://127.0.0.1:9",
          "contracts": {"RewardToken": "0x5FbDB2315678afecb367f032d93F642f64180aa3"}}


@pytest.fixture(autouse=True)
def isolation():
    """No chain state involved."""


@pytest.fixture
def server(data, inbox):
    with serving(ServeSettings(client_limit=None), RECORD) as srv:
        yield srv


def signed_in(server, account=CUSTOMER) -> dict:
    text = message(server, nonce(server), address=account.address)
    status, headers, _ = call(server, "POST", "/api/siwe/login", {"message": text, "signature": sign(text, account)})
    assert status == 200
    return {"Cookie": headers["set-cookie"].split(";")[0]}


def ask(server, cookie, email="ann@example.org", kinds=("expiry", "rate")):
    return call(server, "POST", "/api/notices", {"email": email, "kinds": list(kinds)}, cookie)


def store_bytes(data) -> bytes:
    folder = data / RECORD["network"] / "notices"
    return b"".join(p.read_bytes() for p in folder.glob("notices.sqlite*"))


def test_double_opt_in_sends_only_the_confirmation_until_it_is_followed(server, inbox, data):
    cookie = signed_in(server)
    status, _, answer = ask(server, cookie)
    assert status == 200 and answer["state"] == "pending" and answer["confirmation_sent"]
    [mail] = inbox.received
    assert mail["To"] == "ann@example.org" and "Confirm" in mail["Subject"]
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<http://127\.0\.0\.1:\d+/api/notices/unsubscribe/[\w-]+>", mail["List-Unsubscribe"])
    assert "points about to expire" in parts(mail)["text/plain"] and "<a href=" in parts(mail)["text/html"]
    token = link(mail, r"#notices-confirm=([\w-]+)").split("=", 1)[1]
    assert call(server, "GET", "/api/notices", None, cookie)[2]["state"] == "pending"

    status, _, answer = call(server, "POST", "/api/notices/confirm", {"token": token})
    assert status == 200 and answer["state"] == "confirmed" and answer["kinds"] == ["expiry", "rate"]
    status, _, answer = call(server, "GET", "/api/notices", None, cookie)
    assert answer == {**answer, "state": "confirmed", "email": "ann@example.org", "kinds": ["expiry", "rate"]}
    assert call(server, "POST", "/api/notices/confirm", {"token": token})[0] == 404  # used once
    assert len(inbox.received) == 1
    assert b"ann@example.org" not in store_bytes(data)  # sealed with the customer's content key


def test_changing_kinds_of_a_confirmed_address_needs_no_new_confirmation(server, inbox):
    cookie = signed_in(server)
    ask(server, cookie)
    token = link(inbox.received[0], r"#notices-confirm=([\w-]+)").split("=", 1)[1]
    call(server, "POST", "/api/notices/confirm", {"token": token})
    status, _, answer = ask(server, cookie, kinds=("tier",))
    assert status == 200 and answer["state"] == "confirmed" and not answer["confirmation_sent"]
    assert answer["kinds"] == ["tier"] and len(inbox.received) == 1
    status, _, answer = ask(server, cookie, email="new@example.org")  # another address: confirmed again first
    assert answer["state"] == "pending" and len(inbox.received) == 2 and inbox.received[1]["To"] == "new@example.org"


def test_one_click_unsubscribe_from_the_mail_client_deletes_the_address(server, inbox, data):
    cookie = signed_in(server)
    ask(server, cookie)
    url = urllib.parse.urlsplit(inbox.received[0]["List-Unsubscribe"].strip("<>"))
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=15)
    conn.request("POST", url.path, body="List-Unsubscribe=One-Click",  # RFC 8058: form-encoded, from no page of ours
                 headers={"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://mail.example"})
    res = conn.getresponse()
    assert res.status == 200 and b'"unsubscribed": true' in res.read()
    conn.close()
    assert call(server, "GET", "/api/notices", None, cookie)[2]["state"] == "none"
    db = sqlite3.connect(data / RECORD["network"] / "notices" / "notices.sqlite")
    assert db.execute("SELECT COUNT(*) FROM contact").fetchone()[0] == 0
    assert [e for (e,) in db.execute("SELECT event FROM consent_event")] == ["requested", "unsubscribed-one-click"]
    status, _, answer = call(server, "POST", url.path, {})
    assert status == 200 and answer["unsubscribed"] is False  # again: nothing left, still fine
    status, headers, _ = server_get(server, url.path)
    assert status == 200 and headers["content-type"].startswith("text/html")  # a GET never unsubscribes


def server_get(server, path):
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=15)
    conn.request("GET", path)
    res = conn.getresponse()
    res.read()
    conn.close()
    return res.status, {k.lower(): v for k, v in res.getheaders()}, None


def test_opting_out_on_the_page_is_one_click(server, inbox):
    cookie = signed_in(server)
    ask(server, cookie)
    status, _, answer = call(server, "POST", "/api/notices/withdraw", {}, cookie)
    assert status == 200 and answer["withdrawn"] and answer["state"] == "none" and answer["email"] is None


def test_no_address_without_the_customers_session(server, inbox):
    cookie = signed_in(server)
    ask(server, cookie)
    for method, path, body in (("GET", "/api/notices", None), ("POST", "/api/notices", {"email": "x@y.org", "kinds": ["rate"]}),
                               ("POST", "/api/notices/withdraw", {})):
        status, _, answer = call(server, method, path, body)
        assert status == 401 and "ann@example.org" not in str(answer)
    other = signed_in(server, OTHER)
    status, _, answer = call(server, "GET", "/api/notices", None, other)
    assert status == 200 and answer["state"] == "none" and answer["email"] is None
    assert call(server, "POST", "/api/notices", {"email": "a@b.org", "kinds": ["rate"]}, {**cookie, "Origin": "https://evil.example"})[0] == 403


@pytest.mark.parametrize("body, field", [
    ({"email": "not an address", "kinds": ["rate"]}, "email"),
    ({"email": "ann@example.org", "kinds": []}, "kinds"),
    ({"email": "ann@example.org", "kinds": ["spam"]}, "kinds"),
    ({"email": "ann@example.org"}, "kinds"),
    ({"email": "ann@example.org\r\nBcc: x@y.org", "kinds": ["rate"]}, "email"),
])
def test_a_malformed_request_names_its_field_and_keeps_nothing(server, inbox, data, body, field):
    status, _, answer = call(server, "POST", "/api/notices", body, signed_in(server))
    assert status == 400 and answer["field"] == field and not inbox.received


def test_without_smtp_settings_nothing_is_kept(server, inbox, data, monkeypatch):
    monkeypatch.delenv("SVC_SMTP_HOST")
    status, _, answer = ask(server, signed_in(server))
    assert status == 503 and "not available" in answer["error"] and not inbox.received
    assert b"ann@example.org" not in store_bytes(data)


def test_a_second_confirmation_within_a_minute_is_refused(server, inbox):
    cookie = signed_in(server)
    ask(server, cookie)
    status, _, answer = ask(server, cookie, email="ann2@example.org")
    assert status == 429 and len(inbox.received) == 1


def test_an_smtp_server_that_cannot_be_reached_is_a_502_and_a_masked_log_line(server, inbox, monkeypatch, caplog):
    from tests.offchain.mailkit import free_port

    monkeypatch.setenv("SVC_SMTP_PORT", str(free_port()))
    with caplog.at_level("WARNING", logger="servicecoin.serve"):
        status, _, answer = ask(server, signed_in(server))
    assert status == 502 and "could not be sent" in answer["error"] and "ann@" not in answer["error"]
    assert "confirmation e-mail failed" in caplog.text and "ann@example.org" not in caplog.text
