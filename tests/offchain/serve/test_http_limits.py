"""The HTTP limits of `svc serve` on uvicorn (issue 15, "a maintained web stack"): an overall
deadline per request, a cap on connections, hostile JSON, HEAD, security headers on error
answers, and the Host check against DNS rebinding. Loopback only; every loop is bounded."""

from __future__ import annotations

import json
import time

import pytest

from servicecoin.serve import RELAYS, ServeSettings, Window, register_relay
from tests.offchain.serve.httpkit import SECURITY, connect, read_all, request, serving

JSON = {"Content-Type": "application/json"}


@pytest.fixture(autouse=True)
def isolation():
    """No chain state involved."""


@pytest.fixture(scope="module", autouse=True)
def echo():
    register_relay("echo", "RewardToken", lambda site, body: {"echo": body})
    yield
    RELAYS.pop("echo")


@pytest.fixture(scope="module")
def server():
    with serving(ServeSettings(client_limit=None, request_deadline=2)) as srv:
        yield srv


def test_a_client_trickling_header_lines_is_cut_off_by_the_overall_deadline(server):
    """Each line arrives well within any per-read timeout; the request as a whole does not."""
    sock = connect(server)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    started = time.monotonic()
    sock.settimeout(0.5)
    answer = b""
    for i in range(40):  # at most 20 s
        try:
            sock.sendall(f"X-Slow-{i}: 1\r\n".encode())
        except OSError:
            break
        try:
            answer = sock.recv(4096)
        except TimeoutError:
            continue
        break
    elapsed = time.monotonic() - started
    sock.close()
    assert answer.startswith(b"HTTP/1.1 408") and elapsed < 4, (answer[:40], elapsed)
    assert b"content-security-policy" in answer


def test_a_connection_that_sends_nothing_is_closed(server):
    sock = connect(server, timeout=10)
    started = time.monotonic()
    answer = read_all(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 408") and time.monotonic() - started < 4


def test_a_body_that_stalls_is_answered_408(server):
    sock = connect(server, timeout=10)
    sock.sendall(b"POST /api/echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 100\r\n\r\n{\"a\":")
    answer = read_all(sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.1 408")


def test_connections_over_the_cap_are_refused():
    with serving(ServeSettings(max_connections=3, request_deadline=30)) as srv:
        held = [connect(srv) for _ in range(3)]
        time.sleep(0.2)
        extra = connect(srv, timeout=5)
        extra.sendall(b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = read_all(extra)
        extra.close()
        assert answer.startswith(b"HTTP/1.1 503") and b"content-security-policy" in answer
        for sock in held:
            sock.close()
        for _ in range(50):  # the server notices the closed connections
            time.sleep(0.1)
            if request(srv, "GET", "/api/health")[0] == 200:
                break
        else:
            pytest.fail("the server did not accept connections again")


@pytest.mark.parametrize("body", [
    b'{"ticket": ' + b"9" * 5_000 + b"}",
    b"[" * 15_000 + b"]" * 15_000,
    b'{"a": ' * 15_000 + b"1" + b"}" * 15_000,
    b'{"a": NaN}',
], ids=["5000-digit number", "15000-deep array", "15000-deep object", "NaN"])
def test_hostile_json_gets_a_400(server, body):
    headers = {**JSON, "Content-Length": str(len(body))}
    status, answer_headers, data = request(server, "POST", "/api/echo", body, headers)
    if len(body) > 16 * 1024:
        assert status == 413
    else:
        assert status == 400 and json.loads(data)["error"]
    assert all(h in answer_headers for h in SECURITY)
    assert request(server, "GET", "/api/health")[0] == 200


def test_hostile_json_within_the_size_limit_gets_a_400(server):
    for body in (b"[" * 8_000 + b"]" * 8_000, b'{"n": ' + b"1" * 5_000 + b"}"):
        status, _, data = request(server, "POST", "/api/echo", body, JSON)
        assert status == 400 and "\n" not in json.loads(data)["error"]


def test_head_answers_without_a_body(server):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=10)
    for path in ("/config.json", "/", "/openapi.json", "/no-such-page"):
        conn.request("HEAD", path)
        res = conn.getresponse()
        assert res.read() == b"" and res.status in (200, 404)
    conn.request("GET", "/api/health")  # the same connection still speaks HTTP: nothing extra was sent
    res = conn.getresponse()
    assert res.status == 200 and json.loads(res.read())["ok"] is True
    conn.close()


@pytest.mark.parametrize("method, path, body, headers, status", [
    ("GET", "/no-such-page.js", b"", {}, 404),
    ("DELETE", "/config.json", b"", {}, 405),
    ("POST", "/api/echo", b"a=1", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
    ("POST", "/api/echo", b"x" * 20_000, JSON, 413),
    ("POST", "/api/echo", b"{}", {**JSON, "Origin": "https://evil.example"}, 403),
    ("POST", "/api/nothing", b"{}", JSON, 404),
    ("GET", "/api/me", b"", {}, 401),
    ("GET", "/", b"", {"Host": "evil.example"}, 421),
])
def test_error_answers_carry_the_security_headers_and_one_line(server, method, path, body, headers, status):
    got, answer_headers, data = request(server, method, path, body, headers)
    assert got == status
    assert all(h in answer_headers for h in SECURITY) and answer_headers["cache-control"] == "no-store"
    assert data.count(b"\n") == 0 and json.loads(data)["error"]


def test_a_dns_rebinding_host_is_refused(server):
    for host in ("evil.example", "evil.example:8080", "127.0.0.1.evil.example", "[::2]"):
        assert request(server, "GET", "/config.json", headers={"Host": host})[0] == 421
    for host in ("127.0.0.1", f"127.0.0.1:{server.server_address[1]}", "localhost:1", "LOCALHOST"):
        assert request(server, "GET", "/config.json", headers={"Host": host})[0] == 200


def test_configured_hosts_replace_the_defaults():
    with serving(ServeSettings(hosts=("points.example.org",))) as srv:
        assert request(srv, "GET", "/api/health", headers={"Host": "points.example.org"})[0] == 200
        assert request(srv, "GET", "/api/health", headers={"Host": "127.0.0.1"})[0] == 421


def test_the_client_rate_limit_still_answers_429_with_headers():
    with serving(ServeSettings(client_limit=Window(2, 60.0))) as srv:
        codes = [request(srv, "POST", "/api/echo", b"{}", JSON)[0] for _ in range(3)]
        status, headers, data = request(srv, "POST", "/api/echo", b"{}", JSON)
        assert codes == [200, 200, 429] and status == 429 and all(h in headers for h in SECURITY)
        assert request(srv, "GET", "/api/health")[0] == 200
