"""Agent writes to the service log: one record (`append`), or many in packed `appendPacked` transactions
(`append_batch`, 71 bytes a record, one event a batch).

A record's text goes to the content store first; the chain gets its salted commitment, never zero (a record
without text commits to a fresh salt). What a transaction appended (and any reward it paid) is read back
from its receipt (`appended_records`).
An amendment is refused before anything is stored or sent unless its ref is a record of its own
ticket (`check_amendments`): the contract cannot check it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from web3.logs import DISCARD

from servicecoin.account import checksum
from servicecoin.chain import Chain
from servicecoin.contentstore import ContentStore, commitment_of, new_salt
from servicecoin.errors import ConfigError, Refused
from servicecoin.servicelog.events import fetch_records, receipt_records
from servicecoin.servicelog.helpdesk import commit_event, on_chain
from servicecoin.servicelog.packed import MAX_TICKET, pack
from servicecoin.servicelog.records import ANCHOR, ZERO32, Kind, log_contract


@dataclass
class Entry:
    """A record to append, with its text (kept off chain) and the fields the contract checks."""

    kind: Kind
    ticket: int
    customer: str
    text: str | None = None
    detail: int = 0  # follow-up outcome
    ref: int = 0  # amended seq
    where: str = field(default="", compare=False)  # "file:line" of a batch file's record, for errors
    channel: int = 0  # packed records: where it happened (packed.Channel)
    time: int = 0  # packed records: the help desk's own event time (unix seconds, 0 unknown)
    event_id: str | None = None  # the help desk's event id: the commitment covers it (servicelog.helpdesk)

    def call_args(self, commitment: bytes) -> tuple:
        return (int(self.kind), int(self.detail), int(self.ref), int(self.ticket), self.customer, commitment)

    def packed(self, commitment: bytes) -> bytes:
        """The record's 71 bytes for `appendPacked` (interfaces/IServiceLog.sol)."""
        if not 0 < int(self.ticket) <= MAX_TICKET:
            raise ConfigError(f"{self.where or 'record'}: ticket {self.ticket} does not fit a packed record (1..2^64-1)")
        return pack(int(self.kind), int(self.ticket), self.customer, commitment, int(self.detail), int(self.ref),
                    int(self.channel), int(self.time))


@dataclass
class Appended:
    seq: int
    kind: str
    ticket: int
    customer: str
    commitment: str
    tx: str
    gas: int
    reward_due: int = 0
    reward_paid: int = 0


def commit_text(store: ContentStore | None, log_address: str, text: str | None, customer: str | None = None) -> bytes:
    """The commitment a record of `text` carries, never zero: the store's salted hash (of "" without text),
    sealed with `customer`'s key; without a store, a record without text commits to a salt nobody keeps."""
    if store is None:
        if text:
            raise ConfigError("a record with text needs a content store")
        return commitment_of(new_salt(), "")
    return store.put(log_address, text or "", customer=customer)


def appended_records(log, receipt, store: ContentStore | None) -> list[Appended]:
    """The records a mined transaction appended to `log`, with their rewards; each one's text in `store`
    is linked to its sequence number."""
    rewards = {e["args"]["seq"]: e["args"] for e in log.events.Rewarded().process_receipt(receipt, errors=DISCARD)}
    out = []
    for r in receipt_records(log.w3, log.address, receipt):
        if r.form == ANCHOR:
            continue
        if store is not None and any(r.commitment):
            store.assign(log.address, r.commitment, r.seq)
        paid = rewards.get(r.seq)
        out.append(Appended(r.seq, Kind(r.kind).name.lower(), r.ticket, r.customer, "0x" + r.commitment.hex(),
                            r.tx, receipt["gasUsed"], paid["due"] if paid else 0, paid["paid"] if paid else 0))
    return out


def check_amendments(chain: Chain, log, entries: list[Entry]) -> None:
    """Refuse (ConfigError) any amendment of `entries` whose ref is not a record of its own ticket.

    `entries` are to be appended in order after the log's current records: a ref up to the log's count
    is looked up on chain (the records of the amendment's ticket, one indexed query per ticket); a
    larger ref names the entry that will get that sequence number, which must come earlier.
    """
    amendments = [(i, e) for i, e in enumerate(entries) if e.kind == Kind.AMENDMENT]
    if not amendments:
        return
    count = log.functions.count().call()
    on_chain: dict[int, int] = {}  # seq → ticket, read once when a ref needs it

    def label(i: int) -> str:
        return entries[i].where or (f"record {i + 1} of the batch" if len(entries) > 1 else "the amendment")

    for i, e in amendments:
        if e.ref <= count:
            if not on_chain:
                on_chain.update({r.seq: r.ticket for r in fetch_records(chain, log) if r.form != ANCHOR})
            other = on_chain.get(e.ref)
            if other == e.ticket:
                continue
            target = f"record #{e.ref} is of ticket {other}" if other is not None else \
                f"record #{e.ref} has no event in the node's history (or is anchored)"
        else:
            pos = e.ref - count - 1
            if pos < i and entries[pos].ticket == e.ticket:
                continue
            target = (f"record #{e.ref} will be {label(pos)}, of ticket {entries[pos].ticket}" if pos < i else
                      f"record #{e.ref} is not an earlier record (the log has {count})")
        raise ConfigError(f"{label(i)}: amendment of ticket {e.ticket} refused: {target}; an amendment must "
                          f"point at a record of its own ticket")


def append(chain: Chain, entry: Entry, store: ContentStore | None = None, sender="agent", log=None) -> Appended:
    """Append one agent record (its text goes to the content store first). A record with a channel or a help-desk
    time goes packed (a batch of one): single records have no place for them."""
    log = log or log_contract(chain)
    entry.customer = checksum(entry.customer)
    check_amendments(chain, log, [entry])
    commitment = commit_text(store, log.address, entry.text, entry.customer)
    call = log.functions.appendPacked(entry.packed(commitment)) if entry.channel or entry.time else \
        log.functions.append(entry.call_args(commitment))
    with discarded_if_refused(store, log.address, [commitment]):
        receipt = chain.transact(call, sender)
    return appended_records(log, receipt, store)[0]


class discarded_if_refused:  # noqa: N801  (a context manager, used as `with discarded_if_refused(…)`)
    """Delete the texts of `commitments` that got no sequence number when the block raises Refused: the
    chain refused their records for certain, so their personal text must not stay behind. Any other
    failure (a timeout: the transaction may still be mined) keeps them for a rerun to find."""

    def __init__(self, store: ContentStore | None, log_address: str, commitments):
        self.store, self.log_address, self.commitments = store, log_address, commitments

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if kind is not None and issubclass(kind, Refused) and self.store is not None:
            self.store.discard(self.log_address, [c for c in self.commitments if c != ZERO32])
        return False


def append_batch(chain: Chain, entries: list[Entry], store: ContentStore | None = None, sender="agent",
                 batch_size: int = 100, log=None, progress: Callable[[int], None] | None = None,
                 from_block: int | None = None) -> list[Appended]:
    """Append many agent records, `batch_size` per packed transaction, in order. Records with a help-desk
    event id that are already on chain (since `from_block`: a run that crashed sent them) are not sent again."""
    log = log or log_contract(chain)
    account = chain.account(sender) if isinstance(sender, str) else sender
    for e in entries:
        e.customer = checksum(e.customer)
    events = any(e.event_id for e in entries)
    if not events:  # refused before anything is stored; with event ids, once the records on chain are known
        check_amendments(chain, log, entries)
    pairs = [(e, commit_event(store, log.address, account.key, e.event_id, e.text, e.customer) if e.event_id
              else commit_text(store, log.address, e.text, e.customer)) for e in entries]
    found = on_chain(chain, log, {c for e, c in pairs if e.event_id}, from_block)
    for c, seq in found.items():
        if store is not None:
            store.assign(log.address, c, seq)
    pairs = [(e, c) for e, c in pairs if c not in found]
    if events:
        check_amendments(chain, log, [e for e, _ in pairs])
    return send_batches(chain, log, pairs, account, store, batch_size, progress)


def send_batches(chain: Chain, log, pairs: list[tuple[Entry, bytes]], sender, store: ContentStore | None,
                 batch_size: int, progress: Callable[[int], None] | None) -> list[Appended]:
    """Send (entry, commitment) pairs `batch_size` per appendPacked transaction, each mined before the next."""
    out: list[Appended] = []
    for start in range(0, len(pairs), batch_size):
        chunk = pairs[start:start + batch_size]
        with discarded_if_refused(store, log.address, [c for _, c in pairs[start:]]):  # none of them was sent
            receipt = chain.transact(log.functions.appendPacked(b"".join(e.packed(c) for e, c in chunk)), sender)
        out.extend(appended_records(log, receipt, store))
        if progress:
            progress(len(chunk))
    return out
