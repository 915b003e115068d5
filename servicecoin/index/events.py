"""Event ABI and decoding: a raw `eth_getLogs` entry → a `Log` (position, contract, event, arguments).

`event_abis(contract)` reads the events of a contract's build artifact. A log whose data holds
static types only is decoded word by word (the common case, and the fast one); dynamic types
(strings, arrays, tuples) go through eth_abi. Indexed dynamic values arrive as their hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from eth_abi import decode as abi_decode
from eth_utils import keccak

from servicecoin.chain import artifact

ZERO = "0x" + "00" * 20  # the zero address: mints come from it, burns go to it
NEVER = -1  # lot epoch of an acceptor's plain balance (it never expires)


@dataclass
class Log:
    """One raw log, decoded: position, contract name, event name and arguments."""

    block: int
    log_index: int
    tx_hash: str
    ts: int
    contract: str
    name: str
    args: dict[str, Any]


def _word_decoder(typ: str) -> Callable[[str], Any] | None:
    """A decoder for one 32-byte hex word of a static ABI type, or None for dynamic types."""
    if "[" in typ or "(" in typ or typ in ("string", "bytes"):
        return None
    if typ == "address":
        return lambda w: "0x" + w[-40:]
    if typ.startswith("uint"):
        return lambda w: int(w, 16)
    if typ.startswith("int"):
        bits = 256

        def signed(w: str) -> int:
            v = int(w, 16)
            return v - (1 << bits) if v >> (bits - 1) else v

        return signed
    if typ == "bool":
        return lambda w: int(w, 16) != 0
    if typ.startswith("bytes") and typ != "bytes":
        return lambda w: "0x" + w
    return None


@dataclass
class EventAbi:
    """One event of one contract: its topic and how to decode its indexed and data fields."""

    contract: str
    name: str
    topic: str
    indexed: list[tuple[str, Callable[[str], Any]]]
    data_names: list[str]
    data_types: list[str]
    data_static: list[Callable[[str], Any]] | None

    def decode(self, topics: list[str], data: str) -> dict[str, Any]:
        args: dict[str, Any] = {}
        for (name, dec), topic in zip(self.indexed, topics[1:]):
            args[name] = dec(topic[2:])
        if self.data_names:
            body = data[2:]
            if self.data_static is not None:
                for i, (name, dec) in enumerate(zip(self.data_names, self.data_static)):
                    args[name] = dec(body[64 * i: 64 * i + 64])
            else:
                values = abi_decode(self.data_types, bytes.fromhex(body))
                for name, typ, value in zip(self.data_names, self.data_types, values):
                    args[name] = _plain_abi(typ, value)
        return args


def _plain_abi(typ: str, value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, (list, tuple)):
        inner = typ[: typ.rindex("[")] if typ.endswith("]") else typ
        return [_plain_abi(inner, v) for v in value]
    if isinstance(value, str) and typ == "address":
        return value.lower()
    return value


def _canonical(inp: dict) -> str:
    if inp["type"].startswith("tuple"):
        inner = ",".join(_canonical(c) for c in inp["components"])
        return f"({inner}){inp['type'][5:]}"
    return inp["type"]


def event_abis(contract: str, abi: list[dict] | None = None) -> list[EventAbi]:
    """The events of a contract's ABI (its build artifact's, or `abi`), ready to decode raw logs."""
    found = []
    for item in artifact(contract)["abi"] if abi is None else abi:
        if item.get("type") != "event" or item.get("anonymous"):
            continue
        sig = f"{item['name']}({','.join(_canonical(i) for i in item['inputs'])})"
        indexed, names, types = [], [], []
        for inp in item["inputs"]:
            typ = _canonical(inp)
            if inp.get("indexed"):
                # Indexed dynamic values are stored as their hash.
                indexed.append((inp["name"], _word_decoder(typ) or (lambda w: "0x" + w)))
            else:
                names.append(inp["name"])
                types.append(typ)
        statics = [_word_decoder(t) for t in types]
        found.append(EventAbi(contract, item["name"], "0x" + keccak(text=sig).hex(), indexed, names, types,
                              statics if all(statics) else None))
    return found
