"""Catalog metadata: what a customer recognises an item by (name, description, picture) and whom to contact
about a redemption, kept by the merchant in one file beside the network's other off-chain state:

    .servicecoin/<network>/catalog/metadata.json     {"merchant": {...}, "items": {"<id>": {...}}}
    .servicecoin/<network>/catalog/images/           the pictures, named <item id>-<8 hex of their hash>.<ext>

`svc catalog describe ITEM` and `svc catalog contact` write it; `svc serve` hands it to the page
(GET /api/catalog) and serves the pictures (GET /catalog-images/NAME) with their one fixed content type.
A picture is accepted only when its first bytes are those of PNG, JPEG, GIF or WebP, and at most
MAX_IMAGE_BYTES; the page needs no external URL. Nothing here is personal data: it is all public.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from eth_utils import keccak

from servicecoin.errors import ConfigError
from servicecoin.paths import data_dir

MAX_IMAGE_BYTES = 1_000_000
MAX_NAME, MAX_DESCRIPTION, MAX_CONTACT = 80, 600, 200
DEFAULT_WAIT_DAYS = 7  # an open redemption older than this tells the customer whom to contact
# Picture types by their first bytes; the served Content-Type comes from this table, never from the file name.
IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "gif": "image/gif", "webp": "image/webp"}
IMAGE_NAME = re.compile(r"^[0-9]{1,10}-[0-9a-f]{8}\.(png|jpg|gif|webp)$")


def image_kind(data: bytes) -> str | None:
    """'png', 'jpg', 'gif' or 'webp' from the picture's first bytes; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def catalog_dir(network: str) -> Path:
    return data_dir(network) / "catalog"


@dataclass
class CatalogMetadata:
    """One network's catalog metadata file and its picture folder."""

    folder: Path

    @classmethod
    def for_network(cls, network: str) -> "CatalogMetadata":
        return cls(catalog_dir(network))

    @property
    def file(self) -> Path:
        return self.folder / "metadata.json"

    @property
    def images(self) -> Path:
        return self.folder / "images"

    def load(self) -> dict:
        """{"merchant": {...}, "items": {"<id>": {...}}}; empty when nothing was described yet."""
        if not self.file.is_file():
            return {"merchant": {}, "items": {}}
        try:
            data = json.loads(self.file.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{self.file}: not readable catalog metadata ({exc})") from None
        return {"merchant": dict(data.get("merchant") or {}), "items": dict(data.get("items") or {})}

    def _save(self, data: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.file.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, self.file)  # readers (svc serve) never see half a file

    def describe(self, item_id: int, name: str | None = None, description: str | None = None,
                 image: Path | None = None) -> dict:
        """Set what is given of item `item_id` (None keeps it; "" clears it); returns the item's entry."""
        data = self.load()
        entry = dict(data["items"].get(str(item_id), {}))
        for key, value, limit in (("name", name, MAX_NAME), ("description", description, MAX_DESCRIPTION)):
            if value is not None:
                entry[key] = _text(value, limit, f"--{key}")
        if image is not None:
            entry["image"] = self._keep_image(item_id, image)
        data["items"][str(item_id)] = {k: v for k, v in entry.items() if v}
        self._save(data)
        return data["items"][str(item_id)]

    def set_contact(self, name: str | None = None, email: str | None = None, url: str | None = None,
                    wait_days: int | None = None) -> dict:
        """Whom a customer contacts about a redemption still open after `wait_days` days."""
        data = self.load()
        merchant = data["merchant"]
        if name is not None:
            merchant["name"] = _text(name, MAX_NAME, "--name")
        if email is not None:
            email = _text(email, MAX_CONTACT, "--email")
            if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
                raise ConfigError(f"--email: '{email}' is not an e-mail address")
            merchant["email"] = email
        if url is not None:
            url = _text(url, MAX_CONTACT, "--url")
            if url and not url.startswith("https://"):
                raise ConfigError(f"--url: '{url}' must start with https://")
            merchant["url"] = url
        if wait_days is not None:
            merchant["wait_days"] = wait_days
        data["merchant"] = {k: v for k, v in merchant.items() if v not in ("", None)}
        self._save(data)
        return data["merchant"]

    def _keep_image(self, item_id: int, path: Path) -> str:
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise ConfigError(f"--image: {path}: {exc.strerror or exc}") from None
        if len(raw) > MAX_IMAGE_BYTES:
            raise ConfigError(f"--image: {path} is {len(raw):,} bytes; at most {MAX_IMAGE_BYTES:,}")
        kind = image_kind(raw)
        if kind is None:
            raise ConfigError(f"--image: {path} is not a PNG, JPEG, GIF or WebP picture")
        name = f"{item_id}-{keccak(raw).hex()[:8]}.{kind}"
        self.images.mkdir(parents=True, exist_ok=True)
        (self.images / name).write_bytes(raw)
        return name

    def image(self, name: str) -> tuple[bytes, str] | None:
        """The picture `name` and its content type, or None (a name that is not one of ours, or no such file)."""
        if not IMAGE_NAME.fullmatch(name):
            return None
        file = self.images / name
        if not file.is_file():
            return None
        raw = file.read_bytes()
        kind = image_kind(raw)
        return (raw, IMAGE_TYPES[kind]) if kind == name.rsplit(".", 1)[1] else None

    def public(self, image_path: str = "/catalog-images/") -> dict:
        """What the page gets: the merchant contact and each item's name, description and picture URL."""
        data = self.load()
        items = {}
        for key, entry in data["items"].items():
            out = {k: entry[k] for k in ("name", "description") if entry.get(k)}
            if entry.get("image") and IMAGE_NAME.fullmatch(entry["image"]):
                out["image"] = image_path + entry["image"]
            items[key] = out
        merchant = {k: data["merchant"][k] for k in ("name", "email", "url") if data["merchant"].get(k)}
        merchant["wait_days"] = int(data["merchant"].get("wait_days", DEFAULT_WAIT_DAYS))
        return {"merchant": merchant, "items": items}


def _text(value: str, limit: int, where: str) -> str:
    text = " ".join(str(value).split())
    if len(text) > limit:
        raise ConfigError(f"{where}: {len(text)} characters; at most {limit}")
    if any(ord(c) < 32 for c in text):
        raise ConfigError(f"{where}: control characters are not allowed")
    return text
