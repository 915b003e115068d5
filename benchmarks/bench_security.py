"""Security and reliability figures (issue 8).

- security.slither_high_medium: high/medium Slither findings in our contracts (security/run_slither.py,
  run here; needs .venv-slither). False positives are silenced in the code with a reason, never triaged.
- reliability.*: read from .servicecoin/reliability.json, written by the tests themselves:
  tests/invariants (steps executed and failures; the `make test-long` run when there is one) and
  tests/faults (scenarios run, points lost or doubled after recovery).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RELIABILITY = ROOT / ".servicecoin" / "reliability.json"

TARGETS = {
    "security.slither_high_medium": ("<=", 0, "high/medium Slither findings in our contracts"),
    "reliability.invariant_steps": (">=", 100_000, "stateful steps across all contracts (make test-long)"),
    "reliability.invariant_failures": ("<=", 0, "invariant failures in that run"),
    "reliability.fault_cases": (">=", 10, "fault-injection scenarios run (tests/faults)"),
    "reliability.fault_losses": ("<=", 0, "points lost or doubled across them after recovery"),
}


def slither_counts() -> dict:
    run = subprocess.run([sys.executable, str(ROOT / "security" / "run_slither.py"), "--json"],
                         capture_output=True, text=True, cwd=ROOT)
    if run.returncode == 2 or not run.stdout.strip():
        raise RuntimeError(f"security/run_slither.py could not run: {run.stderr.strip()}")
    return json.loads(run.stdout)


def reliability() -> dict:
    try:
        data = json.loads(RELIABILITY.read_text())
    except (OSError, ValueError):
        data = {}
    runs = data.get("invariants", {})
    mode = runs.get("long") or runs.get("default") or {}
    faults = data.get("faults", {})
    return {
        "reliability.invariant_steps": sum(m["steps"] for m in mode.values()),
        "reliability.invariant_failures": sum(m["failures"] for m in mode.values()),
        "reliability.fault_cases": len(faults),
        "reliability.fault_losses": sum(f["lost"] + f["doubled"] for f in faults.values())
        + sum(1 for f in faults.values() if not f["ok"]),
    }


def run(ctx) -> dict:
    counts = slither_counts()
    return {"security.slither_high_medium": counts["high_medium"], **reliability()}
