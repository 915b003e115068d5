"""`svc serve` API under hostile input (hypothesis): every request gets a clear JSON error, the
relay function never runs on a malformed request, the server stays up; plus the limits a public
endpoint needs (negative/oversized Content-Length, per-client rate limit, slow clients)."""

from __future__ import annotations

import ipaddress
import json
import socket
import threading

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from servicecoin.networks import Network
from tests.offchain.serve.httpkit import request
from servicecoin.serve import (MAX_BODY, RELAYS, ServeSettings, Site, Window, make_server, register_relay, require_address,
                               require_hex, require_uint)

TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
RECORD = {"network": "t", "chain_id": 31337, "rpc_url": "http://127.0.0.1:9", "block": 7,
          "contracts": {"RewardToken": TOKEN}}
CALLS: list = []


def strict_relay(site, body):
    """A relay with the validation the real ones use (address, uint, 65-byte signature)."""
    require_address(body, "customer")
    require_uint(body, "ticket")
    require_hex(body, "signature", 65)
    CALLS.append(body)
    return {"ok": True}


@pytest.fixture(autouse=True)
def isolation():
    """No chain state involved."""


@pytest.fixture(scope="module")
def server():
    register_relay("fuzz", "RewardToken", strict_relay)
    # the fuzzing sends hundreds of requests; the limit has its own test
    srv = make_server(Site(RECORD, Network("t", RECORD["rpc_url"], True), settings=ServeSettings(client_limit=None)), port=0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()
    RELAYS.pop("fuzz")


def raw(server, method, path, body=b"", headers=None):
    status, _, data = request(server, method, path, body, headers)
    return status, data


JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
                       lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4),
                       max_leaves=10)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.dictionaries(st.sampled_from(["customer", "ticket", "signature", "x"]), JSONISH, max_size=4))
def test_wrong_types_get_a_400_naming_the_field(server, body):
    CALLS.clear()
    status, data = raw(server, "POST", "/api/fuzz", json.dumps(body).encode(), {"Content-Type": "application/json"})
    answer = json.loads(data)
    if status == 200:
        assert CALLS == [body]  # only a fully valid request reaches the relay
    else:
        assert status == 400 and answer["error"] and CALLS == []


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(payload=st.binary(max_size=600))
def test_garbage_bodies_are_refused_and_change_nothing(server, payload):
    CALLS.clear()
    status, data = raw(server, "POST", "/api/fuzz", payload, {"Content-Type": "application/json"})
    assert status in (400, 200) and "error" in json.loads(data) or status == 200
    assert status != 200 or CALLS


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=st.text(alphabet="abcdefghijklmnopqrstuvwxyz/._-%", min_size=1, max_size=30))
def test_unknown_endpoints_answer_404(server, name):
    if name == "fuzz":
        return
    status, data = raw(server, "POST", "/api/" + name, b"{}", {"Content-Type": "application/json"})
    assert status == 404 and json.loads(data)["error"]


def test_negative_content_length_is_refused(server):
    CALLS.clear()
    sock = socket.create_connection(("127.0.0.1", server.server_address[1]), timeout=10)
    sock.sendall(b"POST /api/fuzz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{}")
    data = sock.recv(4096)
    sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"content-security-policy" in head
    assert "Content-Length" in json.loads(body)["error"] and CALLS == []


def test_oversized_body_is_refused_before_it_is_read(server):
    status, data = raw(server, "POST", "/api/fuzz", b"x" * (MAX_BODY + 1), {"Content-Type": "application/json"})
    assert status == 413


def test_a_slow_client_is_cut_off(server):
    """A client that announces a body and never sends it does not hold a thread forever."""
    sock = socket.create_connection(("127.0.0.1", server.server_address[1]))
    sock.sendall(b"POST /api/fuzz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
    sock.settimeout(30)
    data = sock.recv(4096)  # the server gives up (timeout) and closes: b"" or an error answer
    sock.close()
    assert data == b"" or b"408" in data or b"400" in data


def test_rate_limit_answers_429_per_client():
    register_relay("fuzz", "RewardToken", strict_relay)
    settings = ServeSettings(client_limit=Window(5, 60.0))  # 5 relayed requests per client per minute
    srv = make_server(Site(RECORD, Network("t", RECORD["rpc_url"], True), settings=settings), port=0)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        codes = [raw(srv, "POST", "/api/fuzz", b"{}", {"Content-Type": "application/json"})[0] for _ in range(7)]
        assert codes[:5] == [400] * 5 and codes[5:] == [429, 429]
        assert raw(srv, "GET", "/api/health")[0] == 200  # pages and health are not limited
    finally:
        srv.shutdown()
        srv.server_close()


def test_default_bind_is_loopback():
    srv = make_server(Site(RECORD, Network("t", RECORD["rpc_url"], True)), port=0)
    try:
        assert srv.server_address[0] == "127.0.0.1"
    finally:
        srv.server_close()


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(forwarded=st.text(max_size=80), peer=st.sampled_from(["127.0.0.1", "198.51.100.7", "::1", "2001:db8::5"]))
def test_forwarded_for_never_picks_the_key_of_an_untrusted_peer(forwarded, peer):
    """Whatever X-Forwarded-For says, only a trusted proxy's header counts, and it never crashes."""
    from servicecoin.serve.client import client_key

    assert client_key(peer, forwarded, ()) == client_key(peer)
    trusted = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("::1/128"))
    assert isinstance(client_key(peer, forwarded, trusted), str)
