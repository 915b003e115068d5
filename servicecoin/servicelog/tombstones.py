"""Tombstones: the signed note an erasure leaves in the content store, so that verification tells an
operator's erasure apart from a row deleted or emptied by hand, or a tombstone forged.

A tombstone names the chain, the log, the customer and either one record (`record`: `svc log erase SEQ`) or
every record of the customer up to a number (`customer`: `svc log erase --customer`, up to the log's count at
the time). It is an EIP-191 message (`personal_sign`) signed by the agent key, the key that writes the
records; it is valid when it recovers to its signer and the signer holds AGENT_ROLE on the log.
`judge` answers, for a record whose text is not readable: VALID (an erasure), FORGED (a tombstone covers
it but its signature does not hold), or None (no tombstone: deleted or lost, an error on the operator's
machine).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass
from typing import Callable

from eth_account import Account
from eth_account.messages import encode_defunct

from servicecoin.account import checksum
from servicecoin.chain import Chain
from servicecoin.contentstore import ContentStore
from servicecoin.roles import role_id
from servicecoin.servicelog.records import Record

RECORD, CUSTOMER = "record", "customer"
VALID, FORGED = "erased", "forged"
SCHEMA = """
CREATE TABLE IF NOT EXISTS tombstone (
    log        TEXT NOT NULL,          -- ServiceLog address (checksummed)
    scope      TEXT NOT NULL,          -- 'record': record seq; 'customer': the customer's records up to seq
    customer   TEXT NOT NULL,          -- lower-case address
    seq        INTEGER NOT NULL,
    chain_id   INTEGER NOT NULL,
    erased_at  INTEGER NOT NULL,
    signer     TEXT NOT NULL,          -- the agent key that signed (checksummed)
    signature  TEXT NOT NULL,          -- 0x… 65 bytes, EIP-191 over `message()`
    PRIMARY KEY (log, scope, customer, seq)
);
"""
COLUMNS = "log, scope, customer, seq, chain_id, erased_at, signer, signature"


@dataclass
class Tombstone:
    log: str
    scope: str
    customer: str
    seq: int
    chain_id: int
    erased_at: int
    signer: str = ""
    signature: str = ""

    @property
    def id(self) -> str:
        return f"{self.chain_id}:{self.log.lower()}:{self.scope}:{self.customer}:{self.seq}"

    def message(self) -> str:
        what = f"record: {self.seq}" if self.scope == RECORD else f"records up to: {self.seq}"
        return (f"ServiceCoin erasure\nchain: {self.chain_id}\nlog: {self.log.lower()}\nscope: {self.scope}\n"
                f"customer: {self.customer}\n{what}\nerased at: {self.erased_at}")

    def signed_by(self) -> str | None:
        """The address the signature recovers to (None for a malformed signature)."""
        try:
            return Account.recover_message(encode_defunct(text=self.message()), signature=self.signature)
        except Exception:  # noqa: BLE001 (eth_account raises several types for a bad signature)
            return None

    def covers(self, r: Record) -> bool:
        if self.scope == RECORD:
            return self.seq == r.seq
        return self.customer == r.customer.lower() and r.seq <= self.seq

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def sign(account, log: str, scope: str, customer: str, seq: int, chain_id: int, erased_at: int) -> Tombstone:
    t = Tombstone(checksum(log), scope, customer.lower(), int(seq), int(chain_id), int(erased_at), account.address)
    t.signature = "0x" + bytes(account.sign_message(encode_defunct(text=t.message())).signature).hex()
    return t


def _table(store: ContentStore) -> sqlite3.Connection:
    store.db.executescript(SCHEMA)
    return store.db


def keep(store: ContentStore, t: Tombstone) -> None:
    """Write `t` to the content store, and a copy to the key store (see erasure.reconcile)."""
    db = _table(store)
    with db:
        db.execute(f"INSERT OR REPLACE INTO tombstone ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                   (t.log, t.scope, t.customer, t.seq, t.chain_id, t.erased_at, t.signer, t.signature))
    if store.keys is not None:
        store.keys.keep_tombstone(t.id, t.to_json())


def tombstones(store: ContentStore, log: str | None = None, customer: str | None = None) -> list[Tombstone]:
    sql, args = f"SELECT {COLUMNS} FROM tombstone WHERE 1 = 1", []
    if log:
        sql, args = sql + " AND log = ?", args + [checksum(log)]
    if customer:
        sql, args = sql + " AND customer = ?", args + [customer.lower()]
    return [Tombstone(*row) for row in _table(store).execute(sql + " ORDER BY erased_at, seq", args)]


def judge(chain: Chain, log, store: ContentStore) -> Callable[[Record], str | None]:
    """For a record of `log` whose text is missing or unreadable: VALID, FORGED or None (no tombstone)."""
    stones = tombstones(store, log.address)
    agent_role = role_id("AGENT_ROLE")
    agents: dict[str, bool] = {}

    def is_agent(address: str) -> bool:
        if address not in agents:
            agents[address] = bool(log.functions.hasRole(agent_role, address).call())
        return agents[address]

    def valid(t: Tombstone, r: Record) -> bool:
        signer = t.signed_by()
        return (signer is not None and signer == checksum(t.signer) and t.chain_id == chain.chain_id
                and t.customer == r.customer.lower() and is_agent(signer))

    def verdict(r: Record) -> str | None:
        found = [t for t in stones if t.covers(r)]
        if not found:
            return None
        return VALID if any(valid(t, r) for t in found) else FORGED

    return verdict
