"""Exports for accounting: any report as CSV rows of (figure, value), beside its JSON.

Nested figures get dotted paths (`issued.by_reason.purchase`); times (Unix seconds under keys like
`as_of`, `ts`, `*_at`) become UTC ISO-8601 (`2026-12-07T06:40:00Z`); amounts stay plain integers or
decimal strings, never floats with exponents; text meant for people (`*_text`) is left out."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

TIME_KEYS = ("as_of", "ts", "published_ts", "first_expiry", "expires_at")


def _is_time(key: str) -> bool:
    return key in TIME_KEYS or key.endswith("_at")


def utc(ts: int) -> str:
    return datetime.fromtimestamp(int(ts), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def flatten(data, prefix: str = ""):
    """(path, value) for every leaf of a report."""
    if isinstance(data, dict):
        for k, v in data.items():
            if str(k).endswith("_text"):
                continue
            path = f"{prefix}.{k}" if prefix else str(k)
            if _is_time(str(k)) and isinstance(v, int) and not isinstance(v, bool):
                yield path, utc(v)
            else:
                yield from flatten(v, path)
    elif isinstance(data, (list, tuple)):
        for i, v in enumerate(data):
            yield from flatten(v, f"{prefix}.{i}" if prefix else str(i))
    else:
        if isinstance(data, float):
            data = format(data, "f").rstrip("0").rstrip(".") if data == data else ""
        yield prefix, "" if data is None else data


def to_csv(data) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["figure", "value"])
    for path, value in flatten(data):
        w.writerow([path, value])
    return out.getvalue()
