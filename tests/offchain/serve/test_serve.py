"""svc serve without a chain: static files, /config.json, and the API's refusals before any relay runs."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import pytest

from servicecoin.networks import Network
from servicecoin.serve import MAX_BODY, RELAYS, RequestError, Site, make_server, register_relay, require_address, require_hex, require_uint

TOKEN = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
RECORD = {"network": "t", "chain_id": 31337, "rpc_url": "http://127.0.0.1:9", "block": 7,
          "contracts": {"RewardToken": TOKEN}, "token": {"decimals": 2, "symbol": "SVC", "tier_names": ["Member"]}}


@pytest.fixture(autouse=True)
def isolation():
    """No chain state involved."""


@pytest.fixture(scope="module")
def base():
    register_relay("echo", "RewardToken", lambda site, body: {"echo": body})
    register_relay("absent", "NoSuchContract", lambda site, body: {})
    server = make_server(Site(RECORD, Network("t", RECORD["rpc_url"], True)), port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    RELAYS.pop("echo")
    RELAYS.pop("absent")


def get(url):
    with urllib.request.urlopen(url) as res:
        return res.status, res.headers, res.read()


def post(url, body, content_type="application/json", headers=None):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": content_type, **(headers or {})})
    try:
        with urllib.request.urlopen(req) as res:
            return res.status, json.load(res)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def test_index_is_served_with_a_strict_content_security_policy(base):
    status, headers, body = get(base + "/")
    assert status == 200 and b'<script type="module" src="app.js">' in body
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_ethers_is_served_from_node_modules(base):
    status, headers, body = get(base + "/vendor/ethers.min.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert b'version="6.' in body


def test_config_names_chain_token_and_abi(base):
    _, headers, body = get(base + "/config.json")
    config = json.loads(body)
    assert headers["Cache-Control"] == "no-store"
    assert config["chain_id_hex"] == "0x7a69" and config["token"]["address"] == TOKEN
    assert config["rpc_url"] == RECORD["rpc_url"] and config["explorer"] is None
    assert any(item.get("name") == "lotsOf" for item in config["abis"]["RewardToken"])
    assert "echo" in config["relays"] and "absent" not in config["relays"]


def test_explorer_is_configured_per_network_or_chain_and_absent_for_a_local_chain():
    network = Network("t", RECORD["rpc_url"], True)
    assert Site(RECORD, network).config()["explorer"] is None  # a local chain: links are copy-only
    by_chain = Site(RECORD, network, {"explorers": {31337: "https://chain.example"}}).config()
    assert by_chain["explorer"] == "https://chain.example"
    both = {"explorers": {31337: "https://chain.example", "t": "https://network.example"}}
    assert Site(RECORD, network, both).config()["explorer"] == "https://network.example"
    live = Site({**RECORD, "chain_id": 11155111}, Network("svc-live", "https://rpc.example", False)).config()
    assert live["explorer"] == "https://sepolia.etherscan.io" and live["chain_name"] == "Sepolia"


@pytest.mark.parametrize("path", ["/../servicecoin.yaml", "/%2e%2e/servicecoin.yaml", "/vendor/../../package.json", "/nope.js"])
def test_files_outside_web_are_not_served(base, path):
    with pytest.raises(urllib.error.HTTPError) as exc:
        get(base + path)
    assert exc.value.code == 404


def test_relay_answers_with_its_result(base):
    assert post(base + "/api/echo", {"a": 1}) == (200, {"echo": {"a": 1}})


def test_relay_of_a_contract_not_deployed_is_not_found(base):
    status, body = post(base + "/api/absent", {})
    assert status == 404 and "does not relay 'absent'" in body["error"]


def test_relay_needs_json_content_type(base):
    assert post(base + "/api/echo", b"a=1", "application/x-www-form-urlencoded")[0] == 415


def test_relay_refuses_a_body_over_the_limit(base):
    status, body = post(base + "/api/echo", {"text": "x" * MAX_BODY})
    assert status == 413 and str(MAX_BODY) in body["error"]


def test_relay_refuses_malformed_json(base):
    assert post(base + "/api/echo", b"{not json")[0] == 400
    assert post(base + "/api/echo", [1, 2])[0] == 400


def test_relay_refuses_another_origin(base):
    status, body = post(base + "/api/echo", {}, headers={"Origin": "https://evil.example"})
    assert status == 403 and "evil.example" in body["error"]


def test_require_helpers_name_the_field():
    body = {"n": "0x10", "neg": -1, "addr": "0x123", "sig": "0xzz", "flag": True}
    assert require_uint(body, "n") == 16
    for fn, name in [(require_uint, "neg"), (require_address, "addr"), (require_hex, "sig"), (require_uint, "flag"),
                     (require_uint, "missing")]:
        with pytest.raises(RequestError) as exc:
            fn(body, name)
        assert exc.value.field == name and f"'{name}'" in str(exc.value)
