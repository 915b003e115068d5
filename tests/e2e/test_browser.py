"""The customer page in headless Chromium: a fresh anvil, the contracts deployed with
servicecoin.deploy, sample points, `svc serve`, then the Node browser tests (node --test).

Runs on its own ports (SVC_E2E_PORTS, default 8800-8849) so it never meets the other test chains.
Skipped, with the reason, only when Chromium or Node is not installed.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from web3 import Web3

from servicecoin import PROJECT_ROOT
from servicecoin.chain import Chain, dev_account
from servicecoin.deploy import deploy
from servicecoin.localchain import anvil_binary
from servicecoin.networks import TEST_MNEMONIC, Network
from servicecoin.paths import data_dir, deployment_file
from servicecoin.token import UNIT, Reason
from tests.e2e.mailbox import mailbox

CHROMIUM = os.environ.get("SVC_CHROMIUM", "/usr/bin/chromium")
E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "e2e"
MAILBOX = ARTIFACTS / "mailbox"
# SVC_E2E_NETWORK keeps two runs at once (two engineers, one checkout) off each other's deployment file.
NETWORK = os.environ.get("SVC_E2E_NETWORK", "e2e")
CUSTOMER, OTHER_CUSTOMER = 5, 6
NO_ETH_CUSTOMER = 11  # a key anvil does not fund: it can only redeem gaslessly
DAY = 86_400


@pytest.fixture(autouse=True)
def isolation():
    """The browser tests run on their own chain: no brownie snapshot needed."""


def _free_ports(count: int) -> list[int]:
    low, high = (int(p) for p in os.environ.get("SVC_E2E_PORTS", "8800-8849").split("-"))
    found = []
    for port in range(low, high + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        found.append(port)
        if len(found) == count:
            return found
    pytest.fail(f"no {count} free ports in {low}-{high} (set SVC_E2E_PORTS)")


def _wait_http(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def seed(chain: Chain) -> None:
    """Sample history for the customer: a purchase that expires within 30 days, then a survey batch
    and a compensation a year later; the other customer gets a smaller purchase."""
    token = chain.contract("RewardToken")
    operator = chain.account("operator")
    customer = dev_account(CUSTOMER).address
    other = dev_account(OTHER_CUSTOMER).address
    ref = Web3.keccak(text="e2e-order-1")
    chain.transact(token.functions.issue(customer, 120 * UNIT, Reason.PURCHASE, ref), operator)
    # Move to 10 days before that purchase expires.
    lot = token.functions.lotsOf(customer).call()[0]
    now = chain.w3.eth.get_block("latest")["timestamp"]
    chain.w3.provider.make_request("evm_increaseTime", [lot[2] - now - 10 * DAY])
    chain.w3.provider.make_request("evm_mine", [])
    batch = Web3.keccak(text="e2e-survey-1")
    chain.transact(token.functions.issueBatch(batch, [customer, other], [50 * UNIT, 20 * UNIT], Reason.SURVEY), operator)
    chain.transact(token.functions.issue(customer, 30 * UNIT + 50, Reason.COMPENSATION, ref), operator)
    chain.transact(token.functions.issue(other, 75 * UNIT, Reason.PURCHASE, ref), operator)
    if "ServiceLog" in chain.deployment()["contracts"]:
        seed_tickets(chain)
    if "RedemptionVault" in chain.deployment()["contracts"]:
        seed_catalog(chain)


FEEDBACK_TICKET, OPEN_TICKET, REJECT_TICKET, ANCHORED_TICKET = 1001, 1002, 1003, 1004


def seed_tickets(chain: Chain) -> None:
    """Two resolved tickets (one to rate, one to refuse signing) and an open one for the customer."""
    from servicecoin.contentstore import ContentStore
    from servicecoin.servicelog import Entry, Kind, append_batch

    customer = dev_account(CUSTOMER).address
    entries = [
        Entry(Kind.OPENED, FEEDBACK_TICKET, customer, "My order arrived broken."),
        Entry(Kind.RESOLVED, FEEDBACK_TICKET, customer, "Replacement sent."),
        Entry(Kind.OPENED, REJECT_TICKET, customer, "Wrong size."),
        Entry(Kind.RESOLVED, REJECT_TICKET, customer, "Exchanged."),
        Entry(Kind.OPENED, OPEN_TICKET, customer, "Where is my parcel?"),
    ]
    with ContentStore.for_network(NETWORK) as store:
        append_batch(chain, entries, store)
        seed_anchored(chain, store)


def seed_anchored(chain: Chain, store) -> None:
    """Anchored records (issue 16): two for the customer, one for the other customer, in one batch kept where
    `svc serve` finds it; receipts.test.mjs downloads the customer's receipts."""
    from servicecoin.servicelog import Entry, Kind
    from servicecoin.servicelog.anchoring import anchor_records, anchored_dir

    customer, other = dev_account(CUSTOMER).address, dev_account(OTHER_CUSTOMER).address
    anchor_records(chain, [Entry(Kind.REPLY, OPEN_TICKET, customer, "Your parcel left the depot today."),
                           Entry(Kind.COMPLAINT, ANCHORED_TICKET, other, "Nobody called me back."),
                           Entry(Kind.REPLY, OPEN_TICKET, customer, "It will arrive on Thursday.")],
                   store, anchored_dir(NETWORK))


VOUCHER_CODE = "MUG-0001"
MERCHANT_CONTACT = {"name": "Coffee Corner", "email": "help@coffee-corner.example", "url": "https://coffee-corner.example/help"}


def mug_picture(path: Path) -> Path:
    """A small PNG of a mug (drawn here: the test needs no file from elsewhere)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 200), (236, 240, 250))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((110, 50, 200, 160), 14, fill=(47, 85, 212))
    d.ellipse((190, 80, 240, 130), outline=(47, 85, 212), width=12)
    d.rectangle((120, 70, 190, 80), fill=(255, 255, 255))
    img.save(path, "PNG")
    return path


def seed_metadata() -> None:
    """What `svc catalog describe` and `svc catalog contact` keep: the mug's name, description and picture,
    the voucher's description, and whom to contact (shown when a redemption waits more than 7 days)."""
    from servicecoin.vault.metadata import CatalogMetadata

    meta = CatalogMetadata.for_network(NETWORK)
    picture = mug_picture(data_dir(NETWORK) / "mug-upload.png")
    meta.describe(1, "Coffee mug", "A 350 ml stoneware mug with our logo, delivered to your door.", picture)
    meta.describe(2, None, "10% off your next order in our shop; the code arrives once the merchant fulfils it.")
    meta.set_contact(MERCHANT_CONTACT["name"], MERCHANT_CONTACT["email"], MERCHANT_CONTACT["url"], 7)


def seed_catalog(chain: Chain) -> None:
    """Four items (one Silver-only, one out of stock, one with a price change announced) and, for the
    customer, a fulfilled, a refunded and an open redemption; points for the customer without ETH."""
    from servicecoin import vault as sv
    from servicecoin.vault.vouchers import fulfil_with_code

    seed_metadata()
    token = chain.contract("RewardToken")
    vault = sv.vault_contract(chain)
    mug = sv.add_item(chain, sv.Kind.GIFT, 40 * UNIT, 10, metadata_uri="demo://gift/coffee-mug", vault=vault)
    off = sv.add_item(chain, sv.Kind.DISCOUNT_VOUCHER, 25 * UNIT, None, metadata_uri="demo://voucher/10-percent-off",
                      vault=vault)
    sv.add_item(chain, sv.Kind.EXCLUSIVE_SERVICE, 300 * UNIT, 5, min_tier=1, metadata_uri="demo://service/priority-line",
                vault=vault)
    sv.add_item(chain, sv.Kind.GIFT, 15 * UNIT, 0, metadata_uri="demo://gift/tote-bag", vault=vault)
    sv.update_item(chain, off, price=30 * UNIT, vault=vault)
    customer = dev_account(CUSTOMER)
    fulfil_with_code(chain, sv.redeem(chain, mug, 1, customer, vault).redemption_id, VOUCHER_CODE, vault=vault)
    sv.refund(chain, sv.redeem(chain, off, 1, customer, vault).redemption_id, vault=vault)
    sv.redeem(chain, off, 1, customer, vault)
    ref = Web3.keccak(text="e2e-order-2")
    chain.transact(token.functions.issue(dev_account(NO_ETH_CUSTOMER).address, 100 * UNIT, Reason.PURCHASE, ref),
                   "operator")


@pytest.fixture(scope="module")
def served():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium (or set SVC_CHROMIUM)")
    if not shutil.which("node"):
        pytest.skip("node not found: the browser tests run under Node 20+")
    anvil_port, web_port = _free_ports(2)
    rpc = f"http://127.0.0.1:{anvil_port}"
    procs: list[subprocess.Popen] = []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    serve_log = open(ARTIFACTS / "serve.log", "wb")
    mail = mailbox(MAILBOX)  # notice confirmation e-mails (notices.test.mjs)
    smtp_env = mail.__enter__()
    try:
        procs.append(subprocess.Popen(
            [anvil_binary(), "--port", str(anvil_port), "--hardfork", "shanghai", "--mnemonic", TEST_MNEMONIC,
             "--accounts", "10", "--gas-limit", "30000000", "--silent"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        w3 = Web3(Web3.HTTPProvider(rpc, request_kwargs={"timeout": 60}))
        deadline = time.monotonic() + 20
        while not w3.is_connected():
            if time.monotonic() > deadline:
                pytest.fail(f"anvil did not start on {rpc}")
            time.sleep(0.1)
        shutil.rmtree(data_dir(NETWORK), ignore_errors=True)  # the content store of the last run
        chain = Chain(Network(NETWORK, rpc, True), w3)
        deploy(chain)
        seed(chain)
        procs.append(subprocess.Popen(
            [sys.executable, "-c", "from servicecoin.cli import main; main()", "serve",
             "--deployment", str(deployment_file(NETWORK)), "--port", str(web_port), "--verbose"],
            cwd=PROJECT_ROOT, env={**os.environ, **smtp_env}, stdout=serve_log, stderr=subprocess.STDOUT))
        url = f"http://127.0.0.1:{web_port}/"
        _wait_http(url + "api/health")
        yield {"url": url, "rpc": rpc, "chain": chain}
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        serve_log.close()
        mail.__exit__(None, None, None)


def test_browser_suite_passes(served):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "receipts-download.json").unlink(missing_ok=True)  # receipts.test.mjs writes it afresh
    # SVC_E2E_FILES (a glob, default every *.test.mjs): `make bench` runs only the page-state scan.
    files = sorted(str(p) for p in E2E_DIR.glob(os.environ.get("SVC_E2E_FILES", "*.test.mjs")))
    env = {**os.environ, "SVC_URL": served["url"], "SVC_RPC_URL": served["rpc"], "SVC_ARTIFACTS": str(ARTIFACTS),
           "SVC_CHROMIUM": CHROMIUM, "SVC_MAILBOX": str(MAILBOX)}
    result = subprocess.run(
        ["node", "--test", "--test-concurrency=1", "--test-reporter=spec", *files],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    (ARTIFACTS / "node-test.log").write_text(result.stdout + result.stderr)
    summary = [line for line in result.stdout.splitlines() if line.startswith(("ℹ tests", "ℹ pass", "ℹ fail"))]
    assert result.returncode == 0, f"browser tests failed ({'; '.join(summary)}):\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    passed = next((int(line.split()[-1]) for line in summary if line.startswith("ℹ pass")), 0)
    assert passed >= 10, f"expected the whole browser suite to run, got: {summary}"


def test_relayed_feedback_text_is_in_the_content_store(served):
    """The browser test gave feedback on FEEDBACK_TICKET: its words are off chain, matching the commitment."""
    chain = served["chain"]
    if "ServiceLog" not in chain.deployment()["contracts"]:
        pytest.skip("no ServiceLog in this deployment")
    from servicecoin.contentstore import ContentStore
    from servicecoin.servicelog import Kind, fetch_records, log_contract

    log = log_contract(chain)
    feedback = [r for r in fetch_records(chain, log) if r.kind == Kind.FEEDBACK and r.ticket == FEEDBACK_TICKET]
    assert len(feedback) == 1 and feedback[0].detail == 4
    with ContentStore.for_network(NETWORK) as store:
        content = store.get(log.address, feedback[0].seq)
    assert content is not None and content.text == "Fast and polite, thank you!"
    assert content.matches(feedback[0].commitment)


def test_downloaded_receipts_pass_verify_receipt(served):
    """The file the browser test downloaded passes `svc verify-receipt` against the chain."""
    from click.testing import CliRunner

    from servicecoin.cli import cli

    saved = ARTIFACTS / "receipts-download.json"
    if "ServiceLog" not in served["chain"].deployment()["contracts"]:
        pytest.skip("no ServiceLog in this deployment")
    result = CliRunner().invoke(cli, ["verify-receipt", str(saved), "--rpc", served["rpc"], "--json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["valid"] and len(answer["receipts"]) == 2


def test_served_config_names_the_deployment(served):
    with urllib.request.urlopen(served["url"] + "config.json") as res:
        config = json.load(res)
    record = json.loads(deployment_file(NETWORK).read_text())
    assert config["chain_id"] == record["chain_id"]
    assert config["token"]["address"] == record["contracts"]["RewardToken"]
    assert config["rpc_url"] == served["rpc"]
