"""Batch files: a CSV of agent records (kind,ticket,customer[,text,outcome,ref,channel,time]) appended exactly
once, in packed batches, however often it is run."""

from __future__ import annotations

import csv
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from eth_utils import keccak

from servicecoin.account import checksum
from servicecoin.chain import Chain
from servicecoin.contentstore import ContentStore
from servicecoin.errors import ChainError, ConfigError, quoted
from servicecoin.servicelog.agent import Appended, Entry, check_amendments, send_batches
from servicecoin.servicelog.events import fetch_records
from servicecoin.servicelog.packed import MAX_TICKET, MAX_U40, Channel
from servicecoin.servicelog.records import Kind, Outcome, log_contract

BATCH_COLUMNS = ("kind", "ticket", "customer", "text", "outcome", "ref", "channel", "time")
MAX_SEQ = 2**64 - 1  # sequence numbers (an amendment's ref) are uint64


@dataclass
class FileAppend:
    """What `append_file` did: records appended now, and records of the file already on chain."""

    appended: list[Appended]
    already: int
    batch: str


def append_file(chain: Chain, path: Path | str, store: ContentStore, sender="agent", batch_size: int = 100,
                log=None, progress: Callable[[int], None] | None = None, settle_timeout: float = 120) -> FileAppend:
    """Append the records of a batch CSV exactly once, however often it is run.

    The file is identified by the keccak of its bytes. Before anything is sent, every line gets a salted
    commitment kept in the content store with the line's number and the block it was prepared at, so a
    rerun sends the same commitments and finds on chain (Recorded events since then) the lines an
    interrupted run already appended, and sends only the others, in order. A rerun first waits until no
    transaction of the sender is pending, so a record in flight is found rather than sent twice. Every
    record of a batch file carries a commitment, an empty text included, since that is what identifies it.
    """
    log = log or log_contract(chain)
    account = chain.account(sender) if isinstance(sender, str) else sender
    raw = Path(path).read_bytes()
    entries = read_batch_csv(path)
    batch = keccak(raw)
    prepared = store.batch_lines(log.address, batch)
    head = chain.w3.eth.block_number
    commitments, fresh = [], []
    for line, e in enumerate(entries):
        e.customer = checksum(e.customer)
        found = prepared.get(line)
        commitments.append(found[0] if found else
                           store.put_batch_line(log.address, batch, line, e.text or "", head, e.customer))
        if not found:
            fresh.append(commitments[-1])
    unconfirmed = [line for line in prepared if store.seq_of(log.address, prepared[line][0]) is None]
    if unconfirmed:  # an earlier run prepared these lines and may have sent them
        settle(chain, account.address, settle_timeout)
        wanted = {prepared[line][0] for line in unconfirmed}
        for r in fetch_records(chain, log, min(prepared[line][1] for line in unconfirmed)):
            if r.commitment in wanted:
                store.assign(log.address, r.commitment, r.seq)
    todo = [(e, c) for e, c in zip(entries, commitments) if store.seq_of(log.address, c) is None]
    try:
        check_amendments(chain, log, [e for e, _ in todo])
    except ConfigError:  # refused before sending: the texts prepared by this run go
        store.discard(log.address, fresh)
        raise
    already = len(entries) - len(todo)
    if progress and already:
        progress(already)
    out = send_batches(chain, log, todo, account, store, batch_size, progress)
    return FileAppend(out, already, "0x" + batch.hex())


def settle(chain: Chain, address: str, timeout: float) -> None:
    """Wait until no transaction of `address` is pending (mined or gone), or refuse to go on."""
    deadline = time.monotonic() + timeout
    while chain.w3.eth.get_transaction_count(address, "pending") > chain.w3.eth.get_transaction_count(address):
        if time.monotonic() > deadline:
            raise ChainError(f"{address} still has pending transactions after {timeout:.0f}s; an earlier run's "
                             "records may be in flight, so nothing was sent: rerun once they are mined or dropped")
        time.sleep(1)



def read_batch_csv(path: Path | str) -> list[Entry]:
    """Records from a CSV with columns kind,ticket,customer[,text,outcome,ref]; errors name file:line:field."""
    path = Path(path)
    try:
        fp = open(path, newline="", encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    with fp:
        reader = csv.DictReader(fp)
        try:
            fieldnames = reader.fieldnames or []
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}:1: not a CSV header: {exc}") from None
        missing = [c for c in ("kind", "ticket", "customer") if c not in fieldnames]
        if missing:
            raise ConfigError(f"{path}:1: missing column(s) {', '.join(missing)}")
        try:
            entries = _entries(reader, path)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}:{reader.line_num}: not a CSV row: {exc}") from None
    if not entries:
        raise ConfigError(f"{path}: no records")
    return entries


def _entries(reader: csv.DictReader, path: Path) -> list[Entry]:
    """The records of a batch CSV's rows; the first bad one stops with file:line: field."""
    entries: list[Entry] = []
    for row in reader:
        line = reader.line_num
        where = f"{path}:{line}: "
        kind = Kind.parse(row["kind"] or "", where + "kind: ")
        if kind == Kind.FEEDBACK:
            raise ConfigError(f"{where}kind: feedback comes from the customer (svc log feedback), not a batch")
        ticket_text = (row["ticket"] or "").strip()
        if not re.fullmatch(r"[0-9]{1,20}", ticket_text, re.ASCII) or int(ticket_text) > MAX_TICKET:
            raise ConfigError(f"{where}ticket: {quoted(ticket_text)} is not a ticket number (ASCII digits, "
                              f"1 to 2^64-1)")
        ticket = int(ticket_text)
        if ticket <= 0:
            raise ConfigError(f"{where}ticket: must be positive")
        customer = checksum((row["customer"] or "").strip(), where + "customer: ")
        detail = 0
        outcome = (row.get("outcome") or "").strip()
        if kind == Kind.FOLLOWUP:
            if not outcome:
                raise ConfigError(f"{where}outcome: a follow-up needs an outcome")
            detail = int(Outcome.parse(outcome, where + "outcome: "))
        elif outcome:
            raise ConfigError(f"{where}outcome: only follow-up records have an outcome")
        ref_text = (row.get("ref") or "").strip()
        ref = 0
        if kind == Kind.AMENDMENT:
            if not re.fullmatch(r"[0-9]{1,20}", ref_text, re.ASCII) or not 0 < int(ref_text) <= MAX_SEQ:
                raise ConfigError(f"{where}ref: an amendment needs the sequence number it corrects")
            ref = int(ref_text)
        elif ref_text:
            raise ConfigError(f"{where}ref: only amendments refer to an earlier record")
        channel = Channel.parse(row.get("channel") or "", where + "channel: ")
        time_text = (row.get("time") or "").strip()
        if time_text and not (re.fullmatch(r"[0-9]{1,13}", time_text, re.ASCII) and int(time_text) <= MAX_U40):
            raise ConfigError(f"{where}time: {quoted(time_text)} is not a unix time in seconds")
        entries.append(Entry(kind, ticket, customer, (row.get("text") or "").strip() or None, detail, ref,
                             where=f"{path}:{line}", channel=int(channel), time=int(time_text or 0)))
    return entries
