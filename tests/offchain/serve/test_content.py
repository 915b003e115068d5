"""What `svc serve` adds to the chain's data (issue 15): catalog metadata and pictures for everyone; a
customer's voucher codes only to that customer after wallet sign-in (401 before; another customer gets none
of them); pictures served with the type their bytes prove, and nothing else from the folder."""

from __future__ import annotations

import shutil
import uuid

import pytest
from brownie import web3

from servicecoin.chain import dev_account
from servicecoin.contentstore import ContentStore
from servicecoin.paths import data_dir
from servicecoin.serve import ServeSettings
from servicecoin.vault.metadata import CatalogMetadata
from servicecoin.vault.vouchers import VoucherBook
from tests.offchain.serve.httpkit import request, serving
from tests.offchain.serve.test_siwe import call, cookie, message, nonce, sign

VAULT = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
CUSTOMER, OTHER = dev_account(5), dev_account(6)
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
REDEMPTION = (1 << 224) | 12345


@pytest.fixture(autouse=True)
def isolation():
    """No chain state changed."""


@pytest.fixture(scope="module")
def network():
    """A network id of its own, so its content store and catalog folder are this module's only."""
    name = f"t-content-{uuid.uuid4().hex[:8]}"
    yield name
    shutil.rmtree(data_dir(name), ignore_errors=True)


@pytest.fixture(scope="module")
def server(network, tmp_path_factory):
    meta = CatalogMetadata.for_network(network)
    picture = tmp_path_factory.mktemp("pictures") / "mug.png"
    picture.write_bytes(PNG)
    meta.describe(1, "Coffee mug", "A stoneware mug.", picture)
    meta.set_contact("Coffee Corner", "help@coffee.example", "https://coffee.example/help", 5)
    (meta.images / "notes.txt").write_text("not a picture")
    with ContentStore.for_network(network) as store:
        VoucherBook(store).keep(VAULT, REDEMPTION, CUSTOMER.address, "MUG-0001")
    record = {"network": network, "chain_id": 31337, "rpc_url": web3.provider.endpoint_uri,
              "contracts": {"RewardToken": "0x5FbDB2315678afecb367f032d93F642f64180aa3", "RedemptionVault": VAULT}}
    with serving(ServeSettings(client_limit=None), record) as srv:
        yield srv


def _session(server, account):
    text = message(server, nonce(server), address=account.address)
    status, headers, _ = call(server, "POST", "/api/siwe/login", {"message": text, "signature": sign(text, account)})
    assert status == 200
    return {"Cookie": cookie(headers)}


def test_the_catalog_metadata_is_public(server):
    status, headers, answer = call(server, "GET", "/api/catalog")
    assert status == 200 and "content-security-policy" in headers
    item = answer["items"]["1"]
    assert item["name"] == "Coffee mug" and item["description"] == "A stoneware mug."
    assert item["image"].startswith("/catalog-images/1-") and item["image"].endswith(".png")
    assert answer["merchant"] == {"name": "Coffee Corner", "email": "help@coffee.example",
                                  "url": "https://coffee.example/help", "wait_days": 5}


def test_a_picture_is_served_with_the_type_its_bytes_prove(server):
    path = call(server, "GET", "/api/catalog")[2]["items"]["1"]["image"]
    status, headers, body = request(server, "GET", path)
    assert status == 200 and body == PNG
    assert headers["content-type"] == "image/png" and headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/catalog-images/notes.txt", "/catalog-images/..%2Fmetadata.json",
                                  "/catalog-images/1-00000000.png", "/catalog-images/%2e%2e", "/catalog-images/"])
def test_nothing_else_in_the_folder_is_reachable(server, path):
    status, _, body = request(server, "GET", path)
    assert status == 404 and b"Coffee" not in body


def test_voucher_codes_need_a_session(server):
    status, _, answer = call(server, "GET", "/api/vouchers")
    assert status == 401 and answer["error"] == "sign in with your wallet first"
    assert call(server, "GET", "/api/tickets")[0] == 401


def test_a_customer_gets_their_own_codes_and_nobody_else_does(server):
    status, headers, answer = call(server, "GET", "/api/vouchers", headers=_session(server, CUSTOMER))
    assert status == 200 and headers["cache-control"] == "no-store"
    assert answer["vouchers"] == [{"redemption_id": hex(REDEMPTION), "code": "MUG-0001"}]
    _, _, other = call(server, "GET", "/api/vouchers", headers=_session(server, OTHER))
    assert other["vouchers"] == [] and other["customer"] == OTHER.address


@pytest.mark.parametrize("days, ok", [(None, 30), (14, 14), (0, None), ("30", None), (True, None)])
def test_the_reminder_window_reaches_the_page(days, ok):
    from servicecoin.errors import ConfigError
    from servicecoin.networks import Network
    from servicecoin.serve import Site

    record = {"network": "t", "chain_id": 31337, "contracts": {"RewardToken": "0x5FbDB2315678afecb367f032d93F642f64180aa3"}}
    site = Site(record, Network("t", "http://127.0.0.1:9", True), {} if days is None else {"reminder_days": days})
    if ok is None:
        with pytest.raises(ConfigError, match="web.reminder_days"):
            site.config()
    else:
        assert site.config()["reminder_days"] == ok
