"""The durable queue of help-desk events: one SQLite file in WAL mode with `synchronous=FULL` (every commit is
fsynced), or a PostgreSQL database given by URL (ingest.backend), written by one thread that commits whatever arrived together in one transaction (group commit), so
an event is on disk before its webhook is answered and a burst of webhooks costs one fsync, not one each.

An event's state: `queued` (waiting for its batch; `held` while its ticket has no "opened"), `sent` (in a
transaction the flusher sent: its commitment and the block it was sent at are kept, so a restarted flusher
recognises it on chain), `confirmed` (seq, tx, block) or `parked` (with the reason). The help desk's event id
is the primary key: a redelivered event is recorded once.
"""

from __future__ import annotations

import queue as queue_mod
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from servicecoin.errors import ServiceCoinError
from servicecoin.ingest.backend import connect, insert_events, is_url, shown

COLUMNS = ("id", "ticket", "kind", "customer", "text", "detail", "channel", "time", "received")
GROUP_MAX = 2_000  # events one group commit takes at most


class QueueError(ServiceCoinError):
    """The queue cannot take the event (its disk refused the write)."""


@dataclass
class Event:
    """One help-desk event, as mapped from a webhook (ingest.mapping)."""

    id: str
    ticket: int
    kind: int
    customer: str
    text: str | None
    time: int
    channel: int = 0
    detail: int = 0


class EventQueue:
    """The queue file, with a group-commit writer thread for `submit` and plain reads for everyone."""

    def __init__(self, path: Path | str):
        """`path`: the SQLite file, or a `postgresql://` URL."""
        self.path = path if is_url(path) else Path(path)
        self.db = connect(self.path)
        self._reader = threading.local()
        self._readers: list = []
        self._inbox: queue_mod.Queue = queue_mod.Queue()
        self._writer = threading.Thread(target=self._write_loop, name="queue-writer", daemon=True)
        self._stopping = False
        self._writer.start()

    # ------------------------------------------------------------------ writing (group commit)
    def submit(self, event: Event) -> Future:
        """Queue `event`; the future gives True (recorded now) or False (a redelivery) once it is on disk."""
        done: Future = Future()
        self._inbox.put((event, done))
        return done

    def _write_loop(self) -> None:
        while True:
            first = self._inbox.get()
            if first is None:
                return
            group = [first]
            while len(group) < GROUP_MAX:
                try:
                    item = self._inbox.get_nowait()
                except queue_mod.Empty:
                    break
                if item is None:
                    self._inbox.put(None)
                    break
                group.append(item)
            self._write(group)

    def _write(self, group: list) -> None:
        """One transaction, one fsync, a few statements for the whole group (each statement hands the GIL to the
        event loop and waits to get it back, so per-event statements would cost the server its throughput)."""
        now = time.time()
        try:
            self.db.execute("BEGIN IMMEDIATE")
            fresh = insert_events(self.db, COLUMNS, [(e.id, e.ticket, e.kind, e.customer, e.text, e.detail, e.channel,
                                                      e.time, now) for e, _ in group])
            opened = sorted({e.ticket for (e, _), new in zip(group, fresh) if new and e.kind == 0})
            for start in range(0, len(opened), 500):  # an "opened" un-parks what waited for it
                part = opened[start:start + 500]
                self.db.execute("UPDATE events SET state = 'queued', park_code = NULL, reason = NULL WHERE state = "
                                f"'parked' AND park_code = 'unopened' AND ticket IN ({', '.join('?' * len(part))})", part)
            self.db.execute("COMMIT")  # synchronous=FULL: fsynced before the answers go out
        except Exception as exc:  # noqa: BLE001  the disk, the server, a value it cannot take: this group is refused,
            try:                  # the writer goes on with the next
                self.db.execute("ROLLBACK")
            except Exception:  # noqa: BLE001
                pass
            for _, done in group:
                done.set_exception(QueueError(f"the queue {shown(self.path)} refused the write: "
                                              f"{str(exc).strip().splitlines()[0] if str(exc).strip() else exc}"))
            return
        for (_, done), new in zip(group, fresh):
            done.set_result(new)

    def close(self) -> None:
        self._inbox.put(None)
        self._writer.join(10)
        self.db.close()
        for db in self._readers:
            try:
                db.close()
            except Exception:  # noqa: BLE001  a reader of a thread that still uses it: closed at exit
                pass

    # ------------------------------------------------------------------ reading
    def reader(self):
        """A connection of this thread's own for reads (closed with the queue)."""
        db = getattr(self._reader, "db", None)
        if db is None:
            db = self._reader.db = connect(self.path)
            self._readers.append(db)
        return db

    def status(self, event_id: str) -> dict | None:
        row = self.reader().execute(
            "SELECT id, ticket, state, reason, seq, tx, block, n FROM events WHERE id = ?", (event_id,)).fetchone()
        if row is None:
            return None
        out = {"id": row[0], "ticket": row[1], "state": row[2]}
        if row[2] == "parked":
            out["reason"] = row[3]
        if row[2] == "confirmed":
            out.update(seq=row[4], tx=row[5], block=row[6])
        if row[2] == "sent":
            out["tx"] = row[5]
        return out

    def depth(self) -> int:
        """Events waiting to go on chain (queued or sent, not yet confirmed)."""
        return self.reader().execute("SELECT COUNT(*) FROM events WHERE state IN ('queued', 'sent')").fetchone()[0]

    def counts(self) -> dict[str, int]:
        rows = self.reader().execute("SELECT state, COUNT(*) FROM events GROUP BY state").fetchall()
        return {"queued": 0, "sent": 0, "confirmed": 0, "parked": 0, **dict(rows)}

    def parked(self) -> list[dict]:
        rows = self.reader().execute("SELECT id, ticket, kind, customer, time, reason FROM events "
                                     "WHERE state = 'parked' ORDER BY time, n").fetchall()
        return [dict(zip(("id", "ticket", "kind", "customer", "time", "reason"), r)) for r in rows]

    # ------------------------------------------------------------------ customers
    def load_customers(self, pairs: list[tuple[str, str]]) -> int:
        """Keep help-desk user → address pairs (replacing earlier ones of the same user)."""
        with_tx = self.reader()
        with_tx.execute("BEGIN IMMEDIATE")
        with_tx.executemany('INSERT INTO customers ("user", address) VALUES (?, ?) '
                            "ON CONFLICT (\"user\") DO UPDATE SET address = excluded.address", pairs)
        with_tx.execute("COMMIT")
        return len(pairs)

    def customer_of(self, user: str) -> str | None:
        row = self.reader().execute('SELECT address FROM customers WHERE "user" = ?', (user,)).fetchone()
        return row[0] if row else None


def erase_customer(path: Path | str, address: str) -> int:
    """Empty the texts the queue holds of `address` and forget the lookup rows naming it; returns how many."""
    if not is_url(path):
        path = Path(path)
        if not path.exists():
            return 0
    db = connect(path)
    try:
        db.execute("BEGIN IMMEDIATE")
        texts = db.execute("UPDATE events SET text = NULL WHERE lower(customer) = lower(?) AND text IS NOT NULL",
                           (address,)).rowcount
        users = db.execute("DELETE FROM customers WHERE lower(address) = lower(?)", (address,)).rowcount
        db.execute("COMMIT")
        return texts + users
    finally:
        db.close()
