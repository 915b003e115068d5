"""`svc followups --deliver webhook|email`: the follow-up call queue reaches the help desk as an HMAC-signed POST
(checked with the same code `svc agent serve` checks the help desk's webhooks with) or the agents by e-mail
through a real SMTP server in-process."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from brownie import chain as brownie_chain

from servicecoin.ingest.auth import verify
from servicecoin.notices.settings import FollowupTargets, NoticeSettings
from tests.offchain.mailkit import parts
from tests.offchain.notices.noticekit import DAY, build_world, svc

SECRET = "s3cret-for-the-help-desk-webhook"


@pytest.fixture
def helpdesk():
    """A help desk's webhook endpoint on 127.0.0.1: keeps (headers, body) of each POST, answers 200."""
    got = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.append((dict(self.headers), body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/svc/followups", got
    server.shutdown()
    server.server_close()


@pytest.fixture
def due(data, inbox, monkeypatch, helpdesk):
    build_world()
    brownie_chain.sleep(4 * DAY)  # ticket 503 (a complaint) was resolved more than 3 days ago, without a call
    brownie_chain.mine()
    url, _ = helpdesk
    settings = NoticeSettings(followups=FollowupTargets(url, "SVC_FOLLOWUPS_SECRET", "agents@shop.example"))
    monkeypatch.setattr("servicecoin.notices.settings.load_settings", lambda: settings)
    monkeypatch.setenv("SVC_FOLLOWUPS_SECRET", SECRET)


def test_the_work_list_goes_to_the_help_desk_signed(due, helpdesk):
    out = svc("followups", "--deliver", "webhook", "--json")
    assert out.exit_code == 0, out.output
    [(headers, body)] = helpdesk[1]
    headers = {k.lower(): v for k, v in headers.items()}
    verify(SECRET.encode(), headers, body, max_skew=300)  # raises when the signature does not hold
    sent = json.loads(body)
    assert sent["type"] == "svc.followups" and [d["ticket"] for d in sent["due"]] == ["503"]
    with pytest.raises(Exception):
        verify(b"another-secret-of-16-bytes", headers, body, max_skew=300)


def test_the_work_list_goes_to_the_agents_by_email(due, inbox):
    out = svc("followups", "--deliver", "email")
    assert out.exit_code == 0, out.output
    [mail] = inbox.received
    assert mail["To"] == "agents@shop.example" and mail["Subject"].endswith("1 follow-up call due")
    assert "ticket 503 (complaint)" in parts(mail)["text/plain"]


def test_a_help_desk_that_refuses_is_one_line(due, monkeypatch):
    monkeypatch.setattr("servicecoin.notices.settings.load_settings", lambda: NoticeSettings(
        followups=FollowupTargets("http://127.0.0.1:9/nothing-listens", "SVC_FOLLOWUPS_SECRET")))
    out = svc("followups", "--deliver", "webhook")
    assert out.exit_code == 1 and "could not be reached" in out.output and "Traceback" not in out.output
    monkeypatch.delenv("SVC_FOLLOWUPS_SECRET")
    out = svc("followups", "--deliver", "webhook")
    assert out.exit_code == 2 and "SVC_FOLLOWUPS_SECRET" in out.output and SECRET not in out.output
