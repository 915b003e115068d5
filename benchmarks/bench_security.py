"""Security and reliability figures, every one from what this run ran itself.

- security.slither_high_medium: high/medium Slither findings in our contracts (security/run_slither.py,
  run here; needs .venv-slither).
- reliability.fault_*: the fault scenarios (tests/faults), run here: how many ran, and the points
  lost or doubled after recovery, computed from chain state against each plan.
- reliability.invariant_*: a bounded run of the cross-contract invariants (tests/invariants), run
  here until BOUNDED_STEPS stateful steps ran. The 100,000-step campaign has its own target,
  `make bench-long` (benchmarks/bench_long.py).

The tests record what they ran in a fresh file (SVC_RELIABILITY_FILE, see tests/reliability.py),
never in one an earlier test run left behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOUNDED_STEPS = 1_000

TARGETS = {
    "security.slither_high_medium": ("<=", 0, "high/medium Slither findings in our contracts"),
    "reliability.invariant_steps": (">=", BOUNDED_STEPS, "stateful steps across all contracts (tests/invariants, "
                                    "a bounded run; `make bench-long` runs 100,000+)"),
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


def run_tests(paths: list[str], **env: str) -> dict:
    """Run `brownie test paths` with `env` and a fresh reliability file; what the tests recorded in it.
    A failing test shows in the figures (a failed invariant run, a scenario not ok or not run)."""
    with tempfile.TemporaryDirectory() as tmp:
        record = Path(tmp) / "reliability.json"
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("SVC_INVARIANT") and k != "SVC_LONG"}
        full_env.update(env, SVC_RELIABILITY_FILE=str(record))
        brownie = Path(sys.executable).with_name("brownie")
        run = subprocess.run([str(brownie), "test", *paths, "-p", "no:cacheprovider"], cwd=ROOT, env=full_env,
                             capture_output=True, text=True)
        summary = [line.strip("= ") for line in run.stdout.splitlines() if line.startswith("=") and " in " in line]
        print(f"   brownie test {' '.join(paths)}: {summary[-1] if summary else 'no summary'}", flush=True)
        if run.returncode not in (0, 1):  # 1: some test failed (it shows in the figures); else it did not run
            print(run.stdout[-3000:], run.stderr[-2000:], sep="\n", file=sys.stderr)
        try:
            return json.loads(record.read_text())
        except (OSError, ValueError):
            return {}


def invariant_figures(data: dict, mode: str, prefix: str) -> dict:
    machines = data.get("invariants", {}).get(mode, {})
    return {f"{prefix}.invariant_steps": sum(m["steps"] for m in machines.values()),
            # no record at all: the run did not get as far as the state machine
            f"{prefix}.invariant_failures": sum(m["failures"] for m in machines.values()) if machines else 1}


def fault_figures(data: dict) -> dict:
    faults = data.get("faults", {})
    return {"reliability.fault_cases": len(faults),
            "reliability.fault_losses": sum(f["lost"] + f["doubled"] for f in faults.values())
            + sum(1 for f in faults.values() if not f["ok"])}


def run(ctx) -> dict:
    counts = slither_counts()
    data = run_tests(["tests/faults", "tests/invariants"], SVC_INVARIANT_STEPS=str(BOUNDED_STEPS))
    return {"security.slither_high_medium": counts["high_medium"], **fault_figures(data),
            **invariant_figures(data, "default", "reliability")}
