"""The service log's record codec: Kind, Outcome, Record (single, packed, anchored), `next_head`, and the
check of local texts against their commitments.

The chain encodings are the ones documented in interfaces/IServiceLog.sol. A single record:
head_n = first 24 bytes of keccak256(abi.encode(head_{n-1} (bytes24), seq, kind, ticket, customer,
agent, commitment, detail, ref, timestamp)), read from a `Recorded` event whose `info` word packs seq,
timestamp, ref, detail and kind (`unpack_info`). Packed records and anchored batches: servicelog.packed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import IntEnum
from typing import Callable

from eth_abi import encode
from eth_utils import keccak

from servicecoin.account import checksum
from servicecoin.chain import Chain
from servicecoin.contentstore import Content, ContentStore
from servicecoin.errors import enum_member
from servicecoin.loginfo import unpack_info
from servicecoin.servicelog.packed import anchor_head, pack, packed_head

CONTRACT = "ServiceLog"
SINGLE, PACKED, ANCHOR, ANCHORED = "single", "packed", "anchor", "anchored"
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
    head: bytes  # the head after it as the chain emitted it; b"" inside a packed batch (one head per batch)
    block: int = 0
    tx: str = ""
    form: str = SINGLE  # SINGLE (`Recorded`), PACKED (`BatchRecorded`), ANCHOR (an `Anchored` batch of `count`
    #                     records under `root`) or ANCHORED (one record of such a batch, kept off chain)
    channel: int = 0  # packed and anchored records: where the interaction happened (packed.Channel)
    time: int = 0  # packed and anchored records: the help desk's event time
    count: int = 1  # ANCHOR: how many sequence numbers the batch takes
    root: bytes = b""  # ANCHOR: the batch's Merkle root; ANCHORED: the root its proof leads to
    proof: list = field(default_factory=list)  # ANCHORED: the Merkle proof (sibling hashes, leaf to root)
    index: int = 0  # ANCHORED: position in its batch

    @property
    def last_seq(self) -> int:
        return self.seq + self.count - 1

    def to_json(self) -> dict:
        d = asdict(self)
        d["kind"] = Kind(self.kind).name.lower()
        for key in ("commitment", "head", "root"):
            d[key] = "0x" + getattr(self, key).hex()
        d["proof"] = ["0x" + bytes(p).hex() for p in self.proof]
        return d

    @classmethod
    def from_json(cls, d: dict) -> "Record":
        kind = d["kind"]
        return cls(
            seq=int(d["seq"]), kind=int(Kind.parse(kind) if isinstance(kind, str) else kind), ticket=int(d["ticket"]),
            customer=d["customer"], agent=d["agent"], commitment=_bytes(d["commitment"]), detail=int(d["detail"]),
            ref=int(d["ref"]), timestamp=int(d["timestamp"]), head=_bytes(d["head"]), block=int(d.get("block", 0)),
            tx=d.get("tx", ""), form=d.get("form", SINGLE), channel=int(d.get("channel", 0)), time=int(d.get("time", 0)),
            count=int(d.get("count", 1)), root=_bytes(d.get("root", "0x")),
            proof=[_bytes(p) for p in d.get("proof", [])], index=int(d.get("index", 0)),
        )


def _bytes(value) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return bytes.fromhex(value[2:] if value.startswith("0x") else value)


def packed_bytes(r: Record) -> bytes:
    """Record `r` in the 71-byte packed encoding (packed and anchored records)."""
    return pack(r.kind, r.ticket, r.customer, r.commitment, r.detail, r.ref, r.channel, r.time)


def next_head(prev: bytes, r: Record) -> bytes:
    """The head after record `r` (see interfaces/IServiceLog.sol): single records hash ten ABI words, packed
    records their 71 bytes with seq, agent and block time, an anchored batch its root."""
    if r.form == PACKED:
        return packed_head(prev, r.seq, _bytes(r.agent), r.timestamp, packed_bytes(r))
    if r.form == ANCHOR:
        return anchor_head(prev, r.seq, r.count, _bytes(r.agent), r.timestamp, r.root)
    data = encode(
        ["bytes24", "uint64", "uint8", "uint256", "address", "address", "bytes32", "uint8", "uint64", "uint64"],
        [prev, r.seq, r.kind, r.ticket, r.customer, r.agent, r.commitment, r.detail, r.ref, r.timestamp],
    )
    return keccak(data)[:24]


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


def held_text(r: Record, content: Content | None) -> dict:
    """The text held for record `r` and its state: none (no commitment), missing, erased, matches or MISMATCH."""
    if r.commitment == ZERO32:
        return {"text": None, "content": "none"}
    if content is None:
        return {"text": None, "content": "missing"}
    if content.erased:
        return {"text": None, "content": "erased"}
    return {"text": content.text, "content": "matches" if content.matches(r.commitment) else "MISMATCH"}


@dataclass
class ContentCheck:
    matching: int = 0
    erased: int = 0  # with a tombstone judge: erasures whose signed tombstone holds
    missing: int = 0
    mismatched: list[int] | None = None
    forged: list[int] = field(default_factory=list)  # texts gone under a tombstone whose signature does not hold
    unexplained: list[int] = field(default_factory=list)  # texts missing or emptied without any tombstone

    @property
    def ok(self) -> bool:
        return not (self.mismatched or self.forged or self.unexplained)


def check_contents(store: ContentStore, log_address: str, records: list[Record],
                   judge: Callable[[Record], str | None] | None = None) -> ContentCheck:
    """Compare the local texts with the commitments on chain: tampered text shows as a mismatch. With `judge`
    (servicelog.tombstones.judge) a text that is gone must be covered by a valid tombstone."""
    return compare_contents(lambda seq: store.get(log_address, seq), records, judge)


def compare_contents(lookup: Callable[[int], Content | None], records: list[Record],
                     judge: Callable[[Record], str | None] | None = None) -> ContentCheck:
    """Compare the texts `lookup(seq)` gives with the records' commitments; `judge(record)` says for a text that
    is gone whether a tombstone covers it ("erased"), a forged one ("forged") or none (None)."""
    result = ContentCheck(mismatched=[])
    for r in records:
        if r.commitment == ZERO32 or r.form == ANCHOR:
            continue
        content = lookup(r.seq)
        if content is not None and not content.erased:
            if content.matches(r.commitment):
                result.matching += 1
            else:
                result.mismatched.append(r.seq)
            continue
        verdict = judge(r) if judge else ("erased" if content is not None else None)
        if verdict == "erased":
            result.erased += 1
        elif verdict == "forged":
            result.forged.append(r.seq)
        else:
            result.missing += content is None
            if judge:
                result.unexplained.append(r.seq)
    return result


def export_contents(store: ContentStore, log_address: str) -> list[dict]:
    """The texts held for the log, as a content export (seq, commitment, salt, text; erased ones without
    salt and text) that `svc verify-log --texts` checks against the chain."""
    return [{"seq": c.seq, "commitment": "0x" + c.commitment.hex(), "salt": "0x" + c.salt.hex() if c.salt else None,
             "text": c.text} for c in store.all(log_address)]


def import_contents(rows: list[dict], log_address: str) -> dict[int, Content]:
    """A content export by seq (raises ValueError, KeyError or TypeError on a malformed one)."""
    return {int(d["seq"]): Content(log_address, _bytes(d["commitment"]), int(d["seq"]),
                                   _bytes(d["salt"]) if d.get("salt") else None, d.get("text"),
                                   None if d.get("salt") and d.get("text") is not None else 0) for d in rows}
