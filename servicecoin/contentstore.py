"""The off-chain content of service records: text and salt next to each record's sequence number.

The chain holds only `keccak256(salt ‖ text)`; this SQLite file (under the per-network data folder)
holds the text and the salt. Erasing a record deletes both, so the personal data is gone while the
hash chain still verifies. Rows are written before the transaction is sent (keyed by commitment)
and get their sequence number once it is mined, so a crash between the two loses nothing; when the
chain refuses the transaction (servicecoin.errors.Refused) they are discarded, so a refused record
leaves no personal text behind.
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from eth_utils import keccak

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
    PRIMARY KEY (log, commitment)
);
CREATE UNIQUE INDEX IF NOT EXISTS content_seq ON content (log, seq) WHERE seq IS NOT NULL;
CREATE TABLE IF NOT EXISTS batch_line (
    log        TEXT NOT NULL,          -- ServiceLog address (checksummed)
    batch      TEXT NOT NULL,          -- 0x… keccak256 of the batch file's bytes
    line       INTEGER NOT NULL,       -- the record's position among the file's records (0-based)
    commitment TEXT NOT NULL,          -- its content row (content.commitment)
    from_block INTEGER NOT NULL,       -- the chain head when it was first prepared: no earlier block holds it
    PRIMARY KEY (log, batch, line)
);
"""


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

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path)
        self.db.executescript(SCHEMA)

    @classmethod
    def for_network(cls, network: str) -> "ContentStore":
        return cls(data_dir(network) / "content.sqlite")

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ writing
    def put(self, log: str, text: str, salt: bytes | None = None) -> bytes:
        """Keep `text` with a fresh salt before its record is sent; returns the commitment."""
        salt = salt or new_salt()
        commitment = commitment_of(salt, text)
        with self.db:
            self.db.execute(
                "INSERT INTO content (log, commitment, salt, text, created_at) VALUES (?, ?, ?, ?, ?)",
                (log, "0x" + commitment.hex(), salt, text, int(time.time())),
            )
        return commitment

    def assign(self, log: str, commitment: bytes, seq: int) -> None:
        """Attach the mined sequence number to the content with `commitment`."""
        with self.db:
            self.db.execute("UPDATE content SET seq = ? WHERE log = ? AND commitment = ?",
                            (seq, log, "0x" + commitment.hex()))

    def batch_lines(self, log: str, batch: bytes) -> dict[int, tuple[bytes, int]]:
        """The lines of batch file `batch` prepared before: line → (commitment, first block to search)."""
        rows = self.db.execute("SELECT line, commitment, from_block FROM batch_line WHERE log = ? AND batch = ?",
                               (log, "0x" + batch.hex())).fetchall()
        return {line: (bytes.fromhex(c[2:]), block) for line, c, block in rows}

    def put_batch_line(self, log: str, batch: bytes, line: int, text: str, from_block: int) -> bytes:
        """Keep a batch line's text (salted, as `put`) and remember which commitment the line got, so that
        a rerun of the same file sends the same commitment and can find what is already on chain."""
        commitment = self.put(log, text)  # a crash before the next line leaves an unsent, unused row
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
            self.db.execute("UPDATE content SET salt = NULL, text = NULL, erased_at = ? WHERE log = ? AND seq = ?",
                            (int(time.time()), log, seq))
        return self.get(log, seq)

    # ------------------------------------------------------------------ reading
    def get(self, log: str, seq: int) -> Content | None:
        row = self.db.execute(
            "SELECT log, commitment, seq, salt, text, erased_at FROM content WHERE log = ? AND seq = ?", (log, seq)
        ).fetchone()
        return _content(row) if row else None

    def all(self, log: str) -> list[Content]:
        rows = self.db.execute(
            "SELECT log, commitment, seq, salt, text, erased_at FROM content WHERE log = ? AND seq IS NOT NULL "
            "ORDER BY seq", (log,)
        ).fetchall()
        return [_content(r) for r in rows]

    def pending(self, log: str) -> list[Content]:
        """Contents whose record was never confirmed (sent transaction failed or not yet mined)."""
        rows = self.db.execute(
            "SELECT log, commitment, seq, salt, text, erased_at FROM content WHERE log = ? AND seq IS NULL", (log,)
        ).fetchall()
        return [_content(r) for r in rows]


def _content(row) -> Content:
    log, commitment, seq, salt, text, erased_at = row
    return Content(log, bytes.fromhex(commitment[2:]), seq, salt, text, erased_at)
