"""A settlement period: a calendar month (UTC) or one of the token's expiry epochs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from servicecoin.errors import ConfigError
from servicecoin.index.ledger import Epochs

KINDS = ("month", "epoch")


@dataclass(frozen=True)
class Period:
    """Movements with start <= block time < end belong to the period."""

    kind: str
    label: str
    start: int
    end: int

    def on_chain(self) -> bytes:
        """The bytes32 the Settlement contract keys the period by: the label, ASCII, left-aligned."""
        return self.label.encode("ascii").ljust(32, b"\0")

    def as_json(self) -> dict:
        return {"kind": self.kind, "label": self.label, "start": utc(self.start), "end": utc(self.end)}


def utc(ts: int) -> str:
    """UTC ISO-8601 with a Z, the time format of JSON and CSV exports ('2026-12-07T06:40:00Z')."""
    return datetime.fromtimestamp(int(ts), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_period(text: str, kind: str, epochs: Epochs) -> Period:
    """'2026-12' (month) or '7' / 'epoch-7' (epoch) → Period."""
    if kind not in KINDS:
        raise ConfigError(f"settlement period kind '{kind}' is not month or epoch")
    text = str(text).strip()
    if kind == "month":
        m = re.fullmatch(r"(\d{4})-(\d{2})", text)
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise ConfigError(f"period '{text}' is not a month YYYY-MM")
        y, mo = int(m.group(1)), int(m.group(2))
        start = datetime(y, mo, 1, tzinfo=timezone.utc)
        end = datetime(y + (mo == 12), mo % 12 + 1, 1, tzinfo=timezone.utc)
        return Period(kind, text, int(start.timestamp()), int(end.timestamp()))
    m = re.fullmatch(r"(?:epoch-)?(\d+)", text)
    if not m:
        raise ConfigError(f"period '{text}' is not an epoch number (7 or epoch-7)")
    e = int(m.group(1))
    start = epochs.genesis + e * epochs.length
    return Period(kind, f"epoch-{e}", start, start + epochs.length)


def label_of(raw: bytes | str) -> str:
    """The period label back from its bytes32 (hex string or bytes)."""
    if isinstance(raw, str):
        raw = bytes.fromhex(raw[2:] if raw.startswith("0x") else raw)
    return raw.rstrip(b"\0").decode("ascii", "replace")
