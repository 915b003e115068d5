"""Strict inputs on the command line: the plain decimal grammar, one `error: --option: …` line with exit
code 2 for every bad value (never a web3 ABI dump or a traceback), --min-tier checked against the chain's
tiers, the exit code of each kind of failure, a node that is down (within ~3 s), a broken pipe, an index
database in a folder that does not exist, refused log records that leave no text behind, and deployment
files that never hold an RPC URL or a secret."""

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from brownie import web3
from click.testing import CliRunner

from servicecoin.chain import dev_account
from servicecoin.cli import cli
from servicecoin.errors import ConfigError
from servicecoin.token import parse_decimal, to_raw

ROOT = Path(__file__).resolve().parents[3]
CUSTOMER = dev_account(5).address
NET = ["--network", "development"]


def svc(*args, env=None):
    return CliRunner(mix_stderr=False, env=env).invoke(cli, list(args))


def one_error_line(result, code=2, starts="error: "):
    assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(starts), result.stderr
    assert "Traceback" not in result.stderr + result.stdout and "abi" not in result.stderr.lower(), result.stderr
    return lines[0]


# ---------------------------------------------------------------------------------------- grammar
@pytest.mark.parametrize("text, raw", [("1", 100), ("0", 0), ("12.5", 1250), ("12.50", 1250), ("007", 700),
                                       ("1000000", 100_000_000)])
def test_plain_decimals_are_read(text, raw):
    assert to_raw(text) == raw


@pytest.mark.parametrize("text", ["1e3", "1E3", "-1", "+1", "1_000", "1,000", "1 000", " 1", "1.", ".5", "1.234",
                                  "٣", "１", "1٫5", "0x10", "NaN", "Infinity", "", "1\0", "9" * 61])
def test_everything_else_is_refused(text):
    with pytest.raises(ConfigError):
        to_raw(text)


def test_the_grammar_takes_the_decimals_it_is_given():
    assert parse_decimal("1.5", 1) == parse_decimal("1.50", 2)
    with pytest.raises(ConfigError, match="whole"):
        parse_decimal("1.5", 0)


# ---------------------------------------------------------------------------------------- bad values, no node
@pytest.mark.parametrize("argv, option", [
    (["catalog", "add", "--kind", "gift", "--price", "-1"], "--price"),
    (["catalog", "add", "--kind", "gift", "--price", "1e3"], "--price"),
    (["catalog", "update", "1", "--price", "-0.5"], "--price"),
    (["discount", "--points", "-5", "--order", "A-1"], "--points"),
    (["discount", "--points", "٣", "--order", "A-1"], "--points"),
    (["redeem", "1", "--qty", "-1", "--from", "customer"], "--qty"),
    (["redeem", "1", "--qty", "1_0", "--from", "customer"], "--qty"),
    (["redeem", "x1", "--from", "customer"], "ITEM_ID"),
    (["redemptions", "list", "--customer", "0xZZ"], "--customer"),
    (["log", "feedback", "1", "5", "--customer-key", "5"], "--customer-key"),
    (["log", "feedback", "1", "٥"], "RATING"),
    (["log", "reply", "1", "0x" + "12" * 19], "CUSTOMER"),
    (["catalog", "add", "--kind", "gift", "--price", "1", "--min-tier", "-1"], "--min-tier"),
    (["catalog", "add", "--kind", "gift", "--price", "1", "--from", "nobody"], "--from"),
    (["statement", "0x" + "12" * 20, "--soon", "1e3d"], "--soon"),
    (["index", "--db", "/no/such/folder/index.sqlite"], "--db"),
])
def test_a_bad_value_is_one_line_naming_the_option_and_exit_2(argv, option):
    line = one_error_line(svc(*argv, *NET))
    assert line.startswith(f"error: {option}: "), line


def test_a_negative_argument_is_a_usage_error():
    result = svc("redeem", "-1", "--from", "customer", *NET)  # click reads -1 as an option
    assert result.exit_code == 2 and "Usage:" in result.stderr and "Traceback" not in result.stderr


def test_a_private_key_is_never_echoed():
    key = "0x" + "ab" * 31 + "zz"
    line = one_error_line(svc("log", "feedback", "1", "5", "--customer-key", key, *NET))
    assert "ab" * 8 not in line


def test_index_into_a_folder_that_does_not_exist_creates_nothing(tmp_path):
    target = tmp_path / "missing" / "index.sqlite"
    one_error_line(svc("index", "--db", str(target), *NET))
    assert not (tmp_path / "missing").exists()


# ---------------------------------------------------------------------------------------- against the chain
@pytest.fixture
def deployed(tmp_path, monkeypatch):
    monkeypatch.setenv("SVC_DEPLOYMENTS_DIR", str(tmp_path / "deployments"))
    monkeypatch.setattr("servicecoin.paths.DATA_DIR", tmp_path / "data")
    assert svc("deploy", *NET).exit_code == 0
    return tmp_path


def test_min_tier_is_checked_against_the_tiers_on_chain(deployed):
    from servicecoin.chain import connect

    tiers = len(connect("development").contract("RewardToken").functions.tiers().call()[0])
    line = one_error_line(svc("catalog", "add", "--kind", "gift", "--price", "10", "--min-tier", str(tiers), *NET))
    assert line == f"error: --min-tier: {tiers} is not a tier; the token has {tiers} (0 to {tiers - 1})"
    ok = svc("catalog", "add", "--kind", "gift", "--price", "10", "--min-tier", str(tiers - 1), "--json", *NET)
    assert ok.exit_code == 0 and json.loads(ok.stdout)["min_tier"] == tiers - 1, ok.stderr


def test_a_refusal_by_the_chain_is_exit_4_with_its_custom_error(deployed):
    # the customer holds no MERCHANT_ROLE on the vault
    line = one_error_line(svc("catalog", "add", "--kind", "gift", "--price", "10", "--from", "customer", *NET), 4)
    assert line.startswith("error: listItem would revert: NotMerchant(")


def content_seqs(data_dir: Path) -> list:
    """The record number of every row of the content store (None: a text whose record is not on chain).
    Texts may be sealed with their customer's key, so rows are counted, not read."""
    path = data_dir / "development" / "content.sqlite"
    if not path.exists():
        return []
    db = sqlite3.connect(path)
    try:
        return [seq for (seq,) in db.execute("SELECT seq FROM content ORDER BY seq")]
    finally:
        db.close()


def test_a_refused_log_record_leaves_no_text_behind(deployed):
    secret = "Ms Example, 12 Private Lane, phone 555-0100"
    refused = svc("log", "reply", "424242", CUSTOMER, "--text", secret, *NET)  # no such ticket: InvalidTicket…
    one_error_line(refused, 4)
    assert content_seqs(deployed / "data") == []  # nothing of the refused record is left
    opened = svc("log", "open", "7", CUSTOMER, "--text", "kept: it is on chain", *NET)
    assert opened.exit_code == 0, opened.stderr
    assert content_seqs(deployed / "data") == [1]
    shown = svc("log", "show", "1", "--json", *NET)
    assert json.loads(shown.stdout)["text"] == "kept: it is on chain", shown.stderr


def test_refused_feedback_leaves_no_text_behind(deployed):
    assert svc("log", "open", "8", CUSTOMER, *NET).exit_code == 0  # not resolved: feedback is refused
    secret = "my card number is 4111 1111"
    one_error_line(svc("log", "feedback", "8", "5", "--text", secret, *NET), 4)
    assert None not in content_seqs(deployed / "data")


def test_a_refused_batch_leaves_no_text_behind(deployed):
    batch = deployed / "records.csv"
    batch.write_text("kind,ticket,customer,text\n"
                     f"opened,31,{CUSTOMER},first record\n"
                     f"opened,31,{CUSTOMER},private words: the ticket is open already (TicketExists)\n")
    one_error_line(svc("log", "batch", str(batch), "--batch-size", "1", *NET), 4)
    # the first transaction went through, the refused one left nothing
    assert content_seqs(deployed / "data") == [1]


# ---------------------------------------------------------------------------------------- secrets
def test_deploy_to_a_url_with_a_key_writes_no_url_and_no_secret(tmp_path, monkeypatch):
    fake_key = "sk_live_FAKE0123456789"
    url = web3.provider.endpoint_uri.rstrip("/") + f"/?apikey={fake_key}"
    signer = "0x" + bytes(dev_account(0).key).hex()
    monkeypatch.setenv("SVC_DEPLOYMENTS_DIR", str(tmp_path))
    monkeypatch.setenv("SVC_RPC_URL", url)
    monkeypatch.setenv("SVC_PRIVATE_KEY", signer)
    # a live network shows what it will deploy and asks first: the question holds no secret either
    result = CliRunner(mix_stderr=False).invoke(cli, ["deploy", "--network", "svc-live"], input="y\n")
    assert result.exit_code == 0, result.stderr
    assert "deployer key" in result.stdout and fake_key not in result.stdout + result.stderr
    record = json.loads((tmp_path / "svc-live.json").read_text())
    assert set(record) == {"network", "chain_id", "first_block", "block", "contracts", "accounts"}
    assert record["chain_id"] == web3.eth.chain_id and isinstance(record["block"], int)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            text = path.read_text()
            assert fake_key not in text and "apikey" not in text and signer[2:] not in text, path


# ---------------------------------------------------------------------------------------- node down, broken pipe
def run_svc(*args, env_extra=None, **kwargs):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env_extra or {})}
    return subprocess.run([sys.executable, "-c", "from servicecoin.cli import main; main()", *args], env=env,
                          capture_output=True, text=True, cwd=ROOT, timeout=60, **kwargs)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_node_that_refuses_fails_within_3_seconds_in_one_line():
    url = f"http://127.0.0.1:{closed_port()}/v3/SECRETKEY"
    started = time.monotonic()
    done = run_svc("balance", CUSTOMER, "--network", "svc-live", env_extra={"SVC_RPC_URL": url})
    took = time.monotonic() - started
    assert done.returncode == 3, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: network svc-live: no node answers")
    assert "SECRETKEY" not in done.stderr and "connection refused" in done.stderr
    assert took < 8, took  # ~3 s of retries plus the interpreter's start; generous bound


def test_a_node_that_never_answers_fails_within_3_seconds():
    with socket.socket() as server:  # accepts connections (the kernel's backlog) but never answers
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        url = f"http://127.0.0.1:{server.getsockname()[1]}"
        started = time.monotonic()
        done = run_svc("redemptions", "list", "--network", "svc-live", env_extra={"SVC_RPC_URL": url})
        took = time.monotonic() - started
    assert done.returncode == 3, done.stderr
    assert done.stderr.count("\n") == 1 and "no answer within 3s" in done.stderr
    assert took < 9, took


def big_bad_campaign(tmp_path) -> Path:
    rows = "".join(f"0x12345,purchase,1.00,ref-{i}\n" for i in range(3000))  # 3,000 bad rows: a long listing
    (tmp_path / "rows.csv").write_text("address,action,amount,ref\n" + rows)
    path = tmp_path / "c.yaml"
    path.write_text("id: pipe\nreason: campaign\ninput: rows.csv\nbudget: 100\nrules:\n  purchase: {points: 1}\n")
    return path


def test_a_broken_pipe_is_silent(tmp_path):
    args = ["campaign", "plan", str(big_bad_campaign(tmp_path)), "--offline", "--token", "0x" + "11" * 20,
            "--journal", str(tmp_path / "j.sqlite")]
    shell = subprocess.run(f"{sys.executable} -c 'from servicecoin.cli import main; main()' "
                           + " ".join(f"'{a}'" for a in args) + " | head -1", shell=True, capture_output=True,
                           text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert shell.stdout.startswith("campaign pipe"), shell.stdout
    assert shell.stderr == "", shell.stderr
    # the reader gone before the first line
    proc = subprocess.Popen([sys.executable, "-c", "from servicecoin.cli import main; main()", *args, "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert err == "" and "Traceback" not in err and "BrokenPipe" not in err


def test_serve_finds_the_node_of_a_deployment_file_in_networks_yaml(tmp_path, monkeypatch):
    from servicecoin.networks import get_network
    from servicecoin.serve import load_site

    token = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    local = tmp_path / "local.json"
    local.write_text(json.dumps({"network": "development", "chain_id": 31337, "block": 1,
                                 "contracts": {"RewardToken": token}}))
    site = load_site("svc-local", local)
    assert site.network.rpc_url == get_network("development").rpc_url
    assert site.config()["rpc_url"] == site.network.rpc_url  # a local node's URL is offered to the page
    assert site.config()["token"]["tier_names"][0] == "Member"  # from servicecoin.yaml
    live = tmp_path / "live.json"
    live.write_text(json.dumps({"network": "svc-live", "chain_id": 11155111, "block": 1,
                                "contracts": {"RewardToken": token}}))
    monkeypatch.setenv("SVC_RPC_URL", "https://node.example/v3/SECRETKEY")
    site = load_site("svc-local", live)
    assert site.network.rpc_url.endswith("SECRETKEY") and site.config()["rpc_url"] is None
