"""The content key store: one AES-256-GCM key per customer, in a file of its own.

Every text a customer's records carry, and the salt its commitment hides, is sealed in the content store
with that customer's key. Destroying the key (`destroy`) makes all of it unreadable at once, in the live
store and in every backup of the content store, which is why this file lives apart from it
(`.servicecoin/<network>/keys/content-keys.sqlite`) and is never backed up with it (docs/operator-backups.md).

The file is opened with SQLite's `secure_delete`, so a destroyed key's bytes are overwritten in place, and the
file is vacuumed after a destruction. A customer who comes back after an erasure gets a new key; texts sealed
under the destroyed one stay unreadable.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from servicecoin.paths import data_dir

SCHEMA = """
CREATE TABLE IF NOT EXISTS content_key (
    key_id     TEXT PRIMARY KEY,       -- 0x… 16 random bytes, named by the content rows sealed with it
    customer   TEXT NOT NULL,          -- lower-case address
    key        BLOB NOT NULL,          -- 32 bytes (AES-256-GCM); the row is deleted when the key is destroyed
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS content_key_customer ON content_key (customer);
CREATE TABLE IF NOT EXISTS tombstone_copy (   -- the signed tombstones of erasures, mirrored from the content
    id   TEXT PRIMARY KEY,                    -- store so that a restore of either file can be reconciled
    json TEXT NOT NULL                        -- (servicelog.erasure.reconcile)
);
"""
NONCE = 12


def keys_path(network: str) -> Path:
    """Where a network's key store lives: a folder of its own beside the content store."""
    return data_dir(network) / "keys" / "content-keys.sqlite"


class ContentKeys:
    """One SQLite file of per-customer content keys for one network."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA secure_delete = ON")
        self.db.executescript(SCHEMA)
        self._known: dict[str, bytes | None] = {}  # key id → key, for reading many rows

    @classmethod
    def for_network(cls, network: str) -> "ContentKeys":
        return cls(keys_path(network))

    def close(self) -> None:
        self.db.close()

    def key_for(self, customer: str) -> tuple[str, bytes]:
        """The customer's current key (key id, key), created on first use."""
        who = customer.lower()
        row = self.db.execute("SELECT key_id, key FROM content_key WHERE customer = ? ORDER BY created_at DESC LIMIT 1",
                              (who,)).fetchone()
        if row:
            return row[0], bytes(row[1])
        key_id, key = "0x" + os.urandom(16).hex(), AESGCM.generate_key(bit_length=256)
        with self.db:
            self.db.execute("INSERT INTO content_key (key_id, customer, key, created_at) VALUES (?, ?, ?, ?)",
                            (key_id, who, key, int(time.time())))
        return key_id, key

    def key(self, key_id: str) -> bytes | None:
        """The key with `key_id`, None once destroyed (or never held here)."""
        if key_id not in self._known:
            row = self.db.execute("SELECT key FROM content_key WHERE key_id = ?", (key_id,)).fetchone()
            self._known[key_id] = bytes(row[0]) if row else None
        return self._known[key_id]

    def destroy(self, customer: str, created_up_to: int | None = None) -> int:
        """Destroy the customer's keys (those created up to `created_up_to`, all by default); returns how many."""
        limit = created_up_to if created_up_to is not None else 2**62
        with self.db:
            n = self.db.execute("DELETE FROM content_key WHERE customer = ? AND created_at <= ?",
                                (customer.lower(), limit)).rowcount
        self._known.clear()
        if n:
            self.db.execute("VACUUM")
        return n

    def keep_tombstone(self, tombstone_id: str, data: str) -> None:
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO tombstone_copy (id, json) VALUES (?, ?)", (tombstone_id, data))

    def tombstone_copies(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT json FROM tombstone_copy ORDER BY id")]

    def customers(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT customer FROM content_key ORDER BY customer")]


def seal(key: bytes, plain: bytes, aad: bytes) -> bytes:
    """nonce ‖ AES-256-GCM(plain), bound to `aad` (the row's log and commitment)."""
    nonce = os.urandom(NONCE)
    return nonce + AESGCM(key).encrypt(nonce, plain, aad)


def unseal(key: bytes | None, sealed: bytes, aad: bytes) -> bytes | None:
    """The plain bytes, or None when the key is gone or the sealed bytes were changed."""
    if key is None:
        return None
    try:
        return AESGCM(key).decrypt(sealed[:NONCE], sealed[NONCE:], aad)
    except InvalidTag:
        return None
