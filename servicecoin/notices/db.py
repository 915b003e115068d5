"""The notices file: one SQLite database per network (`.servicecoin/<network>/notices/notices.sqlite`, or
`notices.store`) holding the consent of each customer (their e-mail address sealed with their content key,
servicecoin.contentkeys), the consent history (no address in it), and the send log that makes every notice
at most once. WAL with synchronous=FULL: a commit is on disk when it returns, so a send recorded before the
e-mail goes out stays recorded across a crash or a power cut. `secure_delete` overwrites erased rows.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from servicecoin.paths import PROJECT_ROOT, data_dir

SCHEMA = """
CREATE TABLE IF NOT EXISTS contact (
    customer         TEXT PRIMARY KEY,   -- lower-case address
    key_id           TEXT NOT NULL,      -- the customer's content key (contentkeys) the address is sealed with
    sealed           BLOB NOT NULL,      -- AES-256-GCM of {"email", "unsubscribe"} bound to the customer
    kinds            TEXT NOT NULL,      -- JSON list: expiry, tier, delivered, rate
    state            TEXT NOT NULL,      -- pending (until the link is followed) | confirmed
    confirm_hash     TEXT,               -- sha256 of the confirmation token, while pending
    confirm_sent_at  INTEGER,
    unsubscribe_hash TEXT NOT NULL UNIQUE,  -- sha256 of the one-click unsubscribe token
    created_at       INTEGER NOT NULL,
    confirmed_at     INTEGER
);
CREATE INDEX IF NOT EXISTS contact_confirm ON contact (confirm_hash);
CREATE TABLE IF NOT EXISTS consent_event (   -- what the customer did and when (proof of consent; no address)
    customer TEXT NOT NULL,
    at       INTEGER NOT NULL,
    event    TEXT NOT NULL,                  -- requested | confirmed | changed | withdrawn | unsubscribed-one-click
    kinds    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS consent_event_customer ON consent_event (customer);
CREATE TABLE IF NOT EXISTS sent (            -- one row per cause: written (and synced) BEFORE the e-mail goes out
    cause       TEXT PRIMARY KEY,            -- e.g. expiry:<customer>:<first expiry>:<threshold>
    customer    TEXT NOT NULL,
    kind        TEXT NOT NULL,
    state       TEXT NOT NULL,               -- recorded | sent | failed | lost
    recorded_at INTEGER NOT NULL,
    done_at     INTEGER,
    message_id  TEXT,
    error       TEXT
);
CREATE INDEX IF NOT EXISTS sent_customer ON sent (customer);
CREATE INDEX IF NOT EXISTS sent_state ON sent (state);
"""


def store_path(network: str, configured: str | None = None) -> Path:
    """The notices file of `network`: `notices.store` (relative to the project), or the network's folder."""
    if configured:
        path = Path(configured)
        return path if path.is_absolute() else PROJECT_ROOT / path
    return data_dir(network) / "notices" / "notices.sqlite"


def connect(path: Path) -> sqlite3.Connection:
    """The notices database at `path`, created with its schema when new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA secure_delete = ON")
    db.executescript(SCHEMA)
    return db


class transaction:
    """`with transaction(db):` one BEGIN IMMEDIATE … COMMIT (ROLLBACK on an error)."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind, value, tb) -> None:
        self.db.execute("ROLLBACK" if kind else "COMMIT")
