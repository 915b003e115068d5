"""`svc serve` checks the relayer key when it starts (issue 15): on a live network a short or
malformed key stops it with one clear line that names the variable and never shows the key, instead
of a 500 at the first relay; a missing key is said, and relays answer 503."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from eth_account import Account

from servicecoin.cli import cli
from servicecoin.errors import ConfigError
from servicecoin.networks import Network
from servicecoin.serve import check_relayer_key

LIVE = Network("svc-live", "https://node.example/v2/KEY", False)
KEY = "0x" + "ab" * 32


@pytest.fixture(autouse=True)
def isolation(monkeypatch):
    """No chain state involved; no key from the caller's environment."""
    for name in ("SVC_PRIVATE_KEY", "SVC_RELAYER_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("key", ["0x1234", KEY[:-1], KEY + "00", "0x" + "zz" * 32, "0x" + "00" * 32, "0x" + "ff" * 32])
def test_a_short_or_malformed_key_is_a_clear_error_without_the_key(monkeypatch, key):
    monkeypatch.setenv("SVC_PRIVATE_KEY", key)
    with pytest.raises(ConfigError) as exc:
        check_relayer_key(LIVE)
    assert str(exc.value).startswith("SVC_PRIVATE_KEY: not a") and key[2:10] not in str(exc.value)


def test_the_relayer_key_takes_precedence_and_a_good_key_gives_its_address(monkeypatch):
    monkeypatch.setenv("SVC_PRIVATE_KEY", "0x1234")
    monkeypatch.setenv("SVC_RELAYER_KEY", KEY)
    assert check_relayer_key(LIVE) == Account.from_key(KEY).address


def test_no_key_and_local_networks():
    assert check_relayer_key(LIVE) is None
    assert check_relayer_key(Network("svc-local", "http://127.0.0.1:8546", True)).startswith("0x")


def test_svc_serve_stops_in_one_line_on_a_malformed_key(tmp_path, monkeypatch):
    deployment = tmp_path / "live.json"
    deployment.write_text(json.dumps({"network": "live", "chain_id": 11155111, "rpc_url": "https://node.example/KEY",
                                      "contracts": {"RewardToken": "0x5FbDB2315678afecb367f032d93F642f64180aa3"}}))
    monkeypatch.setenv("SVC_PRIVATE_KEY", "0xdeadbeef")
    result = CliRunner().invoke(cli, ["serve", "--deployment", str(deployment), "--port", "0"])
    assert result.exit_code == 2 and "deadbeef" not in result.output  # bad input: a configuration (servicecoin.errors)
    assert result.output.strip() == "error: SVC_PRIVATE_KEY: not a private key (it must be 32 bytes: 64 hex digits, " \
        "0x optional; this one has 8 characters)"
