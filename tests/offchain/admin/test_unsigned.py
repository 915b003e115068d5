"""--unsigned writes the transactions instead of sending them (plain JSON and a Safe Transaction Builder batch),
and live networks ask before sending."""

import json
import shutil
import subprocess

import pytest

from servicecoin import PROJECT_ROOT

from servicecoin.admin.actions import safe_checksum, send_unsigned
from servicecoin.roles import role_id
from servicecoin.token import UNIT
from tests.offchain.admin.adminkit import ADMIN, SHOP_A, SHOP_B, assert_one_error_line, held_roles


def _powers(contracts, address):
    token = contracts["RewardToken"]
    return (held_roles(contracts, address), token.functions.issuerBudget(address).call(),
            token.functions.isAcceptor(address).call())


def test_unsigned_onboarding_sends_nothing_and_decodes_to_the_calls(svc, contracts, tmp_path, chain):
    out = tmp_path / "onboard.json"
    before = _powers(contracts, SHOP_A.address)
    result = svc("merchant", "onboard", "shop-a", SHOP_A.address, "--budget", "700", "--unsigned", out)
    assert "not sent" in result.output
    assert _powers(contracts, SHOP_A.address) == before
    doc = json.loads(out.read_text())
    assert doc["chainId"] == chain.chain_id and doc["from"] == ADMIN.address
    decoded = []
    by_address = {c.address: c for c in contracts.values()}
    for tx in doc["transactions"]:
        assert tx["value"] == "0" and tx["description"]
        fn, args = by_address[tx["to"]].decode_function_input(tx["data"])
        decoded.append((tx["contract"], fn.fn_name, tuple(args.values())))
    assert decoded == [
        ("RewardToken", "grantRole", (role_id("ISSUER_ROLE"), SHOP_A.address)),
        ("RewardToken", "setIssuerBudget", (SHOP_A.address, 700 * UNIT)),
        ("RewardToken", "setAcceptor", (SHOP_A.address, True)),
        ("RedemptionVault", "grantRole", (role_id("MERCHANT_ROLE"), SHOP_A.address)),
    ]


def test_sending_the_unsigned_data_has_the_same_effect_as_sending(svc, contracts, tmp_path, chain):
    out = tmp_path / "onboard.json"
    svc("merchant", "onboard", "shop-a", SHOP_A.address, "--budget", "700", "--agent", "--unsigned", out)
    receipts = send_unsigned(chain, json.loads(out.read_text()), ADMIN)
    assert all(r["from"] == ADMIN.address for r in receipts)
    svc("merchant", "onboard", "shop-b", SHOP_B.address, "--budget", "700", "--agent")  # sent directly
    assert _powers(contracts, SHOP_A.address) == _powers(contracts, SHOP_B.address)
    roles, budget, acceptor = _powers(contracts, SHOP_A.address)
    assert budget[0] == 700 * UNIT and acceptor
    assert roles == {"RewardToken": ["ISSUER_ROLE"], "RedemptionVault": ["MERCHANT_ROLE"], "ServiceLog": ["AGENT_ROLE"],
                     "Settlement": []}


def test_safe_batch_has_the_transaction_builder_shape(svc, tmp_path, contracts):
    out = tmp_path / "pause.json"
    svc("admin", "pause", "all", "--unsigned", out)
    batch = json.loads(out.with_name("pause.safe.json").read_text())
    assert set(batch) == {"version", "chainId", "createdAt", "meta", "transactions"}
    assert batch["meta"]["checksum"] == safe_checksum(batch)
    assert [t["contractMethod"]["name"] for t in batch["transactions"]] == ["pause", "pause"]
    assert [t["to"] for t in batch["transactions"]] == [contracts["RewardToken"].address,
                                                       contracts["RedemptionVault"].address]
    assert all(t["data"] == contracts["RewardToken"].functions.pause()._encode_transaction_data()
               for t in batch["transactions"])
    batch["transactions"][0]["value"] = "1"
    assert batch["meta"]["checksum"] != safe_checksum(batch)  # the builder would flag an edited file


def test_unsigned_refused_by_the_chain_writes_nothing(svc, tmp_path):
    out = tmp_path / "grant.json"
    result = svc("admin", "grant", "issuer", SHOP_A.address, "--unsigned", out, "--from", SHOP_A.address, ok=False)
    assert_one_error_line(result, "nothing sent", "AccessControlUnauthorizedAccount")
    assert not out.exists()


@pytest.fixture
def live(deployments, monkeypatch):
    """The same node as svc-live: a live network (asks before sending, keys from the environment)."""
    (deployments / "svc-live.json").write_text((deployments / "development.json").read_text())
    monkeypatch.setenv("SVC_RPC_URL", "http://127.0.0.1:8545")
    monkeypatch.setenv("SVC_PRIVATE_KEY", ADMIN.key.hex())
    return "svc-live"


def test_live_network_asks_and_sends_nothing_without_yes(svc, contracts, live):
    result = svc("admin", "pause", "token", network=live, input="n\n", ok=False)
    assert "pause RewardToken: stop issuance" in result.output and ": pause()" in result.output
    assert "send 1 transaction(s)" in result.output
    assert result.output.strip().splitlines()[-1] == "error: nothing sent: not confirmed (--yes skips the question)"
    assert not contracts["RewardToken"].functions.paused().call()
    svc("admin", "pause", "token", network=live, input="y\n")
    assert contracts["RewardToken"].functions.paused().call()
    quiet = svc("admin", "unpause", "token", "--yes", network=live)
    assert "send 1 transaction" not in quiet.output
    assert not contracts["RewardToken"].functions.paused().call()


def test_local_network_does_not_ask(svc, contracts):
    result = svc("admin", "pause", "token")
    assert "?" not in result.output and contracts["RewardToken"].functions.paused().call()


def test_unsigned_on_a_live_network_needs_no_key(svc, contracts, live, monkeypatch, tmp_path):
    monkeypatch.delenv("SVC_PRIVATE_KEY")
    out = tmp_path / "live.json"
    svc("admin", "transfers", "open", "--unsigned", out, network=live)
    doc = json.loads(out.read_text())
    assert doc["from"] == ADMIN.address and doc["network"] == "svc-live"
    assert not contracts["RewardToken"].functions.transfersOpen().call()
    assert_one_error_line(svc("admin", "transfers", "open", "--yes", network=live, ok=False), "SVC_PRIVATE_KEY")


CANONICAL_JS = r"""
const {keccak256, toUtf8Bytes} = require(process.argv[2]);
const batch = JSON.parse(require("fs").readFileSync(process.argv[3], "utf8"));
const canonical = (v) => Array.isArray(v) ? "[" + v.map(canonical).join(",") + "]"
  : (v !== null && typeof v === "object")
    ? "{" + JSON.stringify(Object.keys(v).sort()) + Object.keys(v).sort().map((k) => canonical(v[k]) + ",").join("") + "}"
    : JSON.stringify(v);
const given = batch.meta.checksum;
delete batch.meta.checksum;
batch.meta.name = null;
process.stdout.write(keccak256(toUtf8Bytes(canonical(batch))) === given ? "same" : "different");
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_safe_checksum_agrees_with_javascript_json(svc, tmp_path):
    """The builder computes its checksum in JavaScript: JSON.stringify's strings (non-ASCII, quotes) must match."""
    out = tmp_path / "tiers.json"
    svc("admin", "tiers", "--tier", 'Mémbre "base":0:1x', "--tier", "Or/金:100:1.5x", "--unsigned", out)
    script = tmp_path / "check.js"
    script.write_text(CANONICAL_JS)
    ethers = str(PROJECT_ROOT / "node_modules" / "ethers")
    answer = subprocess.run(["node", str(script), ethers, str(out.with_name("tiers.safe.json"))],
                            capture_output=True, text=True, check=True)
    assert answer.stdout == "same", answer.stderr
