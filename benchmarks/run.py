"""`make bench`: gas and time on a fresh anvil, beside the peers measured in the same run.

Every bench module (listed in BENCHES; `make bench-long` runs LONG) exposes `TARGETS`
({key: (op, value, description)}) and `run(ctx) -> {key: number}`. Results go to
benchmarks/results.json (flat: key → number) and a table in BENCHMARKS.md, followed by every notes
file benchmarks/*.md. Gas figures come from receipts; times are medians of repeated runs. A run
checks only the targets of the figures it produced itself.

    python -m benchmarks.run                 # every module in BENCHES (make bench)
    python -m benchmarks.run token security  # some of them; the other figures are kept
    python -m benchmarks.run long            # make bench-long
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from web3 import Web3

from benchmarks import (bench_campaign, bench_index, bench_ingest, bench_log, bench_long, bench_merchant,
                        bench_security, bench_token, bench_vault, bench_web)
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


BENCHES = {"campaign": bench_campaign, "index": bench_index, "ingest": bench_ingest, "log": bench_log,
           "merchant": bench_merchant, "security": bench_security,
           "token": bench_token, "vault": bench_vault, "web": bench_web}
LONG = {"long": bench_long}  # make bench-long only


def modules(only: list[str] | None = None):
    if not only:
        return list(BENCHES.values())
    unknown = [name for name in only if name not in {**BENCHES, **LONG}]
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join([*BENCHES, *LONG])}")
    return [{**BENCHES, **LONG}[name] for name in only]


def check(value: float, op: str, target: float | None) -> bool:
    """Whether `value` meets its target; op "info" marks a figure reported without a target."""
    if op == "info":
        return True
    return value <= target if op == "<=" else value >= target if op == ">=" else value == target


def notes() -> list[str]:
    """Every notes file benchmarks/*.md, each under its own heading (its first `# ` line, or its name)."""
    lines = []
    for path in sorted((ROOT / "benchmarks").glob("*.md")):
        text = path.read_text().strip().splitlines()
        if text and text[0].startswith("# "):
            title, body = text[0][2:].strip(), text[1:]
        else:
            title, body = path.stem.replace("-", " ").replace("_", " ").capitalize(), text
        body = ["#" + line if line.startswith("#") else line for line in body]  # nested under its heading
        lines += ["", f"## {title}", "", f"From `benchmarks/{path.name}`.", *body]
    return lines


def long_run_line() -> list[str]:
    run = bench_long.last_run()
    if not run:
        return ["", "`reliability.long.*` come from `make bench-long`, which has not run on this checkout."]
    return ["", f"`reliability.long.*` come from `make bench-long`, started {run['started']} on commit "
                f"`{run['commit']}` (benchmarks/long-run.json); `make bench` carries them over without running them."]


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
    lines += long_run_line() + notes()
    REPORT.write_text("\n".join(lines) + "\n")


def main(argv: list[str]) -> int:
    only = argv or None
    # A partial run keeps the other figures; a full one starts afresh, keeping only the last bench-long's.
    if only and RESULTS.exists():
        results = json.loads(RESULTS.read_text())
    else:
        results = dict(bench_long.last_run().get("figures", {}))
    targets: dict = {}
    fresh: dict = {}
    for module in modules(only):
        ctx, proc = fresh_context()
        try:
            started = time.monotonic()
            print(f"== {module.__name__}", flush=True)
            found = module.run(ctx)
            print(f"   {len(found)} figures in {time.monotonic() - started:.1f}s", flush=True)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        fresh.update(found)
    results.update(fresh)
    for module in [*BENCHES.values(), *LONG.values()]:
        targets.update(module.TARGETS)
    RESULTS.write_text(json.dumps(dict(sorted(results.items())), indent=2) + "\n")
    write_report(results, targets)
    missed = [k for k, (op, t, _) in targets.items() if k in fresh and not check(fresh[k], op, t)]
    for key in sorted(results):
        flag = "  MISSED" if key in missed else "" if key in fresh else "  (kept from an earlier run)"
        print(f"{key:55s} {results[key]:>14,.2f}{flag}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
