"""Compile Solidity files with the project's pinned solc and settings, printing errors only.

    python tools/solcheck.py path/to/A.sol [more.sol …]

Used to check a contract before it goes into contracts/ (brownie compiles the whole folder).
"""

import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def main(paths: list[str]) -> int:
    config = yaml.safe_load((ROOT / "brownie-config.yaml").read_text())["compiler"]
    sources = {str(Path(p).resolve().relative_to(ROOT) if Path(p).resolve().is_relative_to(ROOT) else Path(p).resolve()):
               {"content": Path(p).read_text()} for p in paths}
    request = {
        "language": "Solidity",
        "sources": sources,
        "settings": {
            "evmVersion": config["evm_version"],
            "optimizer": {"enabled": True, "runs": config["solc"]["optimizer"]["runs"]},
            "remappings": config["solc"]["remappings"],
            "outputSelection": {"*": {"*": ["evm.bytecode.object"]}},
        },
    }
    out = subprocess.run(["node", str(ROOT / "tools" / "solc.mjs"), "--standard-json"], input=json.dumps(request),
                         capture_output=True, text=True, cwd=ROOT)
    result = json.loads(out.stdout)
    errors = [e for e in result.get("errors", []) if e["severity"] == "error"]
    for e in result.get("errors", []):
        if e["severity"] == "error" or "--warnings" in sys.argv:
            print(e["formattedMessage"])
    if not errors:
        for src, contracts in result.get("contracts", {}).items():
            for name, c in contracts.items():
                size = len(c["evm"]["bytecode"]["object"]) // 2
                print(f"ok {src}:{name} ({size:,} bytes)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main([a for a in sys.argv[1:] if not a.startswith("--")]))
