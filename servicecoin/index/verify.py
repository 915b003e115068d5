"""Checking the index against the chain: a quick check from record hashes, a full one by re-deriving.

Two checks, from cheap to thorough:
  * `quick_check(db, chain)`: the service records' hash chain. Every `service_records` row keeps the
    head the contract emitted after it (`head`); recomputing the chain over the indexed rows (seq
    1, 2, … without gaps) finds an edited or deleted row without reading the chain. With a node, the
    last head and the record count are compared with the log's on-chain state at the indexed block,
    and the token's counters (issued, burned, supply, expired) with the index's sums.
  * `verify_range(chain, db, from, to)`: re-derives the index from the chain into a scratch
    database (the lots before `from` are taken from the index as the checkpoint) and compares every
    table row by row over the block range, naming each row that differs: table, key, column, the
    index's value and the chain's.
Statements, the follow-up queue and reports run the quick check first (`guard`).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from servicecoin.errors import ChainError, ServiceCoinError
from servicecoin.index.db import EVENT_TABLES, Database, open_db

# The meta keys a scratch index needs to read the same contracts with the same parameters.
COPIED_META = ("chain_id", "token", "genesis", "epoch_length", "validity", "start_block")
# What the replay reads back from the database (the state carried from one range to the next).
REPLAY_STATE = ("lot_changes", "acceptor_changes", "account_totals")


class IndexCheckFailed(ServiceCoinError):
    """The index does not match the chain (the message says where and how to see every row)."""


@dataclass
class Difference:
    table: str
    key: dict[str, Any]
    column: str  # a column name, or "(row)" when the whole row is missing on one side
    index: Any
    chain: Any

    def as_dict(self) -> dict:
        return {"table": self.table, "key": self.key, "column": self.column, "index": self.index, "chain": self.chain}

    def line(self) -> str:
        key = " ".join(f"{k} {v}" for k, v in self.key.items())
        return f"{self.table} {key}: {self.column}: index {self.index!r}, chain {self.chain!r}"


@dataclass
class Check:
    """The outcome of a check: what was compared and every difference found."""

    kind: str  # "quick" or "full"
    block: int  # the index's cursor (or the end of the range compared)
    checked: dict[str, int] = field(default_factory=dict)  # what was compared → how many
    differences: list[Difference] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences

    def as_dict(self) -> dict:
        return {"kind": self.kind, "ok": self.ok, "block": self.block, "checked": self.checked,
                "differences": [d.as_dict() for d in self.differences], "notes": self.notes}

    def summary(self) -> str:
        if self.ok:
            what = ", ".join(f"{n:,} {k}" for k, n in self.checked.items())
            return f"index OK ({self.kind} check at block {self.block}: {what})"
        first = self.differences[0].line()
        more = f" (and {len(self.differences) - 1} more)" if len(self.differences) > 1 else ""
        return f"index check failed at block {self.block}: {first}{more}; run 'svc index verify' for every row"


# =====================================================================================
# Quick check: record hashes (and, with a node, the chain's heads and counters)
# =====================================================================================

def quick_check(db: Database, chain=None) -> Check:
    """Recompute the service records' hash chain from the index (and compare with the chain if given)."""
    from servicecoin.servicelog.records import ANCHOR, ZERO_HEAD, Record, next_head

    check = Check("quick", int(db.meta("cursor", "0") or 0))
    rows = db.query("SELECT block, log_index, seq, kind, ticket, customer, agent, commitment, detail, ref, record_ts, "
                    "head, form, channel, event_time FROM service_records ORDER BY seq")
    items = [(seq, 1, (block, li, seq, kind, ticket, customer, agent, commitment, detail, ref, ts, head, form, ch, t))
             for block, li, seq, kind, ticket, customer, agent, commitment, detail, ref, ts, head, form, ch, t in rows]
    items += [(first, count, (block, li, first, 0, "0", "0x" + "00" * 20, agent, "0x" + "00" * 32, 0, 0, ts, head,
                              ANCHOR, root, 0)) for block, li, first, count, agent, root, ts, head in
              db.query("SELECT block, log_index, first_seq, count, agent, root, ts, head FROM service_anchors")]
    items.sort()
    h = ZERO_HEAD
    expected = 1
    for seq, count, (block, li, _, kind, ticket, customer, agent, commitment, detail, ref, ts, head, form, ch, t) in items:
        key = {"seq": seq, "block": block, "log_index": li}
        if seq != expected:
            check.differences.append(Difference("service_records", {"seq": expected}, "(row)", "missing",
                                                f"record {expected} (next indexed is {seq})"))
            break
        r = Record(seq, kind, int(ticket), customer, agent, _hex(commitment), detail, ref, ts, _hex(head)[:24],
                   form=form, count=count)
        if form == ANCHOR:
            r.root = _hex(ch)
        else:
            r.channel, r.time = ch, t
        h = next_head(h, r)
        if r.head and h != r.head:
            check.differences.append(Difference("service_records", key, "head", head, "0x" + h.hex() + " (recomputed)"))
            break
        expected = seq + count
    rows = range(expected - 1)  # records the index holds (anchored ones by their batch)
    check.checked["service records"] = len(rows)
    if chain is not None:
        _compare_with_chain(db, chain, check, len(rows), h)
    return check


def _hex(value: str) -> bytes:
    return bytes.fromhex(value[2:] if value.startswith("0x") else value)


def _compare_with_chain(db: Database, chain, check: Check, count: int, head: bytes) -> None:
    """The log's head and count, and the token's counters, at the index's cursor block."""
    from servicecoin.index import ledger

    at = check.block
    log_address = db.meta("contract.ServiceLog")
    if log_address and not check.differences:
        onchain_head, onchain_count = chain.contract("ServiceLog", log_address).functions.state().call(
            block_identifier=at)
        if int(onchain_count) != count:
            check.differences.append(Difference("service_records", {"count": "all"}, "(rows)", count,
                                                int(onchain_count)))
        elif bytes(onchain_head) != head:
            check.differences.append(Difference("service_records", {"seq": count}, "head", "0x" + head.hex(),
                                                "0x" + bytes(onchain_head).hex()))
    f = chain.contract("RewardToken", db.meta("token")).functions
    now = int(chain.w3.eth.get_block(at)["timestamp"])
    zero = "0x" + "00" * 20
    migrated = int(db.scalar("SELECT SUM(balance + pending) FROM migrations", default=0))  # issued by migration
    ours = {"totalIssued": int(db.scalar("SELECT SUM(amount) FROM credits", default=0)) + migrated,
            "totalBurned": int(db.scalar("SELECT SUM(amount) FROM transfers WHERE recipient = ?", (zero,), 0)),
            "totalSupply": ledger.outstanding(db, now)["total"],
            "totalExpired": ledger.expired_total(db, now)}
    from servicecoin.index.pending import cancelled_total, pending_total
    from servicecoin.reports.transparency import newer_totals

    newer = newer_totals(chain, db.meta("token"), at)  # totalPending, totalCancelled where the token has them
    if newer:
        ours.update(totalPending=pending_total(db, now), totalCancelled=cancelled_total(db))
    for name, value in ours.items():
        theirs = int(newer[name]) if name in newer else int(getattr(f, name)().call(block_identifier=at))
        if theirs != value:
            check.differences.append(Difference("token", {"counter": name}, "(sum)", value, theirs))
    check.checked["token counters"] = len(ours)


# =====================================================================================
# Full check: re-derive from the chain and compare row by row
# =====================================================================================

def verify_range(chain, db: Database, from_block: int | None = None, to_block: int | None = None,
                 scratch_dir: str | None = None) -> Check:
    """Re-derive blocks [from_block, to_block] (default: all indexed) from the chain and compare."""
    from servicecoin.index.indexer import Indexer, IndexSettings

    start = int(db.meta("start_block", "0"))
    cursor = int(db.meta("cursor", "-1"))
    if db.meta("token") is None:
        raise IndexCheckFailed(f"index database {db.url}: empty; run 'svc index' first")
    lo = start if from_block is None else max(start, from_block)
    hi = cursor if to_block is None else min(cursor, to_block)
    check = Check("full", hi)
    if lo > hi:
        check.notes.append(f"nothing indexed in blocks {lo}..{hi}")
        return check
    if lo > start:
        check.notes.append(f"lots before block {lo} are taken from the index (the checkpoint)")
    folder = Path(tempfile.mkdtemp(prefix="svc-verify-", dir=scratch_dir))
    scratch = open_db(str(folder / "scratch.sqlite"), "")
    try:
        _seed(db, scratch, lo)
        contracts = {k.removeprefix("contract."): v for k, v in db.query("SELECT key, value FROM meta")
                     if k.startswith("contract.")}
        indexer = Indexer(chain, scratch, IndexSettings(confirmations=0), contracts=contracts, log=lambda m: None)
        try:
            indexer.run(to_block=hi)
        except ChainError as exc:  # the checkpoint's lots cannot carry the chain's movements
            check.differences.append(Difference("lot_changes", {"before block": lo}, "(replay)", "checkpoint",
                                                str(exc)))
            return check
        for table in EVENT_TABLES:
            check.checked[table] = _compare_table(db, scratch, table, lo, hi, check.differences)
    finally:
        scratch.close()
        shutil.rmtree(folder, ignore_errors=True)
    return check


def _seed(db: Database, scratch: Database, lo: int) -> None:
    """The scratch index starts where the range starts: same contracts, the index's lots before it."""
    with scratch.transaction():
        for key, value in db.query("SELECT key, value FROM meta"):
            if key in COPIED_META or key.startswith("contract."):
                scratch.set_meta(key, value)
        scratch.set_meta("cursor", lo - 1)
        scratch.set_meta("cursor_hash", "")
        for table in REPLAY_STATE:
            cols = _columns(db, table)
            rows = db.query(f"SELECT {', '.join(cols)} FROM {table} WHERE block < ?", (lo,))
            scratch.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({','.join('?' * len(cols))})", rows)


def _columns(db: Database, table: str) -> list[str]:
    cur = db.conn.execute(f"SELECT * FROM {table} WHERE 1 = 0")
    return [d[0] for d in cur.description]


def _key_columns(table: str) -> list[str]:
    if table == "blocks":
        return ["number"]
    if table == "service_records":  # a packed batch is one event of many records
        return ["block", "log_index", "position"]
    if table == "account_totals":
        return ["block", "account"]
    return ["block", "log_index", "seq"] if table == "lot_changes" else ["block", "log_index"]


def _compare_table(db: Database, scratch: Database, table: str, lo: int, hi: int, out: list[Difference]) -> int:
    """Compare one table's rows in [lo, hi]; append each difference; return the rows compared."""
    cols = _columns(db, table)
    keys = _key_columns(table)
    where = f"{keys[0]} >= ? AND {keys[0]} <= ?"
    select = f"SELECT {', '.join(cols)} FROM {table} WHERE {where}"
    ours = {tuple(r[cols.index(k)] for k in keys): r for r in db.query(select, (lo, hi))}
    theirs = {tuple(r[cols.index(k)] for k in keys): r for r in scratch.query(select, (lo, hi))}
    for key in sorted(set(ours) | set(theirs)):
        named = dict(zip(keys, key))
        mine, chain_row = ours.get(key), theirs.get(key)
        if mine is None:
            out.append(Difference(table, named, "(row)", "missing", _row(cols, chain_row)))
        elif chain_row is None:
            out.append(Difference(table, named, "(row)", _row(cols, mine), "missing"))
        else:
            out.extend(Difference(table, named, c, a, b) for c, a, b in zip(cols, mine, chain_row) if a != b)
    return len(theirs)


def _row(cols: list[str], row: tuple) -> dict:
    return dict(zip(cols, row))


# =====================================================================================
# Guard: what statements, queues and reports run first
# =====================================================================================

def guard(db: Database, chain=None, unchecked: bool = False) -> Check:
    """The quick check; raises IndexCheckFailed unless `unchecked` (then the caller warns)."""
    check = quick_check(db, chain)
    if not check.ok and not unchecked:
        raise IndexCheckFailed(check.summary() + " (--unchecked answers anyway)")
    return check
