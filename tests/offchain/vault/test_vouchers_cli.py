"""`svc redemptions fulfil` keeps the voucher code for its customer (sealed in the content store) while the chain
keeps its hash; a refused fulfil keeps nothing; `svc catalog describe|contact` write the page's metadata.
On brownie's anvil, with the vault of test_vault_module."""

import json

import pytest
from click.testing import CliRunner

from servicecoin import vault as sv
from servicecoin.chain import dev_account
from servicecoin.contentstore import ContentStore
from servicecoin.token import UNIT
from servicecoin.vault.metadata import CatalogMetadata
from servicecoin.vault.vouchers import VoucherBook
from tests.offchain.vault.test_vault_module import env, setup  # noqa: F401  the deployed token and vault

NET = ["--network", "development"]


def _codes(vault, customer):
    with ContentStore.for_network("development") as store:
        return VoucherBook(store).codes_of(vault.address, customer)


def test_fulfil_keeps_the_code_for_the_customer_and_its_hash_on_chain(env):
    from servicecoin.cli import cli

    chain, _, vault, _ = env
    customer = dev_account(5)
    item = sv.add_item(chain, sv.Kind.DISCOUNT_VOUCHER, 5 * UNIT, None, vault=vault)
    rid = sv.redeem(chain, item, 1, customer, vault).redemption_id
    out = CliRunner().invoke(cli, ["redemptions", "fulfil", hex(rid), "--voucher", "SAVE-10", *NET])
    assert out.exit_code == 0, out.output
    assert "kept for the customer" in out.output
    assert _codes(vault, customer.address)[hex(rid)] == "SAVE-10"
    fulfilled = [e for e in chain.events(vault, "Fulfilled") if e["args"]["id"] == rid]
    assert bytes(fulfilled[0]["args"]["voucherHash"]) == bytes(sv.voucher_hash(rid, "SAVE-10"))
    assert _codes(vault, dev_account(6).address) == {}


def test_a_refused_fulfil_keeps_no_code(env):
    from servicecoin.cli import cli

    chain, _, vault, _ = env
    customer = dev_account(6)
    item = sv.add_item(chain, sv.Kind.GIFT, 5 * UNIT, None, vault=vault)
    rid = sv.refund(chain, sv.redeem(chain, item, 1, customer, vault).redemption_id, vault=vault).redemption_id
    out = CliRunner().invoke(cli, ["redemptions", "fulfil", hex(rid), "--voucher", "NEVER", *NET])
    assert out.exit_code != 0 and "Traceback" not in out.output
    assert hex(rid) not in _codes(vault, customer.address)


def test_catalog_describe_and_contact(env, tmp_path):
    from servicecoin.cli import cli

    chain, _, vault, _ = env
    item = sv.add_item(chain, sv.Kind.GIFT, 5 * UNIT, None, vault=vault)
    picture = tmp_path / "mug.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    out = CliRunner().invoke(cli, ["catalog", "describe", str(item), "--name", "Coffee mug", "--description",
                                   "A mug.", "--image", str(picture), "--json", *NET])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["name"] == "Coffee mug"
    assert CatalogMetadata.for_network("development").public()["items"][str(item)]["image"].endswith(".png")
    listed = CliRunner().invoke(cli, ["catalog", "list", *NET])
    assert "on the page: Coffee mug — A mug. [picture]" in listed.output
    row = [i for i in json.loads(CliRunner().invoke(cli, ["catalog", "list", "--json", *NET]).output) if i["item_id"] == item]
    assert row[0]["page"]["name"] == "Coffee mug"
    bad = CliRunner().invoke(cli, ["catalog", "describe", str(item), "--image", str(tmp_path), *NET])
    assert bad.exit_code == 2
    text = tmp_path / "x.png"
    text.write_text("<svg/>")
    bad = CliRunner().invoke(cli, ["catalog", "describe", str(item), "--image", str(text), *NET])
    assert bad.exit_code != 0 and "not a PNG, JPEG, GIF or WebP" in bad.output and "\n" == bad.output[-1]
    missing = CliRunner().invoke(cli, ["catalog", "describe", "9999", "--name", "x", *NET])
    assert missing.exit_code != 0 and "no such item" in missing.output
    out = CliRunner().invoke(cli, ["catalog", "contact", "--name", "Coffee Corner", "--email", "help@coffee.example",
                                   "--wait-days", "5", *NET])
    assert out.exit_code == 0 and "after 5 days" in out.output


@pytest.fixture(autouse=True)
def _clean_metadata():
    """The metadata file of `development` is this test's only while it runs."""
    meta = CatalogMetadata.for_network("development")
    saved = meta.file.read_bytes() if meta.file.exists() else None
    yield
    if saved is None:
        meta.file.unlink(missing_ok=True)
    else:
        meta.file.write_bytes(saved)
