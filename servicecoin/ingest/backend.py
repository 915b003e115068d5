"""Where the queue lives: a SQLite file (the default) or a PostgreSQL database (a `postgresql://` URL), behind
one small connection interface, so the queue (ingest.queue) and the flusher write their SQL once.

The SQL is written for SQLite with `?` placeholders and portable statements (`ON CONFLICT`, no engine
functions); for PostgreSQL this module turns `?` into `%s` and `BEGIN IMMEDIATE` into `BEGIN`, and creates the
tables with PostgreSQL's types. Both are durable at commit: SQLite in WAL mode with `synchronous=FULL` (every
commit fsynced), PostgreSQL with `synchronous_commit` on (its default: the commit returns once the WAL is
flushed to disk). A URL's password never appears in a message (`shown`).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any, Iterable

from servicecoin.errors import ConfigError

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    n INTEGER PRIMARY KEY AUTOINCREMENT,   -- arrival order
    id TEXT NOT NULL UNIQUE,               -- the help desk's event id (the idempotency key)
    ticket INTEGER NOT NULL, kind INTEGER NOT NULL, customer TEXT NOT NULL, text TEXT,
    detail INTEGER NOT NULL DEFAULT 0, channel INTEGER NOT NULL DEFAULT 0, time INTEGER NOT NULL,
    received REAL NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',  -- queued | sent | confirmed | parked
    park_code TEXT, reason TEXT,           -- parked: 'unopened' (un-parked when "opened" arrives) or 'rule'
    commitment BLOB, sent_block INTEGER, seq INTEGER, tx TEXT, block INTEGER
);
CREATE INDEX IF NOT EXISTS events_state ON events (state, time, n);
CREATE INDEX IF NOT EXISTS events_ticket ON events (ticket);
CREATE INDEX IF NOT EXISTS events_customer ON events (customer);
CREATE TABLE IF NOT EXISTS customers ("user" TEXT PRIMARY KEY, address TEXT NOT NULL);  -- help-desk user → address
"""
PG_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS events (
        n BIGSERIAL PRIMARY KEY, id TEXT NOT NULL UNIQUE,
        ticket BIGINT NOT NULL, kind INTEGER NOT NULL, customer TEXT NOT NULL, text TEXT,
        detail INTEGER NOT NULL DEFAULT 0, channel INTEGER NOT NULL DEFAULT 0, time BIGINT NOT NULL,
        received DOUBLE PRECISION NOT NULL, state TEXT NOT NULL DEFAULT 'queued', park_code TEXT, reason TEXT,
        commitment BYTEA, sent_block BIGINT, seq BIGINT, tx TEXT, block BIGINT)""",
    "CREATE INDEX IF NOT EXISTS events_state ON events (state, time, n)",
    "CREATE INDEX IF NOT EXISTS events_ticket ON events (ticket)",
    "CREATE INDEX IF NOT EXISTS events_customer ON events (customer)",
    'CREATE TABLE IF NOT EXISTS customers ("user" TEXT PRIMARY KEY, address TEXT NOT NULL)',
]
SCHEMA_LOCK = 0x5643_4951  # the advisory lock two processes take to create the tables one after the other


def is_url(target: Any) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def shown(target: Path | str) -> str:
    """`target` for a message: a URL with its password masked."""
    if is_url(target):
        from servicecoin.serve.redact import mask_url

        return mask_url(str(target))
    return str(target)


PG_TYPES = {"n": "bigint", "commitment": "bytea", "sent_block": "bigint", "seq": "bigint", "tx": "text",
            "block": "bigint", "id": "text", "ticket": "bigint", "kind": "integer", "customer": "text", "text": "text",
            "detail": "integer", "channel": "integer", "time": "bigint", "received": "double precision"}


def insert_events(db, columns: tuple[str, ...], rows: list[tuple]) -> list[bool]:
    """Insert `rows` of `columns` (the event id first), skipping an id already there; for each row, whether it
    is new (a redelivery, also one inside `rows`, is not). PostgreSQL: one statement for all, its RETURNING
    naming the new ones; SQLite: a look-up, then one statement per row in-process."""
    ids = [row[0] for row in rows]
    if isinstance(db, PgConnection):
        arrays = ", ".join(f"%s::{PG_TYPES[c]}[]" for c in columns)
        held = set(ids) - {r[0] for r in db.execute(
            f"INSERT INTO events ({', '.join(columns)}) SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING "
            "RETURNING id", [list(col) for col in zip(*rows)], raw=True).fetchall()}
    else:
        held = {row[0] for start in range(0, len(ids), 500) for row in db.execute(
            f"SELECT id FROM events WHERE id IN ({', '.join('?' * len(ids[start:start + 500]))})", ids[start:start + 500])}
        db.executemany(f"INSERT INTO events ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))}) "
                       "ON CONFLICT DO NOTHING", rows)
    fresh = []
    for event_id in ids:  # a redelivery inside the group is a duplicate too
        fresh.append(event_id not in held)
        held.add(event_id)
    return fresh


def update_events(db, columns: tuple[str, ...], rows: list[tuple], fixed: str = "") -> None:
    """Set `columns` of the events whose `n` ends each row (`(value, …, n)`), plus the `fixed` assignments
    (e.g. "state = 'sent'"): SQLite runs one statement per row in-process; PostgreSQL one statement for all
    (unnest of arrays), not a round trip each."""
    if not rows:
        return
    extra = f", {fixed}" if fixed else ""
    if isinstance(db, PgConnection):
        arrays = ", ".join(f"%s::{PG_TYPES[c]}[]" for c in (*columns, "n"))
        sets = ", ".join(f"{c} = v.{c}" for c in columns)
        db.execute(f"UPDATE events AS e SET {sets}{extra} FROM unnest({arrays}) AS v({', '.join(columns)}, n) "
                   "WHERE e.n = v.n", [list(col) for col in zip(*rows)], raw=True)
        return
    db.executemany(f"UPDATE events SET {', '.join(f'{c} = ?' for c in columns)}{extra} WHERE n = ?", rows)


def connect(target: Path | str):
    """A connection to the queue at `target` (a file or a PostgreSQL URL), with the tables created."""
    if is_url(target):
        return PgConnection(str(target))
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.executescript(SQLITE_SCHEMA)
    return db


class PgConnection:
    """A psycopg connection that takes the queue's SQLite-flavoured statements."""

    def __init__(self, url: str):
        try:
            import psycopg
        except ImportError:  # pragma: no cover
            raise ConfigError("a PostgreSQL queue needs the psycopg package (pip install -r requirements.txt)") from None
        self.url, self._in_tx = url, False
        try:
            self.conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.Error as exc:
            raise ConfigError(f"the queue {shown(url)}: cannot connect: {str(exc).strip().splitlines()[0]}") from None
        self.conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        try:
            for statement in PG_SCHEMA:
                self.conn.execute(statement)
        finally:
            self.conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("BEGIN IMMEDIATE", "BEGIN").replace("?", "%s")

    def _live(self):
        """The connection, opened again when the server closed it (a restart, a failover)."""
        if self.conn.closed:
            import psycopg

            self.conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        return self.conn

    def execute(self, sql: str, params: Iterable[Any] = (), raw: bool = False):
        """Run `sql` (`raw`: already in PostgreSQL's form). A statement outside a transaction that meets a
        connection the server closed is run once more on a new one; inside a transaction the error stands (its
        group answered 503, its flush retried)."""
        import psycopg

        sql, params = (sql if raw else self._sql(sql)), tuple(params)
        head = sql.lstrip()[:8].upper()
        try:
            cur = self._live().execute(sql, params)
        except psycopg.OperationalError:
            if self._in_tx or not self.conn.closed:
                self._in_tx = False if self.conn.closed else self._in_tx
                raise
            cur = self._live().execute(sql, params)
        if head.startswith("BEGIN"):
            self._in_tx = True
        elif head.startswith(("COMMIT", "ROLLBACK")):
            self._in_tx = False
        return cur

    def executemany(self, sql: str, rows: list[tuple]):
        cur = self._live().cursor()
        cur.executemany(self._sql(sql), rows)
        return cur

    def close(self) -> None:
        self.conn.close()
