"""The index database: SQLite by default, PostgreSQL when given a database URL.

Queries are written once with `?` placeholders and portable SQL (`ON CONFLICT DO NOTHING`,
no engine-specific functions); this module adapts them to the engine. Rows come back as plain
tuples with Python ints (PostgreSQL's NUMERIC sums are turned back into ints).
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Iterable, Iterator

from servicecoin.errors import ConfigError, ServiceCoinError
from servicecoin.paths import data_dir

SCHEMA_FILE = Path(__file__).with_name("schema.sql")
SCHEMA_VERSION = "2"  # 2: running balances (lot_changes.balance) and totals (account_totals)
# Every table holding chain data; a rollback deletes from each of them by block number.
EVENT_TABLES: list[str] = []


class IndexDbError(ServiceCoinError):
    """The index database cannot be opened or used (the message names the database)."""


def register_tables(*names: str) -> None:
    """Declare tables (created by schema.sql or a module's schema) that a reorg rolls back."""
    for name in names:
        if name not in EVENT_TABLES:
            EVENT_TABLES.append(name)


register_tables("blocks", "transfers", "credits", "batches", "expirations", "lot_changes",
                "budget_changes", "acceptor_changes", "tier_changes", "events", "service_records",
                "service_anchors", "service_rewards", "vault_items", "redemptions", "redemption_outcomes", "discounts",
                "recoveries", "account_totals", "expiry_sweeps", "pending_credits", "pending_cancels", "tier_moves",
                "policy_changes", "migrations")


def default_url(network: str) -> str:
    return f"sqlite:///{data_dir(network) / 'index.sqlite'}"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


@dataclass
class Database:
    """One connection to the index, SQLite or PostgreSQL."""

    url: str
    dialect: str = ""
    conn: Any = None
    _depth: int = field(default=0, repr=False)

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, url: str) -> "Database":
        db = cls(url)
        if url.startswith(("postgresql://", "postgres://")):
            try:
                import psycopg
            except ImportError:  # pragma: no cover - pinned in requirements.txt
                raise ConfigError("--db: PostgreSQL needs the psycopg package (pip install -r requirements.txt)") from None
            try:
                db.conn = psycopg.connect(url, autocommit=True)
            except psycopg.Error as exc:
                raise IndexDbError(f"{_safe(url)}: cannot connect: {str(exc).strip()}") from None
            db.dialect = "postgresql"
        else:
            path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url
            if path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            try:
                db.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            except sqlite3.Error as exc:
                raise IndexDbError(f"{path}: cannot open the index database: {exc}") from None
            db.conn.execute("PRAGMA journal_mode=WAL")
            db.conn.execute("PRAGMA synchronous=NORMAL")
            db.conn.execute("PRAGMA busy_timeout=10000")
            db.conn.execute("PRAGMA cache_size=-65536")  # 64 MiB of page cache
            db.conn.execute("PRAGMA temp_store=MEMORY")
            db.dialect = "sqlite"
        db.init_schema()
        return db

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def init_schema(self, text: str | None = None) -> None:
        """Create the tables of schema.sql (or of `text`), keeping what exists; refuse an index written by
        another schema version."""
        main = text is None
        text = SCHEMA_FILE.read_text() if main else text
        body = "\n".join(line for line in text.splitlines() if not line.strip().startswith("--"))
        with self.transaction():
            for statement in body.split(";"):
                if statement.strip():
                    self.execute(statement)
            version = self.meta("schema_version")
            if version is None:
                self.set_meta("schema_version", SCHEMA_VERSION)
        if main and version not in (None, SCHEMA_VERSION):
            raise IndexDbError(f"{_safe(self.url)}: index schema version {version}, this svc writes version "
                               f"{SCHEMA_VERSION}: delete the index (or use a new --db) and run 'svc index' again")
        self._check_service_records()

    def _check_service_records(self) -> None:
        """An index written before packed service records cannot hold them (its key has no record position)."""
        if self.dialect == "sqlite":
            cols = {row[1] for row in self.query("PRAGMA table_info(service_records)")}
        else:
            cols = {row[0] for row in self.query("SELECT column_name FROM information_schema.columns "
                                                 "WHERE table_name = 'service_records'")}
        if cols and "position" not in cols:
            raise IndexDbError(f"{_safe(self.url)}: this index predates packed service records; it is derived from "
                               "the chain: delete it (or drop its tables) and run 'svc index' to rebuild it")

    # ------------------------------------------------------------------ statements
    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.dialect == "postgresql" else sql

    def execute(self, sql: str, params: Iterable[Any] = ()) -> None:
        self.conn.execute(self._sql(sql), tuple(params))

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.dialect == "postgresql":
            with self.conn.cursor() as cur:
                cur.executemany(self._sql(sql), rows)
        else:
            self.conn.executemany(sql, rows)

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
        cur = self.conn.execute(self._sql(sql), tuple(params))
        rows = cur.fetchall()
        if self.dialect == "postgresql":
            return [tuple(_plain(v) for v in row) for row in rows]
        return rows

    def scalar(self, sql: str, params: Iterable[Any] = (), default: Any = None) -> Any:
        rows = self.query(sql, params)
        if not rows or rows[0][0] is None:
            return default
        return rows[0][0]

    @contextmanager
    def transaction(self) -> Iterator["Database"]:
        """All statements inside commit together or not at all (nested uses join the outer one)."""
        if self._depth == 0:
            self.conn.execute("BEGIN")
        self._depth += 1
        try:
            yield self
        except BaseException as exc:
            self._depth -= 1
            if self._depth == 0:
                try:
                    self.conn.execute("ROLLBACK")
                except Exception:  # SQLite already rolled back (a full disk does): keep the real error
                    pass
                if self.dialect == "sqlite" and isinstance(exc, sqlite3.Error):
                    raise IndexDbError(f"{_safe(self.url)}: cannot write the index ({exc}); it is as of the "
                                       f"previous range: fix it and index again") from None
            raise
        self._depth -= 1
        if self._depth == 0:
            self.conn.execute("COMMIT")

    # ------------------------------------------------------------------ meta
    def meta(self, key: str, default: str | None = None) -> str | None:
        return self.scalar("SELECT value FROM meta WHERE key = ?", (key,), default)

    def set_meta(self, key: str, value: Any) -> None:
        self.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                     (key, str(value)))

    def rollback_to(self, block: int) -> None:
        """Forget everything indexed after `block` (inside the caller's transaction)."""
        for table in EVENT_TABLES:
            key = "number" if table == "blocks" else "block"
            self.execute(f"DELETE FROM {table} WHERE {key} > ?", (block,))


def _safe(url: str) -> str:
    """A database URL without its password, for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':')[0]}@{host}"
    return url


def open_db(url: str | None, network: str) -> Database:
    """The index database at `url`, or the network's default SQLite file."""
    return Database.open(url or default_url(network))
