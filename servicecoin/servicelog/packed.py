"""The packed record: 71 bytes, written once here (the layout and head steps of interfaces/IServiceLog.sol).

    byte  0        kind << 5 | channel << 2 | detail   kind 3 bits, Channel 3 bits, follow-up outcome 2 bits
    bytes 1..8     ticket      uint64, non-zero
    bytes 9..28    customer    address
    bytes 29..60   commitment  bytes32, non-zero
    bytes 61..65   ref         uint40: the amended seq (Amendment), else 0
    bytes 66..70   time        uint40: the help desk's own event time (unix seconds, 0 unknown)

`appendPacked` moves the head once per record (`packed_head`); `anchor` once per anchored batch
(`anchor_head`). Both take the agent and the block time the `BatchRecorded` / `Anchored` event carries.
"""

from __future__ import annotations

from enum import IntEnum

from servicecoin.errors import enum_member

try:  # safe-pysha3 (a pinned requirement) hashes ten times faster than eth_utils: an audit hashes every record
    from sha3 import keccak_256

    def keccak(data: bytes) -> bytes:
        return keccak_256(data).digest()
except ImportError:  # pragma: no cover
    from eth_utils import keccak

RECORD_SIZE = 71
MAX_TICKET = (1 << 64) - 1
MAX_U40 = (1 << 40) - 1


class Channel(IntEnum):
    """Where the interaction happened (IServiceLog.Channel)."""

    UNKNOWN = 0
    CHAT = 1
    PHONE = 2
    EMAIL = 3
    SOCIAL = 4
    IN_STORE = 5

    @classmethod
    def parse(cls, text: str, where: str = "") -> "Channel":
        key = (text or "unknown").strip().upper().replace("-", "_").replace(" ", "_")
        key = {"E_MAIL": "EMAIL", "MAIL": "EMAIL", "STORE": "IN_STORE", "INSTORE": "IN_STORE", "": "UNKNOWN"}.get(key, key)
        return enum_member(cls, key, text, "channel", where, [c.name.lower().replace("_", "-") for c in cls])


def pack(kind: int, ticket: int, customer: str | bytes, commitment: bytes, detail: int = 0, ref: int = 0,
         channel: int = 0, time: int = 0) -> bytes:
    """One packed record (range errors raise ValueError; the writers check fields before this)."""
    if not (0 <= kind < 8 and 0 <= channel < 8 and 0 <= detail < 4):
        raise ValueError(f"kind {kind}, channel {channel} or detail {detail} out of range for a packed record")
    if not (0 < ticket <= MAX_TICKET):
        raise ValueError(f"ticket {ticket} does not fit a packed record (1..2^64-1)")
    if not (0 <= ref <= MAX_U40 and 0 <= time <= MAX_U40):
        raise ValueError(f"ref {ref} or time {time} does not fit 40 bits")
    who = customer if isinstance(customer, bytes) else bytes.fromhex(customer[2:])
    return (bytes([kind << 5 | channel << 2 | detail]) + ticket.to_bytes(8, "big") + who + bytes(commitment)
            + ref.to_bytes(5, "big") + time.to_bytes(5, "big"))


def unpack(rec: bytes) -> tuple[int, int, int, int, bytes, bytes, int, int]:
    """(kind, channel, detail, ticket, customer 20 bytes, commitment, ref, time) of one packed record."""
    b = rec[0]
    return (b >> 5, (b >> 2) & 7, b & 3, int.from_bytes(rec[1:9], "big"), rec[9:29], rec[29:61],
            int.from_bytes(rec[61:66], "big"), int.from_bytes(rec[66:71], "big"))


def packed_head(prev: bytes, seq: int, agent: bytes, block_time: int, rec: bytes) -> bytes:
    """The head after packed record `seq`: bytes24(keccak(head ‖ seq ‖ agent ‖ block time ‖ record))."""
    return keccak(prev + seq.to_bytes(8, "big") + agent + block_time.to_bytes(8, "big") + rec)[:24]


def anchor_head(prev: bytes, first_seq: int, count: int, agent: bytes, block_time: int, root: bytes) -> bytes:
    """The head after an anchored batch of `count` records from `first_seq` under Merkle `root`."""
    return keccak(prev + first_seq.to_bytes(8, "big") + count.to_bytes(8, "big") + agent
                  + block_time.to_bytes(8, "big") + root)[:24]
