"""Catalog metadata (`svc catalog describe|contact`) and voucher codes kept for their customer (issue 15).
No chain: the file, the picture checks, the sealed codes and their erasure."""

from __future__ import annotations

import shutil
import uuid

import pytest

from servicecoin.contentstore import ContentStore
from servicecoin.errors import ConfigError
from servicecoin.paths import data_dir
from servicecoin.servicelog.erasure import ERASERS
from servicecoin.vault.metadata import MAX_IMAGE_BYTES, CatalogMetadata, image_kind
from servicecoin.vault.vouchers import VoucherBook

VAULT = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
ALICE, BOB = "0x" + "a1" * 20, "0x" + "b2" * 20
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16


@pytest.fixture(autouse=True)
def isolation():
    """No chain involved."""


@pytest.fixture
def meta(tmp_path):
    return CatalogMetadata(tmp_path / "catalog")


@pytest.fixture
def network():
    """A network id of its own: its content store and key store are this test's only."""
    name = f"t-vouchers-{uuid.uuid4().hex[:8]}"
    yield name
    shutil.rmtree(data_dir(name), ignore_errors=True)


@pytest.fixture
def store(network):
    with ContentStore.for_network(network) as s:
        yield s


@pytest.mark.parametrize("data, kind", [(PNG, "png"), (b"\xff\xd8\xff\xe0JFIF", "jpg"), (b"GIF89a...", "gif"),
                                        (b"RIFF\0\0\0\0WEBPVP8 ", "webp"), (b"<svg onload=alert(1)>", None),
                                        (b"<html>", None), (b"", None)])
def test_pictures_are_known_by_their_first_bytes(data, kind):
    assert image_kind(data) == kind


def test_describe_keeps_name_description_and_a_copy_of_the_picture(meta, tmp_path):
    pic = tmp_path / "upload.bin"
    pic.write_bytes(PNG)
    entry = meta.describe(3, "  Coffee   mug ", "A mug.", pic)
    assert entry["name"] == "Coffee mug" and entry["image"].startswith("3-") and entry["image"].endswith(".png")
    assert meta.image(entry["image"]) == (PNG, "image/png")
    assert meta.describe(3, description="")["name"] == "Coffee mug"  # "" clears one field, None keeps the others
    assert "description" not in meta.load()["items"]["3"]
    assert meta.public()["items"]["3"]["image"] == "/catalog-images/" + entry["image"]


@pytest.mark.parametrize("content, error", [(b"<svg/>", "not a PNG"), (PNG + b"\0" * MAX_IMAGE_BYTES, "at most")])
def test_a_picture_that_is_not_one_or_too_big_is_refused(meta, tmp_path, content, error):
    pic = tmp_path / "bad"
    pic.write_bytes(content)
    with pytest.raises(ConfigError, match=error):
        meta.describe(1, image=pic)
    assert not meta.images.exists() or not list(meta.images.iterdir())


def test_a_renamed_file_is_not_served_under_another_type(meta):
    meta.images.mkdir(parents=True)
    (meta.images / "1-deadbeef.png").write_bytes(b"GIF89a")
    assert meta.image("1-deadbeef.png") is None and meta.image("../metadata.json") is None


@pytest.mark.parametrize("kwargs, error", [({"email": "not-mail"}, "e-mail"), ({"url": "http://x.example"}, "https://"),
                                           ({"name": "x" * 81}, "at most 80"), ({"name": "a\x07b"}, "control")])
def test_contact_fields_are_checked(meta, kwargs, error):
    with pytest.raises(ConfigError, match=error):
        meta.set_contact(**kwargs)


def test_contact_defaults_to_seven_days_of_waiting(meta):
    meta.set_contact("Coffee Corner", "help@coffee.example")
    assert meta.public()["merchant"] == {"name": "Coffee Corner", "email": "help@coffee.example", "wait_days": 7}


def test_codes_are_sealed_per_customer_and_read_back_only_for_them(store):
    book = VoucherBook(store)
    book.keep(VAULT, 7, ALICE, "MUG-0001")
    book.keep(VAULT, 8, BOB, "TOTE-42")
    assert book.codes_of(VAULT, ALICE) == {"0x7": "MUG-0001"}
    assert book.codes_of(VAULT, BOB.upper().replace("0X", "0x")) == {"0x8": "TOTE-42"}
    raw = store.db.execute("SELECT sealed FROM voucher").fetchall()
    assert all(b"MUG-0001" not in r[0] and b"TOTE-42" not in r[0] for r in raw)
    assert book.codes_of("0x" + "00" * 20, ALICE) == {}


def test_destroying_the_key_makes_the_code_unreadable(store):
    book = VoucherBook(store)
    book.keep(VAULT, 7, ALICE, "MUG-0001")
    store.keys.destroy(ALICE)
    assert book.codes_of(VAULT, ALICE) == {}


def test_erasing_a_customer_reaches_the_voucher_codes(store, network):
    book = VoucherBook(store)
    book.keep(VAULT, 7, ALICE, "MUG-0001")
    book.keep(VAULT, 8, BOB, "TOTE-42")
    assert ERASERS["voucher codes"](network, ALICE) == 1  # what `svc log erase --customer` runs
    assert book.codes_of(VAULT, ALICE) == {} and book.codes_of(VAULT, BOB) == {"0x8": "TOTE-42"}
