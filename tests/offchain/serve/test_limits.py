"""Who is limited, and how much memory the limits take (issue 12, "the relay must not be drained",
hole 3): IPv6 clients count by /64, X-Forwarded-For is believed only from a configured proxy, so
customers behind it are limited one by one, and the tables stay bounded and forget idle keys."""

from __future__ import annotations

import ipaddress
import json
import threading
import urllib.error
import urllib.request
from http import HTTPStatus

import pytest

from servicecoin.networks import Network
from servicecoin.serve import RELAYS, RequestError, ServeSettings, Site, Window, make_server, register_relay
from servicecoin.serve.client import client_key
from servicecoin.serve.guard import Guard
from servicecoin.serve.ratelimit import SlidingWindow

TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
RECORD = {"network": "t", "chain_id": 31337, "rpc_url": "http://127.0.0.1:9", "contracts": {"RewardToken": TOKEN}}
LOOPBACK = (ipaddress.ip_network("127.0.0.1/32"),)


@pytest.fixture(autouse=True)
def isolation():
    """No chain state involved."""


def limited(guard, peer, forwarded=None) -> bool:
    try:
        guard.admit_client(peer, forwarded)
    except RequestError as exc:
        assert exc.status == HTTPStatus.TOO_MANY_REQUESTS
        return True
    return False


def test_ipv6_clients_count_by_their_64():
    guard = Guard(ServeSettings(client_limit=Window(3, 60.0)))
    assert not any(limited(guard, f"2001:db8:0:7::{i:x}") for i in range(1, 4))
    assert limited(guard, "2001:db8:0:7:ffff:1234:5678:9abc")  # the same /64, another address
    assert not limited(guard, "2001:db8:0:8::1")  # the next /64
    assert client_key("::ffff:192.0.2.7") == "192.0.2.7"


def test_forwarded_for_from_an_untrusted_peer_is_ignored():
    guard = Guard(ServeSettings(client_limit=Window(2, 60.0)))
    assert not limited(guard, "198.51.100.1", "203.0.113.1")
    assert not limited(guard, "198.51.100.1", "203.0.113.2")
    assert limited(guard, "198.51.100.1", "203.0.113.3")


def test_the_right_most_untrusted_hop_is_the_client():
    proxies = (*LOOPBACK, ipaddress.ip_network("10.0.0.0/8"))
    assert client_key("127.0.0.1", "6.6.6.6, 203.0.113.5", proxies) == "203.0.113.5"  # 6.6.6.6 was the client's own claim
    assert client_key("127.0.0.1", "203.0.113.5, 10.1.2.3", proxies) == "203.0.113.5"
    assert client_key("127.0.0.1", "not-an-address", proxies) == "127.0.0.1"
    assert client_key("127.0.0.1", "2001:db8:1:2::3", proxies) == "2001:db8:1:2::/64"


@pytest.fixture
def proxied():
    """`svc serve` behind a TLS proxy on 127.0.0.1, 2 relayed requests per client per minute."""
    register_relay("echo", "RewardToken", lambda site, body: {"ok": True})
    settings = ServeSettings(client_limit=Window(2, 60.0), trusted_proxies=LOOPBACK)
    server = make_server(Site(RECORD, Network("t", RECORD["rpc_url"], True), settings=settings), port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/echo"
    server.shutdown()
    server.server_close()
    RELAYS.pop("echo")


def post(url, forwarded):
    req = urllib.request.Request(url, b"{}", method="POST",
                                 headers={"Content-Type": "application/json", "X-Forwarded-For": forwarded})
    try:
        with urllib.request.urlopen(req) as res:
            return res.status
    except urllib.error.HTTPError as exc:
        json.load(exc)
        return exc.code


def test_behind_a_trusted_proxy_one_abuser_does_not_get_everyone_refused(proxied):
    assert [post(proxied, "203.0.113.9") for _ in range(3)] == [200, 200, 429]
    assert post(proxied, "203.0.113.10") == 200  # another customer behind the same proxy


def test_the_table_forgets_idle_keys_and_stays_bounded():
    clock = [0.0]
    table = SlidingWindow(Window(2, 60.0), max_keys=100, clock=lambda: clock[0])
    for i in range(1_000):
        assert table.hit(f"client-{i}")
    assert len(table) == 100
    clock[0] = 61.0
    assert table.hit("late")
    assert len(table) == 1


def test_a_window_refills_as_old_hits_leave_it():
    clock = [0.0]
    table = SlidingWindow(Window(2, 60.0), clock=lambda: clock[0])
    assert table.hit("a") and table.hit("a") and not table.hit("a")
    clock[0] = 60.0
    assert table.hit("a")
