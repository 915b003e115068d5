"""Accessibility of the customer page: axe-core on every page state the browser tests reach.

- web.axe_violations: serious or critical axe-core violations (WCAG 2.0–2.2 A/AA and best practices),
  counted once per rule and page state, over every state of tests/e2e/ux.test.mjs at 1280×800 and
  390×844 (no wallet, first visit, loading on a slow node, the account, the account menu, a failing
  node, a stale page, wrong network, a redemption signing / locked / done / confirmed, a relay that does
  not answer and its retry, a request pending across a reload, explorer links).
- web.axe_states: how many page states were scanned (so a run that stopped early cannot pass).

It runs the same scan as the browser tests (`brownie test tests/e2e/test_browser.py`, which starts its own
anvil, deploys, seeds and serves the page), with SVC_AXE_REPORT naming a fresh file the scan appends to;
`make test` sets no such file and writes nothing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATES_PER_SIZE = 16
SERIOUS = {"serious", "critical"}

TARGETS = {
    "web.axe_violations": ("<=", 0, "serious/critical axe-core violations on the customer page, every state at "
                           "1280×800 and 390×844 (tests/e2e/ux.test.mjs)"),
    "web.axe_states": (">=", 2 * STATES_PER_SIZE, "page states scanned by axe-core"),
    "web.axe_minor": ("info", None, "moderate/minor axe-core findings over the same states"),
}


def scan() -> list[dict]:
    """Run the page-state browser tests with the axe report on; one {state, violations} per scan."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "axe.jsonl"
        env = {**os.environ, "SVC_AXE_REPORT": str(report), "SVC_E2E_FILES": "ux.test.mjs"}
        brownie = Path(sys.executable).with_name("brownie")
        run = subprocess.run([str(brownie), "test", "tests/e2e/test_browser.py", "-k", "browser_suite",
                              "-p", "no:cacheprovider"], cwd=ROOT, env=env, capture_output=True, text=True)
        summary = [line.strip("= ") for line in run.stdout.splitlines() if line.startswith("=") and " in " in line]
        print(f"   browser tests (ux.test.mjs): {summary[-1] if summary else 'no summary'}", flush=True)
        if run.returncode != 0:
            print(run.stdout[-3000:], run.stderr[-2000:], sep="\n", file=sys.stderr)
        if not report.exists():
            return []
        return [json.loads(line) for line in report.read_text().splitlines() if line.strip()]


def figures(scans: list[dict]) -> dict:
    serious = sum(1 for s in scans for v in s["violations"] if v["impact"] in SERIOUS)
    minor = sum(1 for s in scans for v in s["violations"] if v["impact"] not in SERIOUS)
    return {"web.axe_violations": serious, "web.axe_states": len(scans), "web.axe_minor": minor}


def run(ctx) -> dict:
    """The figures; `ctx`'s chain is not used: the browser tests start their own."""
    found = figures(scan())
    print(f"   axe-core: {found['web.axe_violations']} serious/critical violations over {found['web.axe_states']} states",
          flush=True)
    return found
