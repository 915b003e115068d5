"""Static analysis of our contracts with Slither; fails on any high/medium finding or any new one.

    python security/run_slither.py            # human summary, exit 1 on a failure
    python security/run_slither.py --json     # the counts as JSON (benchmarks/bench_security.py)

Slither runs from its own venv (.venv-slither, security/requirements-slither.txt; `make slither`
creates it) with `--compile-force-framework brownie` over a brownie build of contracts/*.sol and
interfaces/ only (not contracts/peers or contracts/test, not node_modules).

Why the build is written here rather than by `brownie compile`: brownie stores an artifact per
contract it compiled, but not for every imported source unit (OpenZeppelin's IERC1271.sol, imported
by SignatureChecker, has none), and Slither then stops with "IERC1271.sol does not exist". So this
script compiles the same sources with the project's solc and settings (brownie-config.yaml) in one
standard-JSON run and writes a brownie-format artifact for every contract of every source unit, all
with AST ids from that one run, then lets Slither read them (`--ignore-compile`).

Slither's settings live in slither.config.json at the repository root (as OpenZeppelin keeps
one): the false-positive classes excluded for every contract, each with its reason under
"_reasons" (Slither ignores keys it does not know). Every other high or medium finding fails the
run: a real one is fixed; a reviewed one is silenced where it is, with Slither's
`// slither-disable-next-line <check> — reason` (at most a handful, each short).

Low/informational findings we keep are in security/slither-triage.json, each with a reason about
that function, keyed by check, contract, function and a hash of the finding's source lines (see
`key_of`): a finding not listed there fails the run, so a new finding of an already-triaged check
in the same function fails too. A triage entry no finding matches any more is reported as stale
(it does not fail); `--print-keys` prints the keys of the current findings.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SLITHER = ROOT / ".venv-slither" / "bin" / "slither"
SOLC = ROOT / ".solcx" / "solc-v0.8.29"
TRIAGE = ROOT / "security" / "slither-triage.json"
CONFIG = ROOT / "slither.config.json"
EXCLUDED = ("peers", "test")  # folders of contracts/ that are not ours to ship
FAILING = {"High", "Medium"}


def sources() -> dict[str, dict]:
    files = sorted(p for p in (ROOT / "contracts").glob("*.sol")) + sorted((ROOT / "interfaces").glob("*.sol"))
    return {str(p.relative_to(ROOT)): {"content": p.read_text()} for p in files}


def compile_build(work: Path) -> None:
    """Compile our sources once and write build/contracts/<Name>.json as brownie would (plus every import)."""
    config = yaml.safe_load((ROOT / "brownie-config.yaml").read_text())["compiler"]
    request = {
        "language": "Solidity",
        "sources": sources(),
        "settings": {
            "evmVersion": config["evm_version"],
            "optimizer": {"enabled": True, "runs": config["solc"]["optimizer"]["runs"]},
            "remappings": config["solc"]["remappings"],
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.bytecode.sourceMap",
                                            "evm.deployedBytecode.object", "evm.deployedBytecode.sourceMap"],
                                      "": ["ast"]}},
        },
    }
    run = subprocess.run([str(SOLC), "--standard-json", "--allow-paths", str(ROOT)], input=json.dumps(request),
                         capture_output=True, text=True, cwd=ROOT)
    out = json.loads(run.stdout)
    errors = [e for e in out.get("errors", []) if e["severity"] == "error"]
    if errors:
        raise SystemExit("compilation failed:\n" + "\n".join(e["formattedMessage"] for e in errors))
    build = work / "build" / "contracts"
    build.mkdir(parents=True)
    version = subprocess.run([str(SOLC), "--version"], capture_output=True, text=True).stdout.split("Version:")[-1]
    seen: Counter = Counter()
    for path, unit in out["sources"].items():
        contracts = out.get("contracts", {}).get(path, {}) or {Path(path).stem: {}}
        for name, data in contracts.items():
            seen[name] += 1
            file_name = name if seen[name] == 1 else f"{name}__{seen[name]}"
            evm = data.get("evm", {})
            artifact = {
                "contractName": name, "sourcePath": path, "ast": unit["ast"], "abi": data.get("abi", []),
                "bytecode": evm.get("bytecode", {}).get("object", ""),
                "deployedBytecode": evm.get("deployedBytecode", {}).get("object", ""),
                "sourceMap": evm.get("bytecode", {}).get("sourceMap", ""),
                "deployedSourceMap": evm.get("deployedBytecode", {}).get("sourceMap", ""),
                "compiler": {"version": version.strip(), "optimize": True, "runs": 200,
                             "evm_version": config["evm_version"]},
            }
            (build / f"{file_name}.json").write_text(json.dumps(artifact))


def run_slither(work: Path) -> dict:
    for name in ("contracts", "interfaces"):
        shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns(*EXCLUDED))
    shutil.copy(ROOT / "brownie-config.yaml", work / "brownie-config.yaml")
    os.symlink(ROOT / "node_modules", work / "node_modules")
    compile_build(work)
    report = work / "slither.json"
    env = {**os.environ, "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}"}
    run = subprocess.run([str(SLITHER), ".", "--config-file", str(CONFIG), "--compile-force-framework", "brownie",
                          "--ignore-compile", "--json", str(report)],
                         cwd=work, capture_output=True, text=True, env=env)
    if not report.exists():
        raise SystemExit(f"slither did not run:\n{run.stderr[-3000:]}")
    data = json.loads(report.read_text())
    if not data.get("success"):
        raise SystemExit(f"slither failed: {data.get('error')}")
    return data


# Reads `length` bytes at `start` of a file named relative to the repository root.
SourceReader = Callable[[str, int, int], str]
CONTAINERS = ("contract", "function")  # elements that enclose a finding rather than show it


def read_source(path: str, start: int, length: int) -> str:
    return (ROOT / path).read_bytes()[start:start + length].decode("utf-8", "replace")


def scope_of(finding: dict) -> str:
    """check:Contract.function (or check:Contract, or check:file) of a finding's first element."""
    contract = function = None
    for el in finding.get("elements", []):
        parent = el.get("type_specific_fields", {}).get("parent", {})
        if el["type"] == "function":
            function = el["name"]
            contract = parent.get("name")
        elif el["type"] in ("node", "variable", "event", "modifier") and parent.get("type") == "function":
            function = parent["name"]
            contract = parent.get("type_specific_fields", {}).get("parent", {}).get("name")
        elif el["type"] == "contract":
            contract = el["name"]
        elif parent.get("type") == "contract":
            contract = parent["name"]
        if contract:
            break
    if contract is None:
        first = (finding.get("elements") or [{}])[0]
        contract = Path(first.get("source_mapping", {}).get("filename_relative", "?")).name
    return f"{finding['check']}:{contract}" + (f".{function}" if function else "")


def source_hash(finding: dict, read: SourceReader = read_source) -> str:
    """Hash of the source lines a finding points at, whitespace normalized.

    Those are its elements other than the enclosing contract or function (the flagged statements,
    variables, events); a finding about a whole function (naming, complexity) hashes its first line.
    """
    elements = [el for el in finding.get("elements", []) if el.get("source_mapping")]
    shown = [el for el in elements if el["type"] not in CONTAINERS]
    texts = []
    for el in shown or elements[:1]:
        sm = el["source_mapping"]
        text = read(sm["filename_relative"], sm["start"], sm["length"])
        texts.append(" ".join((text if shown else text.split("\n")[0]).split()))
    return hashlib.sha256("\n".join(sorted(texts)).encode()).hexdigest()[:12]


def key_of(finding: dict, read: SourceReader = read_source) -> str:
    """check:Contract.function#hash: a finding's triage key (see `scope_of` and `source_hash`)."""
    return f"{scope_of(finding)}#{source_hash(finding, read)}"


def evaluate(data: dict, triage: dict, read: SourceReader = read_source) -> dict:
    findings = data.get("results", {}).get("detectors", [])
    counts = Counter(f["impact"] for f in findings)
    failing, untriaged, matched, triaged = [], [], set(), 0
    for f in findings:
        key = key_of(f, read)
        summary = f"{f['impact']:13} {key}: {f['description'].strip().splitlines()[0]}"
        if f["impact"] in FAILING:  # never triaged away: fixed, excluded as a class, or silenced in the code
            failing.append(summary)
        elif key in triage:
            matched.add(key)
            triaged += 1
        else:
            untriaged.append(summary)
    return {
        "high": counts.get("High", 0), "medium": counts.get("Medium", 0), "low": counts.get("Low", 0),
        "informational": counts.get("Informational", 0), "optimization": counts.get("Optimization", 0),
        "high_medium_raw": counts.get("High", 0) + counts.get("Medium", 0),
        "high_medium": len(failing),
        "triaged": triaged,
        "untriaged": len(untriaged), "failing": failing, "new": untriaged,
        "stale_triage": sorted(set(triage) - matched),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    parser.add_argument("--keep", help="also write slither's own JSON report here")
    parser.add_argument("--print-keys", action="store_true", help="print every finding's triage key")
    args = parser.parse_args(argv)
    if not SLITHER.exists():
        print(f"{SLITHER} is missing: run 'make slither' (creates .venv-slither)", file=sys.stderr)
        return 2
    triage = {k: v for k, v in json.loads(TRIAGE.read_text()).items() if not k.startswith("_")}
    with tempfile.TemporaryDirectory(prefix="svc-slither-") as tmp:
        data = run_slither(Path(tmp))
    if args.keep:
        Path(args.keep).write_text(json.dumps(data, indent=1))
    result = evaluate(data, triage)
    if args.print_keys:
        for f in data.get("results", {}).get("detectors", []):
            print(f"{f['impact']:13} {key_of(f)}")
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"slither: {result['high']} high, {result['medium']} medium, {result['low']} low, "
              f"{result['informational']} informational, {result['optimization']} optimization; "
              f"{result['triaged']} triaged, {result['untriaged']} new")
        for line in result["failing"]:
            print(f"  FAIL (high/medium) {line}")
        for line in result["new"]:
            print(f"  NEW (not in security/slither-triage.json) {line}")
        for key in result["stale_triage"]:
            print(f"  note: triage entry {key} matches no finding any more")
    return 1 if result["failing"] or result["new"] else 0


if __name__ == "__main__":
    sys.exit(main())
