"""GET /api/receipts (issue 16, anchored mode): a signed-in customer gets their own inclusion receipts and
nobody else's; 401 without a session; every receipt handed out passes `svc verify-receipt` (the same
check_receipt, and the CLI on the saved document). Runs on brownie's anvil with anchored records for two
customers in two batches, and one batch of another log on the same chain the page must not hand out."""

from __future__ import annotations

import json

import pytest
from brownie import web3
from click.testing import CliRunner
from web3 import Web3

from servicecoin.chain import dev_account, from_web3
from servicecoin.cli import cli
from servicecoin.contentstore import ContentStore
from servicecoin.serve import ServeSettings
from servicecoin.servicelog import Entry, Kind, Outcome
from servicecoin.servicelog.anchoring import anchor_records, check_receipt
from tests.contracts.service_log.logkit import deploy_log
from tests.offchain.serve.httpkit import serving
from tests.offchain.serve.test_siwe import call, cookie, message, nonce, sign

AGENT, CUSTOMER, OTHER = dev_account(8), dev_account(5), dev_account(6)  # AGENT: the agent fixture


@pytest.fixture(scope="module")
def anchored(admin, token, agent, tmp_path_factory):
    """Customer: records #1, #3 (batch #1–#3) and #5 (batch #4–#5); the other customer: #2 and #4. A second
    log's batch (for the customer) is kept in the same folder."""
    chain = from_web3(Web3(Web3.HTTPProvider(web3.provider.endpoint_uri)), "development")
    folder = tmp_path_factory.mktemp("anchored")
    c, o = CUSTOMER.address, OTHER.address
    logs = [deploy_log(admin, token, agent) for _ in range(2)]
    with ContentStore(folder / "content.sqlite") as store:
        slog = chain.contract("ServiceLog", logs[0].address)
        anchor_records(chain, [Entry(Kind.REPLY, 7, c, "we are on it"), Entry(Kind.REPLY, 8, o, "shipped"),
                               Entry(Kind.COMPLAINT, 7, c, "still broken")], store, folder, sender=AGENT, log=slog)
        anchor_records(chain, [Entry(Kind.FOLLOWUP, 8, o, "no answer", int(Outcome.NOT_REACHED)),
                               Entry(Kind.REPLY, 7, c, "a technician comes Monday")], store, folder,
                       sender=AGENT, log=slog)
        other_log = chain.contract("ServiceLog", logs[1].address)
        anchor_records(chain, [Entry(Kind.REPLY, 9, c, "another log")], store, folder, sender=AGENT,
                       log=other_log)  # kept as 1-1.json beside the first log's 1-3.json and 4-5.json
    return chain, slog, folder


@pytest.fixture(scope="module")
def server(anchored):
    chain, slog, folder = anchored
    record = {"network": "development", "chain_id": chain.chain_id, "rpc_url": web3.provider.endpoint_uri,
              "contracts": {"RewardToken": "0x5FbDB2315678afecb367f032d93F642f64180aa3", "ServiceLog": slog.address}}
    with serving(ServeSettings(client_limit=None), record, anchored_folder=folder) as srv:
        yield srv


def _login(server, account):
    text = message(server, nonce(server), address=account.address)
    return call(server, "POST", "/api/siwe/login", {"message": text, "signature": sign(text, account)})


def receipts(server, account=None):
    return call(server, "GET", "/api/receipts", headers=_session(server, account) if account else None)


def _session(server, account):
    status, headers, _ = _login(server, account)
    assert status == 200
    return {"Cookie": cookie(headers)}


def test_without_a_session_it_is_401(server):
    status, headers, answer = receipts(server)
    assert status == 401 and answer["error"] == "sign in with your wallet first"
    status, _, _ = call(server, "GET", "/api/receipts", headers={"Cookie": "svc_session=forged"})
    assert status == 401


def test_a_customer_gets_only_their_own_receipts(server, anchored):
    _, slog, _ = anchored
    for account, seqs in ((CUSTOMER, [1, 3, 5]), (OTHER, [2, 4])):
        status, headers, answer = receipts(server, account)
        assert status == 200 and headers["cache-control"] == "no-store"
        assert answer["customer"] == account.address and answer["log"] == slog.address
        assert [r["seq"] for r in answer["receipts"]] == seqs and answer["count"] == len(seqs)
        assert {r["record"]["customer"] for r in answer["receipts"]} == {account.address}
        assert {r["log"] for r in answer["receipts"]} == {slog.address}  # not the other log's batch


def test_a_customer_without_anchored_records_gets_none(server):
    status, _, answer = receipts(server, dev_account(7))
    assert status == 200 and answer["receipts"] == [] and answer["count"] == 0


def test_every_receipt_handed_out_verifies_and_a_changed_one_does_not(server, anchored, tmp_path):
    chain = anchored[0]
    _, _, answer = receipts(server, CUSTOMER)
    for receipt in answer["receipts"]:
        assert check_receipt(chain.w3, receipt) == []
    forged = dict(answer["receipts"][1], packed=answer["receipts"][1]["packed"][:-2] + "ff")
    assert check_receipt(chain.w3, forged)
    saved = tmp_path / "my-receipts.json"
    saved.write_text(json.dumps(answer))
    result = CliRunner().invoke(cli, ["verify-receipt", str(saved), "--rpc", web3.provider.endpoint_uri, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["valid"] and len(json.loads(result.output)["receipts"]) == 3
    saved.write_text(json.dumps(dict(answer, receipts=[answer["receipts"][0], forged])))
    result = CliRunner().invoke(cli, ["verify-receipt", str(saved), "--rpc", web3.provider.endpoint_uri])
    assert result.exit_code == 1 and "OK: record #1" in result.output and "INVALID receipt" in result.output
