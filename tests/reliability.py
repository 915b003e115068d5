"""Where the reliability tests record what they ran: .servicecoin/reliability.json, or the file
SVC_RELIABILITY_FILE names (the benchmarks give their own test runs a fresh one).

    {"invariants": {"default"|"long": {<machine>: {"steps": n, "failures": f, "at": iso}}},
     "faults": {<scenario>: {"lost": points, "doubled": points, "ok": bool, "at": iso}}}

Steps are the state machine's rule calls that ran (tests/invariants counts one per rule), over
every example and round of the run. benchmarks/bench_security.py (`make bench`: the fault scenarios
and a bounded invariant run) and benchmarks/bench_long.py (`make bench-long`: SVC_LONG=1) run the
tests with a fresh file and sum it into reliability.* figures.
"""

from __future__ import annotations

import datetime
import fcntl
import json
import os
from pathlib import Path

RELIABILITY = Path(os.environ.get("SVC_RELIABILITY_FILE")
                   or Path(__file__).resolve().parent.parent / ".servicecoin" / "reliability.json")


def _update(fn) -> None:
    RELIABILITY.parent.mkdir(parents=True, exist_ok=True)
    with open(RELIABILITY.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            data = json.loads(RELIABILITY.read_text())
        except (OSError, ValueError):
            data = {}
        fn(data)
        tmp = RELIABILITY.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
        tmp.replace(RELIABILITY)


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def record_invariants(machine: str, steps: int, failures: int, long: bool) -> None:
    """Record one stateful machine's run (replaces that machine's previous run of the same mode)."""
    mode = "long" if long else "default"
    _update(lambda d: d.setdefault("invariants", {}).setdefault(mode, {}).__setitem__(
        machine, {"steps": steps, "failures": failures, "at": _now()}))


def record_fault(scenario: str, lost: int, doubled: int, ok: bool) -> None:
    """Record one fault scenario: points lost and doubled after recovery (both should be 0)."""
    _update(lambda d: d.setdefault("faults", {}).__setitem__(
        scenario, {"lost": lost, "doubled": doubled, "ok": ok, "at": _now()}))
