"""`make bench`: gas and time on a fresh anvil, beside the peers measured in the same run.

Every `benchmarks/bench_*.py` module exposes `TARGETS` ({key: (op, value, description)}) and
`run(ctx) -> {key: number}`. Results go to benchmarks/results.json (flat: key → number) and a
table in BENCHMARKS.md. Gas figures come from receipts; times are medians of repeated runs.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from web3 import Web3

import benchmarks
from servicecoin.chain import Chain
from servicecoin.localchain import spawn_anvil
from servicecoin.networks import Network

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results.json"
REPORT = ROOT / "BENCHMARKS.md"
PORT = int(os.environ.get("SVC_BENCH_PORT", "8560"))


@dataclass
class BenchContext:
    chain: Chain
    url: str
    port: int


def fresh_context(port: int = PORT) -> tuple[BenchContext, subprocess.Popen]:
    proc = spawn_anvil(port)
    url = f"http://127.0.0.1:{port}"
    chain = Chain(Network("bench", url, True), Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 120})))
    return BenchContext(chain, url, port), proc


def modules(only: list[str] | None = None):
    for info in pkgutil.iter_modules(benchmarks.__path__):
        if info.name.startswith("bench_") and (not only or info.name[6:] in only):
            yield importlib.import_module(f"benchmarks.{info.name}")


def check(value: float, op: str, target: float | None) -> bool:
    """Whether `value` meets its target; op "info" marks a figure reported without a target."""
    if op == "info":
        return True
    return value <= target if op == "<=" else value >= target if op == ">=" else value == target


def write_report(results: dict, targets: dict) -> None:
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (benchmarks/run.py) on a fresh anvil (hardfork shanghai). Gas figures are",
        "exact, from receipts; times are medians of repeated runs on this 2-core machine. Peers run in the",
        "same run. Raw numbers: `benchmarks/results.json`.",
        "",
        "| metric | value | target | met | what |",
        "|---|---:|---|:-:|---|",
    ]
    for key in sorted(results):
        value = results[key]
        shown = f"{value:,.0f}" if isinstance(value, (int, float)) and abs(value) >= 100 else f"{value:,.3g}"
        if key in targets and targets[key][0] == "info":
            lines.append(f"| `{key}` | {shown} | | | {targets[key][2]} |")
        elif key in targets:
            op, target, what = targets[key]
            met = "yes" if check(value, op, target) else "**no**"
            lines.append(f"| `{key}` | {shown} | {op} {target:,} | {met} | {what} |")
        else:
            lines.append(f"| `{key}` | {shown} | | | |")
    REPORT.write_text("\n".join(lines) + "\n")


def main(argv: list[str]) -> int:
    only = argv or None
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() and only else {}
    targets: dict = {}
    for module in modules(only):
        targets.update(module.TARGETS)
        ctx, proc = fresh_context()
        try:
            started = time.monotonic()
            print(f"== {module.__name__}", flush=True)
            found = module.run(ctx)
            print(f"   {len(found)} figures in {time.monotonic() - started:.1f}s", flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        results.update(found)
    for module in modules():
        targets.update(module.TARGETS)
    RESULTS.write_text(json.dumps(dict(sorted(results.items())), indent=2) + "\n")
    write_report(results, targets)
    missed = [k for k, (op, t, _) in targets.items() if k in results and not check(results[k], op, t)]
    for key in sorted(results):
        flag = "  MISSED" if key in missed else ""
        print(f"{key:55s} {results[key]:>14,.2f}{flag}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
