"""The campaign journal (SQLite): every batch planned → sent (tx hash, nonce) → confirmed (block,
gas, minted) or failed (reason), written and committed before the step it records goes further.

One journal file serves many campaigns; a campaign is keyed by its id and the token's address, so
a redeployed local chain starts afresh. The journal is a record and a resume aid: exactly-once
comes from the token's single-use batch ids, so a lost journal can never cause a double payment.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from servicecoin.errors import ServiceCoinError
from servicecoin.paths import data_dir

PLANNED, SENT, CONFIRMED, FAILED = "planned", "sent", "confirmed", "failed"

CREDITS = """
CREATE TABLE IF NOT EXISTS credits (
    campaign_key TEXT NOT NULL, address TEXT NOT NULL, idx INTEGER NOT NULL, minted INTEGER NOT NULL,
    PRIMARY KEY (campaign_key, idx, address)
);
"""
SCHEMA = CREDITS + """
CREATE TABLE IF NOT EXISTS campaigns (
    key TEXT PRIMARY KEY, campaign_id TEXT NOT NULL, token TEXT NOT NULL, chain_id INTEGER NOT NULL,
    network TEXT NOT NULL, plan_hash TEXT NOT NULL, batches INTEGER NOT NULL, created_at REAL NOT NULL,
    finished_at REAL
);
CREATE TABLE IF NOT EXISTS batches (
    campaign_key TEXT NOT NULL, idx INTEGER NOT NULL, batch_id TEXT NOT NULL, recipients INTEGER NOT NULL,
    points INTEGER NOT NULL, status TEXT NOT NULL, tx_hash TEXT, nonce INTEGER, raw_tx BLOB, block INTEGER,
    gas_used INTEGER, gas_price INTEGER, minted INTEGER, error TEXT, updated_at REAL NOT NULL,
    PRIMARY KEY (campaign_key, idx)
);
CREATE TABLE IF NOT EXISTS runs (
    campaign_key TEXT NOT NULL, started_at REAL NOT NULL, ended_at REAL, outcome TEXT
);
"""


class JournalError(ServiceCoinError):
    """The journal disagrees with what is asked (another plan under the same campaign id, a second runner)."""


@dataclass
class BatchRecord:
    idx: int
    batch_id: str
    recipients: int
    points: int
    status: str
    tx_hash: str | None
    nonce: int | None
    raw_tx: bytes | None
    block: int | None
    gas_used: int | None
    gas_price: int | None
    minted: int | None
    error: str | None
    updated_at: float


def default_path(network: str) -> Path:
    return data_dir(network) / "campaigns.sqlite"


class Journal:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self._migrate()
        self.db.executescript(SCHEMA)

    def _migrate(self) -> None:
        """A journal written before rows carried reasons keys credits by address alone (one batch per
        address then); an address paid for two reasons is in two batches, so credits are keyed by batch."""
        row = self.db.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'credits'").fetchone()
        if row is None or "PRIMARY KEY (campaign_key, idx, address)" in row[0]:
            return
        with self.transaction():
            self.db.execute("ALTER TABLE credits RENAME TO credits_by_address")
            self.db.execute(CREDITS.strip().rstrip(";"))
            self.db.execute("INSERT INTO credits SELECT campaign_key, address, idx, minted FROM credits_by_address")
            self.db.execute("DROP TABLE credits_by_address")

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------------ campaigns
    @staticmethod
    def key(campaign_id: str, token: str) -> str:
        return f"{campaign_id}@{token.lower()}"

    def campaign(self, key: str) -> dict | None:
        cur = self.db.execute("SELECT * FROM campaigns WHERE key = ?", (key,))
        row = cur.fetchone()
        return dict(zip([d[0] for d in cur.description], row)) if row else None

    def open_campaign(self, plan, token: str, chain_id: int, network: str) -> str:
        """Record the plan's batches (once); refuse a different plan under the same campaign id."""
        key = self.key(plan.campaign.id, token)
        existing = self.campaign(key)
        if existing:
            if existing["plan_hash"] != plan.plan_hash:
                raise JournalError(
                    f"{self.path}: campaign '{plan.campaign.id}' already ran on this token with a different plan "
                    f"({existing['batches']} batches); the input or rules changed — give the new run a new campaign id")
            return key
        now = time.time()
        with self.transaction():
            self.db.execute("INSERT INTO campaigns VALUES (?,?,?,?,?,?,?,?,NULL)",
                            (key, plan.campaign.id, token, chain_id, network, plan.plan_hash, len(plan.batches), now))
            self.db.executemany(
                "INSERT INTO batches (campaign_key, idx, batch_id, recipients, points, status, updated_at) VALUES (?,?,?,?,?,?,?)",
                [(key, b.index, b.hex_id, len(b.recipients), b.total, PLANNED, now) for b in plan.batches])
        return key

    def finish(self, key: str) -> None:
        self.db.execute("UPDATE campaigns SET finished_at = ? WHERE key = ? AND finished_at IS NULL", (time.time(), key))

    # ------------------------------------------------------------------ batches
    def batches(self, key: str) -> list[BatchRecord]:
        cur = self.db.execute(
            "SELECT idx, batch_id, recipients, points, status, tx_hash, nonce, raw_tx, block, gas_used, gas_price, "
            "minted, error, updated_at FROM batches WHERE campaign_key = ? ORDER BY idx", (key,))
        return [BatchRecord(*row) for row in cur.fetchall()]

    def mark_sent(self, key: str, idx: int, tx_hash: str, nonce: int, raw_tx: bytes) -> None:
        self._update(key, idx, status=SENT, tx_hash=tx_hash, nonce=nonce, raw_tx=raw_tx, error=None)

    def mark_planned(self, key: str, idx: int, note: str | None = None) -> None:
        self._update(key, idx, status=PLANNED, tx_hash=None, nonce=None, raw_tx=None, block=None, gas_used=None,
                     gas_price=None, minted=None, error=note)
        self.db.execute("DELETE FROM credits WHERE campaign_key = ? AND idx = ?", (key, idx))

    def mark_failed(self, key: str, idx: int, error: str) -> None:
        self._update(key, idx, status=FAILED, error=error)

    def mark_confirmed(self, key: str, idx: int, tx_hash: str, block: int, gas_used: int, gas_price: int,
                       credits: list[tuple[str, int]]) -> None:
        with self.transaction():
            self._update(key, idx, status=CONFIRMED, tx_hash=tx_hash, block=block, gas_used=gas_used,
                         gas_price=gas_price, minted=sum(m for _, m in credits), error=None, raw_tx=None)
            self.db.execute("DELETE FROM credits WHERE campaign_key = ? AND idx = ?", (key, idx))
            self.db.executemany("INSERT OR REPLACE INTO credits VALUES (?,?,?,?)",
                                [(key, address, idx, minted) for address, minted in credits])

    def credits(self, key: str) -> dict[str, int]:
        """Address → points minted to it by the campaign's confirmed batches (all its reasons)."""
        cur = self.db.execute("SELECT address, SUM(minted) FROM credits WHERE campaign_key = ? GROUP BY address",
                              (key,))
        return dict(cur.fetchall())

    def batch_credits(self, key: str) -> dict[tuple[int, str], int]:
        """(batch index, address) → points minted by that confirmed batch."""
        cur = self.db.execute("SELECT idx, address, minted FROM credits WHERE campaign_key = ?", (key,))
        return {(idx, address): minted for idx, address, minted in cur.fetchall()}

    def _update(self, key: str, idx: int, **fields) -> None:
        fields["updated_at"] = time.time()
        sets = ", ".join(f"{k} = ?" for k in fields)
        self.db.execute(f"UPDATE batches SET {sets} WHERE campaign_key = ? AND idx = ?", (*fields.values(), key, idx))

    # ------------------------------------------------------------------ runs
    def start_run(self, key: str) -> int:
        return self.db.execute("INSERT INTO runs (campaign_key, started_at) VALUES (?, ?)", (key, time.time())).lastrowid

    def end_run(self, run_id: int, outcome: str) -> None:
        self.db.execute("UPDATE runs SET ended_at = ?, outcome = ? WHERE rowid = ?", (time.time(), outcome, run_id))

    def runs(self, key: str) -> list[dict]:
        cur = self.db.execute("SELECT started_at, ended_at, outcome FROM runs WHERE campaign_key = ? ORDER BY rowid", (key,))
        return [{"started_at": s, "ended_at": e, "outcome": o} for s, e, o in cur.fetchall()]

    @contextmanager
    def transaction(self):
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # ------------------------------------------------------------------ one runner at a time
    @contextmanager
    def lock(self, campaign_id: str):
        """An exclusive lock per campaign: a second runner (cron overlap) stops with a clear message."""
        path = self.path.with_name(f"{self.path.name}.{campaign_id}.lock")
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise JournalError(f"{path}: campaign '{campaign_id}' is being run by another process") from None
            yield
        finally:
            os.close(fd)
