"""`make bench-long`: the cross-contract invariants for 100,000+ stateful steps (SVC_LONG=1 tests/invariants).

Too long for `make bench`, so it has its own target. It writes reliability.long.* into
benchmarks/results.json, and benchmarks/long-run.json says when and on which commit it ran (BENCHMARKS.md
shows both); a later `make bench` carries these figures over without checking them again.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import time
from pathlib import Path

from benchmarks.bench_security import invariant_figures, run_tests

ROOT = Path(__file__).resolve().parent.parent
LONG_RUN = ROOT / "benchmarks" / "long-run.json"

TARGETS = {
    "reliability.long.invariant_steps": (">=", 100_000, "stateful steps across all contracts (`make bench-long`)"),
    "reliability.long.invariant_failures": ("<=", 0, "invariant failures in that run"),
    "reliability.long.minutes": ("info", None, "how long that run took"),
}


def commit() -> str:
    """HEAD's commit, with "+dirty" when the working tree differs from it (tracked files)."""
    head = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True,
                           cwd=ROOT).stdout.strip()
    return (head or "unknown") + ("+dirty" if dirty else "")


def run(ctx) -> dict:
    started = time.monotonic()
    at = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    data = run_tests(["tests/invariants"], SVC_LONG="1")
    figures = {**invariant_figures(data, "long", "reliability.long"),
               "reliability.long.minutes": round((time.monotonic() - started) / 60, 1)}
    LONG_RUN.write_text(json.dumps({"started": at, "commit": commit(), "figures": figures}, indent=2) + "\n")
    return figures


def last_run() -> dict:
    """What the last `make bench-long` wrote ({} when it never ran here)."""
    try:
        return json.loads(LONG_RUN.read_text())
    except (OSError, ValueError):
        return {}
