"""Verifying the service log: the hash chain over single, packed and anchored records, completeness and
order, the ticket rules the contract leaves to the auditor, and anchored records against their roots.

What the contract checks itself: Opened (a new ticket, a customer), Resolved (an open ticket, its
customer), feedback, and a satisfied follow-up that pays a bonus. What only an audit checks:
- a reply, complaint, amendment or other follow-up names a ticket opened before it, and that ticket's
  customer (`RuleBreak`);
- an amendment points at a record of its own ticket (`MisdirectedAmendment`; the contract keeps nothing
  per record);
- an anchored record (held off chain, from a copy or a receipt) leads by its proof to its batch's root.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Callable

from servicecoin.servicelog import merkle
from servicecoin.servicelog.records import ANCHOR, ANCHORED, PACKED, ZERO_HEAD, Kind, Record, next_head, packed_bytes

PROGRESS_EVERY = 4096


@dataclass
class MisdirectedAmendment:
    """An amendment whose `ref` names a record of another ticket (or no record at all)."""

    seq: int
    ticket: int
    ref: int
    ref_ticket: int | None  # None: no record `ref` among those checked

    def __str__(self) -> str:
        target = f"record #{self.ref} of ticket {self.ref_ticket}" if self.ref_ticket is not None \
            else f"record #{self.ref}, which does not exist"
        return f"amendment #{self.seq} of ticket {self.ticket} points at {target}"


@dataclass
class RuleBreak:
    """A record that breaks a ticket rule the contract does not check, or an anchored record that does not
    lead to its batch's root."""

    seq: int
    ticket: int
    reason: str

    def __str__(self) -> str:
        return f"record #{self.seq} (ticket {self.ticket}): {self.reason}"


@dataclass
class Verification:
    """`ok` is the hash chain's verdict (head, order, completeness); `amendments` and `rules` list the
    records that break the ticket rules (the chain can be intact and the log still break them)."""

    ok: bool
    count: int  # records checked
    head: str  # on-chain head
    onchain_count: int
    first_bad_seq: int | None = None
    reason: str = ""
    amendments: list[MisdirectedAmendment] = field(default_factory=list)
    rules: list[RuleBreak] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)  # the log versions read, first to newest
    anchored: int = 0  # anchored records checked against their roots

    @property
    def valid(self) -> bool:
        """The chain verifies and no record breaks a ticket rule."""
        return self.ok and not self.amendments and not self.rules

    @property
    def first_bad(self) -> int | None:
        """The first record found wrong by any check."""
        seqs = [s for s in [self.first_bad_seq if not self.ok else None, *(a.seq for a in self.amendments),
                            *(r.seq for r in self.rules)] if s is not None]
        return min(seqs) if seqs else None

    def summary(self) -> str:
        if self.ok:
            line = f"OK: {self.count} records, head {self.head}"
            if len(self.logs) > 1:
                line += f", across {len(self.logs)} log versions"
        else:
            where = f" at record {self.first_bad_seq}" if self.first_bad_seq is not None else ""
            line = f"BROKEN{where}: {self.reason}"
        if self.anchored:
            line += f"\nanchored records checked against their roots: {self.anchored}"
        if self.amendments:
            line += f"\nINVALID AMENDMENTS ({len(self.amendments)}): " + "; ".join(map(str, self.amendments))
        if self.rules:
            shown = "; ".join(map(str, self.rules[:10])) + (f"; … {len(self.rules) - 10} more" if len(self.rules) > 10 else "")
            line += f"\nRULES BROKEN ({len(self.rules)}): {shown}"
        return line

    def to_json(self) -> dict:
        data = asdict(self)
        data["valid"] = self.valid
        data["first_bad"] = self.first_bad
        return data


def verify(records: list[Record], head: bytes, count: int, progress: Callable[[int], None] | None = None,
           start_head: bytes = ZERO_HEAD, start_count: int = 0) -> Verification:
    """Recompute the chain over `records` (in order from `start_count + 1`: single and packed records, ANCHOR
    items; ANCHORED records are checked against their batch's root) and compare it with the on-chain head
    and count; check the ticket rules. `progress(n)` is called as records are checked."""
    chain = [r for r in records if r.form != ANCHORED]
    held = [r for r in records if r.form == ANCHORED]
    result = _verify_chain(chain, head, count, progress, start_head, start_count)
    anchors = [r for r in chain if r.form == ANCHOR]
    result.rules = _check_anchored(held, anchors)
    result.anchored = len(held)
    stream = sorted([r for r in chain if r.form != ANCHOR] + held, key=lambda r: r.seq)
    result.rules = sorted(result.rules + _ticket_rules(stream), key=lambda b: b.seq)
    result.amendments = misdirected_amendments(stream, anchors)
    return result


def _verify_chain(records: list[Record], head: bytes, count: int, progress, start_head: bytes,
                  start_count: int) -> Verification:
    h = start_head
    shown = "0x" + head.hex()
    expected = start_count + 1
    since = expected  # first record since the last head the chain emitted
    done = 0
    for r in records:
        if r.seq != expected:
            what = f"record {expected} is missing (next record found is {r.seq})" if r.seq > expected else \
                f"record {r.seq} appears twice"
            return Verification(False, expected - 1, shown, count, min(expected, r.seq), what)
        h = next_head(h, r)
        if r.head:
            if h != r.head:
                span = f"records #{since}–#{r.seq} (one packed batch, tx {r.tx}): " if since < r.seq else ""
                return Verification(False, since - 1, shown, count, since,
                                    f"{span}recomputed head 0x{h.hex()} differs from the recorded 0x{r.head.hex()}")
            since = r.last_seq + 1
        expected = r.last_seq + 1
        done += r.count
        if progress and done >= PROGRESS_EVERY:
            progress(done)
            done = 0
    if progress and done:
        progress(done)
    last = expected - 1
    if last != count:
        first = last + 1 if last < count else count + 1
        return Verification(False, last, shown, count, first,
                            f"{last - start_count} records found, the contract counts {count - start_count}")
    if since <= last:
        return Verification(False, last, shown, count, since,
                            f"records #{since}–#{last} end without the head their batch emitted")
    if h != head:
        return Verification(False, last, shown, count, count or None,
                            f"recomputed head 0x{h.hex()} differs from the on-chain head {shown}")
    return Verification(True, last, shown, count)


def _check_anchored(held: list[Record], anchors: list[Record]) -> list[RuleBreak]:
    """Each anchored record held off chain must lead, by its proof, to the root its batch put on chain."""
    out = []
    starts = sorted(anchors, key=lambda a: a.seq)
    for r in held:
        batch = next((a for a in starts if a.seq <= r.seq <= a.last_seq), None)
        if batch is None:
            out.append(RuleBreak(r.seq, r.ticket, "an anchored record outside every anchored batch on chain"))
            continue
        got = merkle.root_from_proof(merkle.leaf(packed_bytes(r)), r.seq - batch.seq, batch.count, r.proof)
        if got != batch.root:
            out.append(RuleBreak(r.seq, r.ticket, f"does not lead by its proof to the root 0x{batch.root.hex()} of "
                                                  f"anchored batch #{batch.seq}–#{batch.last_seq} (tx {batch.tx})"))
    return out


def _ticket_rules(stream: list[Record]) -> list[RuleBreak]:
    """Records (in seq order) that name a ticket not opened before them, or another customer than the
    ticket's. Opened and feedback records are the contract's to check."""
    customer_of: dict[int, str] = {}
    out = []
    for r in stream:
        if r.kind == Kind.OPENED:
            if r.ticket in customer_of:
                out.append(RuleBreak(r.seq, r.ticket, "opens a ticket that is already open"))
            customer_of.setdefault(r.ticket, r.customer)
        elif r.kind != Kind.FEEDBACK:
            known = customer_of.get(r.ticket)
            if known is None:
                out.append(RuleBreak(r.seq, r.ticket, f"{Kind(r.kind).name.lower()} on a ticket never opened"))
            elif known.lower() != r.customer.lower():
                out.append(RuleBreak(r.seq, r.ticket, f"names customer {r.customer}; the ticket is {known}'s"))
    return out


def misdirected_amendments(records: list[Record], anchors: list[Record] | None = None) -> list[MisdirectedAmendment]:
    """The amendments among `records` whose ref is not a record of their own ticket (a ref inside an anchored
    batch whose records are not at hand cannot be judged and is left out)."""
    ticket_of = {r.seq: r.ticket for r in records if r.form != ANCHOR}
    unseen = [(a.seq, a.last_seq) for a in anchors or []]

    def judged(ref: int) -> bool:
        return ref in ticket_of or not any(lo <= ref <= hi for lo, hi in unseen)

    return [MisdirectedAmendment(r.seq, r.ticket, r.ref, ticket_of.get(r.ref))
            for r in records if r.kind == Kind.AMENDMENT and r.form != ANCHOR and judged(r.ref)
            and ticket_of.get(r.ref) != r.ticket]


def with_heads(records: list[Record], start_head: bytes = ZERO_HEAD) -> list[Record]:
    """`records` with the head after every packed record filled in (the chain emits one per batch), so that
    an archived copy names the first record changed in it. Call it on records that verified."""
    h = start_head
    for r in records:
        if r.form == ANCHORED:
            continue
        h = next_head(h, r)
        if r.form == PACKED and not r.head:
            r.head = h
    return records
