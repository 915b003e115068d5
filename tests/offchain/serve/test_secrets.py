"""The node URL and its API key never reach a client of `svc serve` (issue 12, "the relay must not
be drained", hole 2): a node that answers 401/404/429 or drops the connection gets the client a
generic 502, and the server log names the URL with its secrets masked."""

from __future__ import annotations

import json
import logging
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from servicecoin import relay  # noqa: F401  registers /api/feedback… and /api/redeem
from servicecoin.networks import Network
from servicecoin.serve import Site, make_server

KEY = "Fak3Key0123456789abcdefXYZ"  # in the URL's path, as Alchemy and Infura put it
QUERY_KEY = "QuerySecret987654"
PASSWORD = "hunter2pass"
SECRETS = (KEY, QUERY_KEY, PASSWORD)
TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
VAULT = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
LOG = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0"
CUSTOMER = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc"


@pytest.fixture(autouse=True)
def isolation():
    """No chain state involved."""


class FakeNode(BaseHTTPRequestHandler):
    """A node in front of which sits a provider that refuses: answers `mode` (401, 404, 429) or "close"."""

    mode: str = "401"

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.mode == "close":
            self.close_connection = True
            return
        body = json.dumps({"error": f"refused key {KEY}"}).encode()  # providers echo the key too
        self.send_response(int(self.mode))
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def node():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNode)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def site_url(node):
    rpc = f"http://svc:{PASSWORD}@127.0.0.1:{node.server_address[1]}/v2/{KEY}?apikey={QUERY_KEY}"
    record = {"network": "leaky", "chain_id": 11155111, "rpc_url": rpc, "block": 1,
              "contracts": {"RewardToken": TOKEN, "RedemptionVault": VAULT, "ServiceLog": LOG}}
    server = make_server(Site(record, Network("leaky", rpc, False)), port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def call(url, body=None):
    """(status, headers as text, body as text) of a GET, or of a POST with a JSON body."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return res.status, str(res.headers), res.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, str(exc.headers), exc.read().decode()


REDEEM = {"customer": CUSTOMER, "itemId": "1", "quantity": "1", "maxPoints": "4000", "nonce": "1",
          "deadline": str(2**40), "signature": "0x" + "11" * 65}
FEEDBACK = {"ticket": "1", "customer": CUSTOMER, "rating": 5, "commitment": "0x" + "00" * 32,
            "deadline": str(2**40), "signature": "0x" + "11" * 65}
PREPARE = {"ticket": "1", "customer": CUSTOMER, "rating": 5, "text": "fine"}


def assert_no_secret(*texts):
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


@pytest.mark.parametrize("mode", ["401", "404", "429", "close"])
def test_a_refusing_node_gets_the_client_a_generic_502(node, site_url, caplog, mode):
    FakeNode.mode = mode
    with caplog.at_level(logging.ERROR, logger="servicecoin.serve"):
        status, headers, body = call(site_url + "/api/redeem", REDEEM)
    assert status == 502 and json.loads(body) == {"error": "the chain node is unavailable; try again later"}
    assert_no_secret(headers, body, caplog.text)
    assert f"(node http://***@127.0.0.1:{node.server_address[1]}/v2/***?***)" in caplog.text


@pytest.mark.parametrize("path, body", [("/api/feedback", FEEDBACK), ("/api/feedback/prepare", PREPARE)])
def test_every_relay_hides_the_key(site_url, caplog, path, body):
    FakeNode.mode = "401"
    with caplog.at_level(logging.ERROR, logger="servicecoin.serve"):
        status, headers, text = call(site_url + path, body)
    assert status == 502
    assert_no_secret(headers, text, caplog.text)
    assert "***" in caplog.text


def test_config_and_health_hide_the_key(site_url):
    for path in ("/config.json", "/api/health", "/no-such-page"):
        status, headers, text = call(site_url + path)
        assert status in (200, 404)
        assert_no_secret(headers, text)
    assert json.loads(call(site_url + "/config.json")[2])["rpc_url"] is None
