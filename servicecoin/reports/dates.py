"""Dates for people: the one place a Unix time becomes text, and the calendar months of a chart.

Every command and report shows times through these functions, so a date reads the same everywhere
("2026-12-07 06:40 UTC"); JSON and CSV carry the same UTC text beside the raw number.
"""

from __future__ import annotations

from datetime import datetime, timezone

DAY = 86_400


def iso(ts: int | float | None) -> str | None:
    """A Unix time as '2026-12-07 06:40 UTC' (None stays None)."""
    return None if ts is None else datetime.fromtimestamp(int(ts), timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def when(ts: int | float | None, missing: str = "—") -> str:
    """Like iso, for text output: a missing or zero time reads `missing`, never 'None' or 1970."""
    return iso(ts) if ts else missing


def day(ts: int | float | None, missing: str = "—") -> str:
    """The calendar day of a Unix time, '2026-12-07'."""
    return datetime.fromtimestamp(int(ts), timezone.utc).strftime("%Y-%m-%d") if ts else missing


def month(ts: int | float) -> str:
    """The calendar month of a Unix time, '2026-12'."""
    return datetime.fromtimestamp(int(ts), timezone.utc).strftime("%Y-%m")


def months_between(first: str, last: str) -> list[str]:
    """Every calendar month from `first` to `last` ('YYYY-MM', both included), empty ones too."""
    y, m = (int(x) for x in first.split("-"))
    end = tuple(int(x) for x in last.split("-"))
    out = []
    while (y, m) <= end:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def days_left(ts: int, now: int) -> int:
    """Whole days from `now` until `ts` (0 when it is less than a day away or past)."""
    return max(0, (int(ts) - int(now)) // DAY)


def duration(seconds: float | None) -> str:
    """Seconds as '0.4 s', '2 min 05 s' or '1 h 02 min'."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    s = int(round(seconds))
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {s % 3600 // 60:02d} min"


def span(seconds: float | None) -> str:
    """A service time, short: '38 min', '7.2 h' (under two days), '3.1 d'."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * DAY:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / DAY:,.1f} d"
