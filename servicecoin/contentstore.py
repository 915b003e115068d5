"""The off-chain content of service records: text and salt next to each record's sequence number.

The chain holds only `keccak256(salt ‖ text)`; this SQLite file (under the per-network data folder)
holds the text and the salt. Erasing a record deletes both, so the personal data is gone while the
hash chain still verifies. Rows are written before the transaction is sent (keyed by commitment)
and get their sequence number once it is mined, so a crash between the two loses nothing; when the
chain refuses the transaction (servicecoin.errors.Refused) they are discarded, so a refused record
leaves no personal text behind.

With a key store (`for_network` opens `servicecoin.contentkeys` beside it) a row that names its customer
keeps salt and text only sealed with that customer's key (`sealed`, salt and text NULL): destroying the key
erases every text of the customer at once, backups of this file included (servicelog.erasure).
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from eth_utils import keccak

from servicecoin.contentkeys import ContentKeys, seal, unseal
from servicecoin.errors import ServiceCoinError
from servicecoin.paths import data_dir

SCHEMA = """
CREATE TABLE IF NOT EXISTS content (
    log        TEXT NOT NULL,          -- ServiceLog address (checksummed)
    commitment TEXT NOT NULL,          -- 0x… keccak256(salt ‖ text)
    seq        INTEGER,                -- record number once mined
    salt       BLOB,                   -- NULL once erased
    text       TEXT,                   -- NULL once erased
    created_at INTEGER NOT NULL,
    erased_at  INTEGER,
    customer   TEXT,                   -- lower-case address, when the writer named it
    key_id     TEXT,                   -- the customer's content key (servicecoin.contentkeys)
    sealed     BLOB,                   -- nonce ‖ AES-GCM(salt ‖ text) under that key; NULL once erased
    PRIMARY KEY (log, commitment)
);
CREATE UNIQUE INDEX IF NOT EXISTS content_seq ON content (log, seq) WHERE seq IS NOT NULL;
CREATE INDEX IF NOT EXISTS content_customer ON content (customer);
CREATE TABLE IF NOT EXISTS batch_line (
    log        TEXT NOT NULL,          -- ServiceLog address (checksummed)
    batch      TEXT NOT NULL,          -- 0x… keccak256 of the batch file's bytes
    line       INTEGER NOT NULL,       -- the record's position among the file's records (0-based)
    commitment TEXT NOT NULL,          -- its content row (content.commitment)
    from_block INTEGER NOT NULL,       -- the chain head when it was first prepared: no earlier block holds it
    PRIMARY KEY (log, batch, line)
);
"""


SEALED_COLUMNS = {"customer": "TEXT", "key_id": "TEXT", "sealed": "BLOB"}  # added to stores made before them
ROW = "log, commitment, seq, salt, text, erased_at, customer, key_id, sealed"


class ContentError(ServiceCoinError):
    """The content store has no usable entry for a record."""


def new_salt() -> bytes:
    return os.urandom(32)


def commitment_of(salt: bytes, text: str) -> bytes:
    """keccak256(salt ‖ utf-8 text): what the chain stores for a record's content."""
    return keccak(salt + text.encode("utf-8"))


@dataclass
class Content:
    log: str
    commitment: bytes
    seq: int | None
    salt: bytes | None
    text: str | None
    erased_at: int | None
    customer: str | None = None

    @property
    def erased(self) -> bool:
        return self.erased_at is not None

    def matches(self, commitment: bytes | None = None) -> bool | None:
        """Whether text and salt still hash to the commitment (None once erased)."""
        if self.salt is None or self.text is None:
            return None
        return commitment_of(self.salt, self.text) == (commitment or self.commitment)


class ContentStore:
    """One SQLite file of record contents for one network."""

    def __init__(self, path: Path | str, keys: ContentKeys | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path)
        have = {r[1] for r in self.db.execute("PRAGMA table_info(content)")}
        for name, kind in SEALED_COLUMNS.items():
            if have and name not in have:
                self.db.execute(f"ALTER TABLE content ADD COLUMN {name} {kind}")
        self.db.executescript(SCHEMA)
        self.keys = keys
        self._batched = 0

    @contextmanager
    def batch(self):
        """Many `put`s and `assign`s in one transaction: one commit (one fsync) at the end, not one each."""
        self._batched += 1
        try:
            with self.db:
                yield self
        finally:
            self._batched -= 1

    def _tx(self):
        return nullcontext() if self._batched else self.db

    @classmethod
    def for_network(cls, network: str) -> "ContentStore":
        return cls(data_dir(network) / "content.sqlite", ContentKeys.for_network(network))

    def close(self) -> None:
        self.db.close()
        if self.keys is not None:
            self.keys.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ writing
    def put(self, log: str, text: str, salt: bytes | None = None, customer: str | None = None) -> bytes:
        """Keep `text` with a fresh salt before its record is sent; returns the commitment. With a key store
        and the record's `customer`, salt and text are kept only sealed with the customer's key."""
        salt = salt or new_salt()
        commitment = commitment_of(salt, text)
        key_id = sealed = None
        if customer and self.keys is not None:
            key_id, key = self.keys.key_for(customer)
            sealed = seal(key, salt + text.encode("utf-8"), _aad(log, commitment))
        with self._tx():
            self.db.execute(
                "INSERT INTO content (log, commitment, salt, text, created_at, customer, key_id, sealed) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (log, "0x" + commitment.hex(), None if sealed else salt, None if sealed else text, int(time.time()),
                 customer.lower() if customer else None, key_id, sealed),
            )
        return commitment

    def customer_key(self, customer: str) -> bytes | None:
        """The customer's content key (None without a key store): what a help-desk event's salt is derived
        from, so that nobody can recompute it once the key is destroyed."""
        return self.keys.key_for(customer)[1] if self.keys is not None else None

    def assign(self, log: str, commitment: bytes, seq: int) -> None:
        """Attach the mined sequence number to the content with `commitment`."""
        with self._tx():
            self.db.execute("UPDATE content SET seq = ? WHERE log = ? AND commitment = ?",
                            (seq, log, "0x" + commitment.hex()))

    def batch_lines(self, log: str, batch: bytes) -> dict[int, tuple[bytes, int]]:
        """The lines of batch file `batch` prepared before: line → (commitment, first block to search)."""
        rows = self.db.execute("SELECT line, commitment, from_block FROM batch_line WHERE log = ? AND batch = ?",
                               (log, "0x" + batch.hex())).fetchall()
        return {line: (bytes.fromhex(c[2:]), block) for line, c, block in rows}

    def put_batch_line(self, log: str, batch: bytes, line: int, text: str, from_block: int,
                       customer: str | None = None) -> bytes:
        """Keep a batch line's text (salted, as `put`) and remember which commitment the line got, so that
        a rerun of the same file sends the same commitment and can find what is already on chain."""
        commitment = self.put(log, text, customer=customer)  # a crash before the next line leaves an unsent, unused row
        with self.db:
            self.db.execute("INSERT INTO batch_line (log, batch, line, commitment, from_block) VALUES (?, ?, ?, ?, ?)",
                            (log, "0x" + batch.hex(), line, "0x" + commitment.hex(), from_block))
        return commitment

    def discard(self, log: str, commitments) -> int:
        """Delete the text, salt and batch-line entry of contents whose record never reached the chain (a
        refused transaction); a content with a sequence number is kept. Returns how many were deleted."""
        keys = ["0x" + bytes(c).hex() for c in commitments]
        with self.db:
            gone = 0
            for key in keys:
                gone += self.db.execute("DELETE FROM content WHERE log = ? AND commitment = ? AND seq IS NULL",
                                        (log, key)).rowcount
                self.db.execute("DELETE FROM batch_line WHERE log = ? AND commitment = ? AND NOT EXISTS "
                                "(SELECT 1 FROM content WHERE content.log = batch_line.log AND "
                                "content.commitment = batch_line.commitment)", (log, key))
        return gone

    def seq_of(self, log: str, commitment: bytes) -> int | None:
        """The record number the content with `commitment` got, None while it is not known to be mined."""
        row = self.db.execute("SELECT seq FROM content WHERE log = ? AND commitment = ?",
                              (log, "0x" + commitment.hex())).fetchone()
        return row[0] if row else None

    def erase(self, log: str, seq: int) -> Content:
        """Delete the text and salt of record `seq` (the commitment stays, it reveals nothing)."""
        found = self.get(log, seq)
        if found is None:
            raise ContentError(f"{self.path}: no content for record {seq} of log {log}")
        if found.erased:
            return found
        with self.db:
            self.db.execute("UPDATE content SET salt = NULL, text = NULL, sealed = NULL, erased_at = ? "
                            "WHERE log = ? AND seq = ?", (int(time.time()), log, seq))
        return self.get(log, seq)

    def erase_customer(self, customer: str, created_up_to: int | None = None) -> int:
        """Delete what is left of a customer's rows (created up to `created_up_to`, all by default), in every log:
        the sealed bytes, or plain salt and text; returns how many rows were not erased yet."""
        with self.db:
            return self.db.execute(
                "UPDATE content SET salt = NULL, text = NULL, sealed = NULL, erased_at = ? WHERE customer = ? "
                "AND erased_at IS NULL AND created_at <= ?",
                (int(time.time()), customer.lower(), created_up_to if created_up_to is not None else 2**62)).rowcount

    # ------------------------------------------------------------------ reading
    def get(self, log: str, seq: int) -> Content | None:
        row = self.db.execute(f"SELECT {ROW} FROM content WHERE log = ? AND seq = ?", (log, seq)).fetchone()
        return self._content(row) if row else None

    def all(self, log: str) -> list[Content]:
        rows = self.db.execute(f"SELECT {ROW} FROM content WHERE log = ? AND seq IS NOT NULL ORDER BY seq",
                               (log,)).fetchall()
        return [self._content(r) for r in rows]

    def pending(self, log: str) -> list[Content]:
        """Contents whose record was never confirmed (sent transaction failed or not yet mined)."""
        rows = self.db.execute(f"SELECT {ROW} FROM content WHERE log = ? AND seq IS NULL", (log,)).fetchall()
        return [self._content(r) for r in rows]

    def _content(self, row) -> Content:
        """A row as Content; a sealed row whose key is gone (destroyed, or a backup restored without it)
        reads as erased."""
        log, commitment, seq, salt, text, erased_at, customer, key_id, sealed = row
        c = bytes.fromhex(commitment[2:])
        if sealed is not None:
            plain = unseal(self.keys.key(key_id) if self.keys is not None else None, sealed, _aad(log, c))
            if plain is None:
                return Content(log, c, seq, None, None, erased_at or 0, customer)
            salt, text = plain[:32], plain[32:].decode("utf-8")
        return Content(log, c, seq, salt, text, erased_at, customer)


def _aad(log: str, commitment: bytes) -> bytes:
    return log.lower().encode() + commitment
