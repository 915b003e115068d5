"""The service log's records: their codec, reading them from the chain, and verifying the hash chain.

The chain encoding is the one documented in interfaces/IServiceLog.sol:
head_n = first 24 bytes of keccak256(abi.encode(head_{n-1} (bytes24), seq, kind, ticket, customer,
agent, commitment, detail, ref, timestamp)). `verify` recomputes it from the `Recorded` events, whose
`info` word packs seq, timestamp, ref, detail and kind (`unpack_info`).

An amendment's `ref` must name a record of the same ticket. The contract keeps nothing per record, so
it cannot check this: `misdirected_amendments` finds the amendments that break the rule, `verify`
names them, and `ticket_seqs` lets a writer check a ref before it sends.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import IntEnum

from eth_abi import encode
from eth_utils import keccak

from servicecoin.account import checksum
from servicecoin.chain import Chain
from servicecoin.contentstore import ContentStore
from servicecoin.errors import ServiceCoinError, enum_member
from servicecoin.loginfo import unpack_info

CONTRACT = "ServiceLog"
ZERO_HEAD = b"\0" * 24
ZERO32 = b"\0" * 32


class Kind(IntEnum):
    OPENED = 0
    REPLY = 1
    RESOLVED = 2
    FOLLOWUP = 3
    COMPLAINT = 4
    FEEDBACK = 5
    AMENDMENT = 6

    @classmethod
    def parse(cls, text: str, where: str = "") -> "Kind":
        aliases = {"open": "opened", "resolve": "resolved", "follow-up": "followup", "amend": "amendment"}
        key = aliases.get(text.strip().lower(), text.strip().lower())
        return enum_member(cls, key.upper(), text, "record kind", where)


class Outcome(IntEnum):
    REACHED = 0
    NOT_REACHED = 1
    SATISFIED = 2
    UNSATISFIED = 3

    @classmethod
    def parse(cls, text: str, where: str = "") -> "Outcome":
        key = text.strip().upper().replace("-", "_").replace(" ", "_")
        return enum_member(cls, key, text, "follow-up outcome", where, [o.name.lower().replace("_", "-") for o in cls])


STATUS = {0: "none", 1: "open", 2: "resolved"}


@dataclass
class Record:
    """One `Recorded` event: every field the hash chain covers, plus the head the contract emitted."""

    seq: int
    kind: int
    ticket: int
    customer: str
    agent: str
    commitment: bytes
    detail: int
    ref: int
    timestamp: int
    head: bytes
    block: int = 0
    tx: str = ""

    def to_json(self) -> dict:
        d = asdict(self)
        d["kind"] = Kind(self.kind).name.lower()
        d["commitment"] = "0x" + self.commitment.hex()
        d["head"] = "0x" + self.head.hex()
        return d

    @classmethod
    def from_json(cls, d: dict) -> "Record":
        kind = d["kind"]
        return cls(
            seq=int(d["seq"]), kind=int(Kind.parse(kind) if isinstance(kind, str) else kind), ticket=int(d["ticket"]),
            customer=d["customer"], agent=d["agent"], commitment=_bytes(d["commitment"]), detail=int(d["detail"]),
            ref=int(d["ref"]), timestamp=int(d["timestamp"]), head=_bytes(d["head"]), block=int(d.get("block", 0)),
            tx=d.get("tx", ""),
        )


def _bytes(value) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return bytes.fromhex(value[2:] if value.startswith("0x") else value)


def next_head(prev: bytes, r: Record) -> bytes:
    """The head after record `r` (see interfaces/IServiceLog.sol)."""
    data = encode(
        ["bytes24", "uint64", "uint8", "uint256", "address", "address", "bytes32", "uint8", "uint64", "uint64"],
        [prev, r.seq, r.kind, r.ticket, r.customer, r.agent, r.commitment, r.detail, r.ref, r.timestamp],
    )
    return keccak(data)[:24]


# ---------------------------------------------------------------------------- amendments
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


def misdirected_amendments(records: list[Record]) -> list[MisdirectedAmendment]:
    """The amendments among `records` whose ref is not a record of their own ticket."""
    ticket_of = {r.seq: r.ticket for r in records}
    return [MisdirectedAmendment(r.seq, r.ticket, r.ref, ticket_of.get(r.ref))
            for r in records if r.kind == Kind.AMENDMENT and ticket_of.get(r.ref) != r.ticket]


# ---------------------------------------------------------------------------- verification
@dataclass
class Verification:
    """`ok` is the hash chain's verdict; `amendments` lists the amendments that point at another
    ticket's record (the chain can be intact and the log still break that rule)."""

    ok: bool
    count: int  # records checked
    head: str  # on-chain head
    onchain_count: int
    first_bad_seq: int | None = None
    reason: str = ""
    amendments: list[MisdirectedAmendment] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """The chain verifies and every amendment points at a record of its own ticket."""
        return self.ok and not self.amendments

    def summary(self) -> str:
        if self.ok:
            line = f"OK: {self.count} records, head {self.head}"
        else:
            where = f" at record {self.first_bad_seq}" if self.first_bad_seq is not None else ""
            line = f"BROKEN{where}: {self.reason}"
        if self.amendments:
            line += f"\nINVALID AMENDMENTS ({len(self.amendments)}): " + "; ".join(map(str, self.amendments))
        return line

    def to_json(self) -> dict:
        data = asdict(self)
        data["valid"] = self.valid
        return data


def verify(records: list[Record], head: bytes, count: int) -> Verification:
    """Recompute the chain over `records` (in order from seq 1) and compare with the on-chain state;
    name the amendments that point at another ticket's record."""
    result = _verify_chain(records, head, count)
    result.amendments = misdirected_amendments(records)
    return result


def _verify_chain(records: list[Record], head: bytes, count: int) -> Verification:
    h = ZERO_HEAD
    shown = "0x" + head.hex()
    for expected, r in enumerate(records, start=1):
        if r.seq != expected:
            return Verification(False, expected - 1, shown, count, expected,
                                f"record {expected} is missing (next record found is {r.seq})")
        h = next_head(h, r)
        if h != r.head:
            return Verification(False, expected - 1, shown, count, r.seq,
                                f"recomputed head 0x{h.hex()} differs from the recorded 0x{r.head.hex()}")
    if len(records) != count:
        first = len(records) + 1 if len(records) < count else count + 1
        return Verification(False, len(records), shown, count, first,
                            f"{len(records)} records found, the contract counts {count}")
    if h != head:
        return Verification(False, len(records), shown, count, count or None,
                            f"recomputed head 0x{h.hex()} differs from the on-chain head {shown}")
    return Verification(True, len(records), shown, count)


def ticket_seqs(chain: Chain, log, ticket: int) -> set[int]:
    """Sequence numbers of the records of `ticket` on chain (an indexed eth_getLogs query)."""
    return {event_record(e).seq for e in chain.events(log, "Recorded", argument_filters={"ticket": int(ticket)})}


def log_contract(chain: Chain, address: str | None = None):
    return chain.contract(CONTRACT, address)


def record_from_args(a, block: int = 0, tx: str = "") -> Record:
    """A `Recorded` event's decoded arguments (web3 or brownie) as a Record."""
    return Record(ticket=int(a["ticket"]), customer=checksum(str(a["customer"])), agent=checksum(str(a["agent"])),
                  commitment=_bytes(a["commitment"]), head=_bytes(a["head"]), block=block, tx=tx,
                  **unpack_info(a["info"]))


def event_record(ev) -> Record:
    """A `Recorded` event (web3's decoded log) as a Record."""
    return record_from_args(ev["args"], ev["blockNumber"], "0x" + bytes(ev["transactionHash"]).hex())


def fetch_records(chain: Chain, log, from_block: int | None = None, to_block: int | None = None) -> list[Record]:
    """Every `Recorded` event of `log` (by default since its deployment), in sequence order."""
    out = [event_record(e) for e in chain.events(log, "Recorded", from_block, to_block)]
    out.sort(key=lambda r: r.seq)
    return out


def verify_log(chain: Chain, log=None, records: list[Record] | None = None) -> Verification:
    """Verify `records` (default: every event on chain) against the log's on-chain head and count."""
    log = log or log_contract(chain)
    head, count = log.functions.state().call()
    if records is None:
        records = fetch_records(chain, log)
    return verify(records, bytes(head), count)


@dataclass
class ContentCheck:
    matching: int = 0
    erased: int = 0
    missing: int = 0
    mismatched: list[int] | None = None


def check_contents(store: ContentStore, log_address: str, records: list[Record]) -> ContentCheck:
    """Compare the local texts with the commitments on chain: tampered text shows as a mismatch."""
    result = ContentCheck(mismatched=[])
    for r in records:
        if r.commitment == ZERO32:
            continue
        content = store.get(log_address, r.seq)
        if content is None:
            result.missing += 1
        elif content.erased:
            result.erased += 1
        elif content.matches(r.commitment):
            result.matching += 1
        else:
            result.mismatched.append(r.seq)
    return result


# ---------------------------------------------------------------------------- reading
def show(chain: Chain, seq: int, store: ContentStore | None = None, log=None) -> dict:
    """Record `seq` with its text and whether the text still matches the commitment."""
    log = log or log_contract(chain)
    count = log.functions.count().call()
    if not 1 <= seq <= count:
        raise ServiceCoinError(f"log {log.address}: no record {seq} (the log has {count})")
    record = next((r for r in fetch_records(chain, log) if r.seq == seq), None)
    if record is None:
        raise ServiceCoinError(f"log {log.address}: record {seq} has no event in the node's history")
    data = record.to_json()
    if record.kind == Kind.FOLLOWUP:
        data["outcome"] = Outcome(record.detail).name.lower().replace("_", "-")
    if record.kind == Kind.FEEDBACK:
        data["rating"] = record.detail
    content = store.get(log.address, seq) if store else None
    if record.commitment == ZERO32:
        data.update(text=None, content="none")
    elif content is None:
        data.update(text=None, content="missing")
    elif content.erased:
        data.update(text=None, content="erased")
    else:
        data.update(text=content.text, content="matches" if content.matches(record.commitment) else "MISMATCH")
    customer, status, feedback, bonus = log.functions.ticketOf(record.ticket).call()
    data["ticket_status"] = STATUS[status]
    data["ticket_feedback_given"] = feedback
    return data
