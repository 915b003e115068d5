"""The per-customer relay quota: what the relayer may spend on one customer's requests per UTC day, in gas, in
ETH, or both (`serve.relay_quota_per_customer`), so one customer cannot drain the relayer however slowly they
go (the rate limits and failure budgets of serve.guard bound the pace, not the total).

Kept in a SQLite file (.servicecoin/<network>/serve/relay-quota.sqlite, fsynced), so a restart of `svc serve`
does not reset it. Before a transaction is sent, its most (gas limit × the fee cap) is reserved; after its
receipt, the reservation becomes what it cost (gas used × effective gas price); a transaction the node refused
releases it. A crash between the two leaves the reservation counted: never less than was spent. The rows are
per chain (its id and genesis block), so a new local chain starts afresh and two networks never mix.

Over the quota: 429 with Retry-After, the seconds to the next UTC midnight, and a plain message.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path

from servicecoin.serve.fields import RequestError

DAY = 86_400
WEI = 10**18


@dataclass(frozen=True)
class CustomerQuota:
    """Per customer per UTC day: at most `gas` gas and `wei` wei (None: that one unbounded)."""

    gas: int | None = None
    wei: int | None = None


class QuotaExceeded(RequestError):
    """429: the customer's relays used today's quota; `retry_after` seconds to the next UTC day."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message, "customer", HTTPStatus.TOO_MANY_REQUESTS)
        self.retry_after = retry_after


def day_of(now: float) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(now))


def seconds_to_midnight(now: float) -> int:
    return max(1, DAY - int(now) % DAY)


class QuotaBook:
    """The spending per (chain, customer, UTC day) at `path`."""

    def __init__(self, path: Path, quota: CustomerQuota, scope: str, clock=time.time):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.quota, self.scope, self.clock, self.path = quota, scope, clock, path
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE IF NOT EXISTS spends (id INTEGER PRIMARY KEY AUTOINCREMENT, scope TEXT NOT NULL, "
                        "customer TEXT NOT NULL, day TEXT NOT NULL, gas INTEGER NOT NULL, wei TEXT NOT NULL, "
                        "tx TEXT, settled INTEGER NOT NULL DEFAULT 0)")
        self.db.execute("CREATE INDEX IF NOT EXISTS spends_customer ON spends (scope, customer, day)")
        self._lock = threading.Lock()

    def spent(self, customer: str, day: str | None = None) -> tuple[int, int]:
        """(gas, wei) reserved or spent for `customer` on `day` (default today)."""
        with self._lock:
            rows = self.db.execute("SELECT gas, wei FROM spends WHERE scope = ? AND customer = ? AND day = ?",
                                   (self.scope, customer.lower(), day or day_of(self.clock()))).fetchall()
        return sum(r[0] for r in rows), sum(int(r[1]) for r in rows)

    def check(self, customer: str, gas: int = 0, wei: int = 0) -> None:
        """QuotaExceeded when `customer` has used today's quota, or a transaction of up to `gas` / `wei` more would
        pass it."""
        used_gas, used_wei = self.spent(customer)
        q = self.quota
        if (q.gas is not None and used_gas + gas > q.gas) or (q.wei is not None and used_wei + wei > q.wei):
            parts = ([f"{q.gas:,} gas"] if q.gas is not None else []) + \
                    ([f"{q.wei / WEI:g} ETH"] if q.wei is not None else [])
            raise QuotaExceeded(f"this customer's relayed requests have used today's quota ({' or '.join(parts)} a "
                                "day); try again after midnight UTC, or send it yourself",
                                seconds_to_midnight(self.clock()))

    def reserve(self, customer: str, gas: int, wei: int) -> int:
        """Count a transaction about to be sent at its most; the reservation's id (on disk before it returns)."""
        with self._lock:
            cur = self.db.execute("INSERT INTO spends (scope, customer, day, gas, wei) VALUES (?, ?, ?, ?, ?)",
                                  (self.scope, customer.lower(), day_of(self.clock()), gas, str(wei)))
            return cur.lastrowid

    def settle(self, reservation: int, gas: int, wei: int, tx: str) -> None:
        """The transaction cost `gas` / `wei`."""
        with self._lock:
            self.db.execute("UPDATE spends SET gas = ?, wei = ?, tx = ?, settled = 1 WHERE id = ?",
                            (gas, str(wei), tx, reservation))

    def release(self, reservation: int) -> None:
        """The transaction never went out (the node refused it)."""
        with self._lock:
            self.db.execute("DELETE FROM spends WHERE id = ?", (reservation,))

    def today_totals(self) -> tuple[int, int]:
        """(wei spent today on all customers, customers over their quota today)."""
        with self._lock:
            rows = self.db.execute("SELECT customer, gas, wei FROM spends WHERE scope = ? AND day = ?",
                                   (self.scope, day_of(self.clock()))).fetchall()
        per: dict[str, list[int]] = {}
        for customer, gas, wei in rows:
            acc = per.setdefault(customer, [0, 0])
            acc[0] += gas
            acc[1] += int(wei)
        q = self.quota
        over = sum(1 for g, w in per.values() if (q.gas is not None and g >= q.gas) or (q.wei is not None and w >= q.wei))
        return sum(w for _, w in per.values()), over

    def close(self) -> None:
        self.db.close()


def chain_scope(chain) -> str:
    """The chain's id and genesis block hash: the rows of another chain (a new local one) never count."""
    genesis = chain.w3.eth.get_block(0)["hash"]
    return f"{chain.chain_id}:0x{bytes(genesis).hex()}"


def quota_file(network: str) -> Path:
    from servicecoin.paths import data_dir

    return data_dir(network) / "serve" / "relay-quota.sqlite"
