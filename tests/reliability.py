"""Where the reliability tests record what they ran: .servicecoin/reliability.json.

    {"invariants": {"default"|"long": {<machine>: {"steps": n, "failures": f, "at": iso}}},
     "faults": {<scenario>: {"lost": points, "doubled": points, "ok": bool, "at": iso}}}

benchmarks/bench_security.py sums these into reliability.invariant_steps / invariant_failures
(the "long" run when there is one, i.e. `make test-long`) and reliability.fault_cases / fault_losses.
"""

from __future__ import annotations

import datetime
import fcntl
import json
from pathlib import Path

RELIABILITY = Path(__file__).resolve().parent.parent / ".servicecoin" / "reliability.json"


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
