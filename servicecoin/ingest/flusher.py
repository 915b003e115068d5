"""Sending the queue to the chain: a batch every `every_s` seconds or `max_records` records, whichever comes first,
as one `appendPacked` transaction under the per-transaction gas cap, exactly once across crashes.

Every record of an event commits to the help desk's event id (servicelog.helpdesk), so its commitment is the same
in every run. Before a batch is sent its events are marked `sent` with their commitments and the block number,
durably; after a crash (`recover`) the flusher waits until the agent has no transaction pending, looks those
commitments up in the log's records since that block, confirms the ones on chain and queues the rest again.
A batch the chain would refuse is split until the record it refuses is found, and that one is parked with the
revert reason: it never blocks the queue.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from typing import Callable

from web3.exceptions import ContractCustomError, ContractLogicError

from servicecoin.chain import Chain
from servicecoin.errors import ChainError
from servicecoin.ingest import queue as q
from servicecoin.ingest.backend import update_events
from servicecoin.ingest.tickets import TicketBook, plan
from servicecoin.servicelog.agent import Entry, appended_records
from servicecoin.servicelog.batch import settle
from servicecoin.servicelog.events import fetch_records
from servicecoin.servicelog.helpdesk import commit_event
from servicecoin.servicelog.records import ANCHOR, Kind

GAS_CAP = 16_777_216
FAULT_ENV = "SVC_INGEST_FAULT"  # fault tests: "before-send" / "after-send" stop the flusher at that marker
ROW = "n, id, ticket, kind, customer, detail, received, text, channel, time"


@dataclass(frozen=True)
class FlushSettings:
    every_s: float = 1.0
    max_records: int = 1_000
    hold_s: float = 60.0
    reorder_s: float = 0.5


class Flusher:
    """One flusher for the queue at `path`, writing to `log` from `sender` (the agent key). `store` is the content
    store, or a function that opens it (`run` opens it in its own thread: SQLite connections stay in theirs)."""

    def __init__(self, chain: Chain, log, store, path, settings: FlushSettings = FlushSettings(),
                 sender="agent", say: Callable[[str], None] = print, metrics=None):
        self.chain, self.log, self.store, self.settings, self.say = chain, log, store, settings, say
        self.account = chain.account(sender) if isinstance(sender, str) else sender
        self.db = q.connect(path)
        self.book = TicketBook().load(self.db)
        self.metrics = metrics
        self.recovered = False

    # ------------------------------------------------------------------ after a crash
    def recover(self) -> int:
        """Settle the events a crashed run marked `sent`: confirm those on chain, queue the others again."""
        rows = self.db.execute("SELECT id, commitment, sent_block FROM events WHERE state = 'sent'").fetchall()
        found = 0
        if rows:
            settle(self.chain, self.account.address, 120)
            by_commitment = {bytes(r[1]): r[0] for r in rows}
            records = [r for r in fetch_records(self.chain, self.log, min(r[2] for r in rows))
                       if r.form != ANCHOR and r.commitment in by_commitment]
            with self.store.batch():
                for r in records:
                    self.store.assign(self.log.address, r.commitment, r.seq)
            self.db.execute("BEGIN IMMEDIATE")
            for r in records:
                self.db.execute("UPDATE events SET state = 'confirmed', seq = ?, tx = ?, block = ? WHERE id = ?",
                                (r.seq, r.tx, r.block, by_commitment[r.commitment]))
            self.db.execute("UPDATE events SET state = 'queued', commitment = NULL, sent_block = NULL "
                            "WHERE state = 'sent'")
            self.db.execute("COMMIT")
            found = len(records)
            self.say(f"recovered: {found} of {len(rows)} sent events were on chain, {len(rows) - found} queued again")
        self.chain.reset_nonce(self.account.address)
        self.book.load(self.db)
        self.recovered = True
        return found

    # ------------------------------------------------------------------ one batch
    def ready(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM events WHERE state = 'queued'").fetchone()[0]

    def flush_once(self, now: float | None = None) -> int:
        """Send one batch (if anything is ready); returns the records confirmed."""
        if not self.recovered:
            self.recover()
        s = self.settings
        rows = self.db.execute(f"SELECT {ROW} FROM events WHERE state = 'queued' ORDER BY time, n "
                               f"LIMIT {max(4 * s.max_records, 1000)}").fetchall()
        book = TicketBook()
        book.tickets = {t: type(v)(v.customer, v.resolved) for t, v in self.book.tickets.items()}
        p = plan([r[:7] for r in rows], book, time.time() if now is None else now, s.hold_s, s.reorder_s,
                 s.max_records)
        if p.park:
            self._park(p.park)
        if not p.take:
            return 0
        full = {r[0]: r for r in rows}
        with self.store.batch():  # the texts and salts on disk, in one commit, before anything is sent
            pairs = [(full[r[0]], self._commit(full[r[0]])) for r in p.take]
        pairs = self._simulated(pairs)
        if not pairs:
            return 0
        return self._send(pairs)

    def _commit(self, row) -> tuple[bytes, bytes]:
        n, event_id, ticket, kind, customer, detail, _, text, channel, when = row
        c = commit_event(self.store, self.log.address, self.account.key, event_id, text, customer)
        entry = Entry(Kind(kind), ticket, customer, text, detail=detail, channel=channel, time=when)
        return c, entry.packed(c)

    def _park(self, parks: list[tuple[str, str, str]]) -> None:
        self.db.execute("BEGIN IMMEDIATE")
        self.db.executemany("UPDATE events SET state = 'parked', park_code = ?, reason = ? WHERE id = ? "
                            "AND state = 'queued'", [(code, reason, eid) for eid, code, reason in parks])
        self.db.execute("COMMIT")
        for eid, _, reason in parks:
            self.say(f"parked {eid}: {reason}")

    def _call(self, pairs):
        return self.log.functions.appendPacked(b"".join(p[1][1] for p in pairs))

    def _simulated(self, pairs: list) -> list:
        """`pairs` the chain accepts together: split a refused batch until each refused record is found and parked."""
        try:
            self._call(pairs).estimate_gas({"from": self.account.address})
            return pairs
        except (ContractCustomError, ContractLogicError) as exc:  # a revert (a node fault propagates: retried)
            if len(pairs) == 1:
                self._park([(pairs[0][0][1], "rule", f"the log refuses it: {str(exc)[:200]}")])
                self.book.load(self.db)
                return []
        half = len(pairs) // 2
        return self._simulated(pairs[:half]) + self._simulated(pairs[half:])

    def _send(self, pairs: list) -> int:
        call = self._call(pairs)
        estimate = call.estimate_gas({"from": self.account.address})
        gas = min(GAS_CAP, int(estimate * 1.2) + 20_000)
        block = self.chain.w3.eth.block_number
        self.db.execute("BEGIN IMMEDIATE")
        update_events(self.db, ("commitment", "sent_block"), [(c, block, row[0]) for row, (c, _) in pairs],
                      "state = 'sent'")
        self.db.execute("COMMIT")
        for row, _ in pairs:
            self.book.apply(row[2], row[3], row[4])
        self._fault("before-send", f"flush: sending {len(pairs)} records")
        tx = self.chain.build(call, self.account, gas=gas)
        try:
            tx_hash = self.chain.send_raw(tx, self.account)
        except Exception:
            self.chain.reset_nonce(self.account.address)
            self.recovered = False
            raise
        self._fault("after-send", f"flush: sent 0x{bytes(tx_hash).hex()}")
        try:
            receipt = self.chain.wait(tx_hash, timeout=120)
        except Exception:
            self.recovered = False
            raise
        if receipt["status"] != 1:
            self.recovered = False
            raise ChainError(f"appendPacked reverted in tx 0x{bytes(tx_hash).hex()}")
        with self.store.batch():
            done = appended_records(self.log, receipt, self.store)
        by_c = {bytes.fromhex(a.commitment[2:]): a for a in done}
        self.db.execute("BEGIN IMMEDIATE")
        update_events(self.db, ("seq", "tx", "block"),
                      [(by_c[c].seq, by_c[c].tx, receipt["blockNumber"], row[0]) for row, (c, _) in pairs],
                      "state = 'confirmed'")
        self.db.execute("COMMIT")
        if self.metrics is not None:
            self.metrics.batch(len(pairs), receipt["gasUsed"])
        self.say(f"flush: confirmed {len(pairs)} records in block {receipt['blockNumber']} ({receipt['gasUsed']:,} gas)")
        return len(pairs)

    def _fault(self, at: str, marker: str) -> None:
        self.say(marker)
        if os.environ.get(FAULT_ENV) == at:
            threading.Event().wait()  # fault tests kill the process here

    # ------------------------------------------------------------------ the loop
    def run(self, stop: threading.Event) -> None:
        """Flush every `every_s` seconds, or as soon as `max_records` are queued, until `stop` is set."""
        opened = callable(self.store)
        if opened:
            self.store = self.store()
        try:
            self._loop(stop)
        finally:
            if opened:  # closed in the thread that opened it (SQLite connections stay in theirs)
                self.store.close()
                self.store = None

    def _loop(self, stop: threading.Event) -> None:
        last = time.monotonic()
        while not stop.is_set():
            try:
                if time.monotonic() - last >= self.settings.every_s or self.ready() >= self.settings.max_records:
                    last = time.monotonic()
                    while self.flush_once() >= self.settings.max_records and not stop.is_set():
                        pass
                stop.wait(0.05)
            except Exception as exc:  # a node that stopped answering: try again, recovering first
                self.recovered = False
                self.say(f"flush failed, retrying: {str(exc).splitlines()[0][:200]}")
                stop.wait(1.0)

    def close(self) -> None:
        self.db.close()
        if self.store is not None and not callable(self.store):
            self.store.close()
