"""Helpers of the ingestion tests: a signed webhook, the service in a thread, waiting for states (bounded)."""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
import time

from servicecoin.chain import dev_account
from servicecoin.contentstore import ContentStore
from servicecoin.ingest import auth
from servicecoin.ingest.backend import connect, is_url
from servicecoin.ingest.service import Service
from servicecoin.ingest.settings import AgentSettings

SECRET = b"test-webhook-secret-0123456789"
CUSTOMER = "0x" + "c1" * 20
OTHER = "0x" + "d2" * 20


def event(eid: str, ticket: int, kind: str, t: int, customer: str = CUSTOMER, text: str | None = "hi", **more) -> dict:
    return {"id": eid, "ticket": ticket, "kind": kind, "customer": customer, "text": text, "time": t, **more}


def request(port: int, method: str, path: str, body: bytes = b"", headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body, headers or {})
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()


def post(port: int, data: dict | bytes, secret: bytes | None = SECRET, ts: str | None = None, path: str = "/events",
         signature: str | None = None):
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        ts = ts or str(int(time.time()))
        headers.update({"X-Signature-Timestamp": ts, "X-Signature": signature or auth.sign(secret, ts, body)})
    status, heads, raw = request(port, "POST", path, body, headers)
    return status, heads, json.loads(raw) if raw.startswith(b"{") else raw


def status(port: int, eid: str) -> dict:
    return json.loads(request(port, "GET", f"/events/{eid}")[2])


def wait_for(check, timeout: float = 20, what: str = "the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {timeout} s")


def wait_state(port: int, eid: str, state: str, timeout: float = 20) -> dict:
    return wait_for(lambda: (lambda s: s if s.get("state") == state else None)(status(port, eid)), timeout,
                    f"event {eid} {state}")


def fill_disk(queue, full: bool = True) -> None:
    """Make the queue's storage refuse writes as a full disk does (or take them again). SQLite answers a full disk
    and a file at its `max_page_count` with the same error (SQLITE_FULL); PostgreSQL a full disk with SQLSTATE
    53100 (disk_full), which a trigger raises here."""
    if not is_url(queue.path):
        db = queue.db  # the writer's connection: cap the file at its current size
        pages = db.execute("PRAGMA page_count").fetchone()[0] if full else 1073741823
        db.execute(f"PRAGMA max_page_count = {pages}")
        return
    db = connect(queue.path)
    try:
        if full:
            db.execute("CREATE OR REPLACE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                       "RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; "
                       "END $$")
            db.execute("CREATE TRIGGER disk_full BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION disk_full()")
        else:
            db.execute("DROP TRIGGER disk_full ON events")
    finally:
        db.close()


@contextlib.contextmanager
def running(chain, log, store, path, **settings):
    """The service on a free port; `store` is the content store's file (opened in the flusher's thread)."""
    s = AgentSettings(**{"flush_every_s": 0.1, "reorder_s": 0.0, "hold_s": 2.0, **settings})
    lines: list[str] = []
    service = Service(chain, log, lambda: ContentStore(store), path, s, SECRET, say=lines.append,
                      sender=dev_account(8))  # the log's agent (tests/conftest.py)
    thread = threading.Thread(target=service.serve_forever, daemon=True)
    thread.start()
    service.lines = lines
    try:
        yield service
    finally:
        print("\n".join(lines))  # shown when a test fails
        service.shutdown()
        thread.join(30)
