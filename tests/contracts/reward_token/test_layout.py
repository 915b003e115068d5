"""RewardTokenExt runs on RewardToken's storage by DELEGATECALL: every variable of RewardTokenBase must sit at
the same slot and offset in both (OzLayout mirrors the OpenZeppelin bases for the extension). Compiles with the
project's solc and compares the storage layouts solc reports."""

import json
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def layouts():
    config = yaml.safe_load((ROOT / "brownie-config.yaml").read_text())["compiler"]
    request = {
        "language": "Solidity",
        "sources": {f"contracts/{n}.sol": {"content": (ROOT / "contracts" / f"{n}.sol").read_text()}
                    for n in ("RewardToken", "RewardTokenExt")},
        "settings": {"evmVersion": config["evm_version"], "remappings": config["solc"]["remappings"],
                     "outputSelection": {"*": {"*": ["storageLayout"]}}},
    }
    out = subprocess.run(["node", str(ROOT / "tools" / "solc.mjs"), "--standard-json"], input=json.dumps(request),
                         capture_output=True, text=True, cwd=ROOT, check=True)
    result = json.loads(out.stdout)
    assert not [e for e in result.get("errors", []) if e["severity"] == "error"]
    c = result["contracts"]
    return (c["contracts/RewardToken.sol"]["RewardToken"]["storageLayout"]["storage"],
            c["contracts/RewardTokenExt.sol"]["RewardTokenExt"]["storageLayout"]["storage"])


def test_extension_shares_the_token_storage_layout():
    token, ext = layouts()

    def where(storage):
        return [(v["label"], v["slot"], v["offset"]) for v in storage]

    assert where(token) == where(ext)
    assert [v["label"] for v in ext][-3:] == ["_pendingSeq", "_cancelled", "_migrated"]
