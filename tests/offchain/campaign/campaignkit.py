"""Campaign test helpers: campaign files in a temp folder, anvil nodes of our own (ports 8700–8749)
for the crash/restart tests, and `svc` run as a subprocess against them."""

import csv
import itertools
import os
import signal
import subprocess
import sys
from pathlib import Path

from web3 import Web3

from servicecoin.chain import Chain, dev_account
from servicecoin.config import load_config
from servicecoin.deploy import deploy_token, grant_issuer
from servicecoin.localchain import spawn_anvil
from servicecoin.networks import Network

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"
BUDGET_POINTS = 10_000_000
_PORTS = itertools.count(8710)  # our range is 8700–8749

CAMPAIGN = """id: {id}
name: Test campaign {id}
network: development
reason: {reason}
input: {input}
budget: {budget}
batch_size: {batch_size}
confirmations: {confirmations}
tier_multipliers: {tiers}
{cap}rules:
  purchase: {{points_per_unit: 1.5, rounding: {rounding}}}
  survey:   {{points: 50}}
  referral: {{points: 100}}
"""


def people(label: str, n: int) -> list[str]:
    return [Web3.to_checksum_address(Web3.keccak(text=f"{label}-{i}")[:20]) for i in range(n)]


def write_campaign(folder: Path, cid: str, rows: list[tuple], *, reason="campaign", budget=1_000_000, batch_size=500,
                   confirmations=1, tiers="true", cap=None, rounding="down") -> Path:
    """A campaign file and its CSV (rows of address, action, amount, ref) in `folder`."""
    csv_path = folder / f"{cid}.csv"
    with csv_path.open("w", newline="") as fp:
        out = csv.writer(fp)
        out.writerow(["address", "action", "amount", "ref"])
        out.writerows(rows)
    path = folder / f"{cid}.yaml"
    path.write_text(CAMPAIGN.format(id=cid, reason=reason, input=csv_path.name, budget=budget, batch_size=batch_size,
                                    confirmations=confirmations, tiers=tiers, rounding=rounding,
                                    cap=f"cap_per_customer: {cap}\n" if cap is not None else ""))
    return path


def purchases(label: str, n: int, amount: str = "12.34") -> list[tuple]:
    return [(a, "purchase", amount, f"{label}-order-{i}") for i, a in enumerate(people(label, n))]


# ---------------------------------------------------------------------------------------- own nodes
class Node:
    """An anvil of our own on a port in 8700–8749 (optionally with a state file, so it can restart)."""

    def __init__(self, port: int, state: Path | None = None, block_time: int | None = None):
        self.port, self.state, self.block_time = port, state, block_time
        self.url = f"http://127.0.0.1:{port}"
        self.proc = None

    def start(self) -> "Node":
        extra = ["--state", str(self.state)] if self.state else []
        if self.block_time:
            extra += ["--block-time", str(self.block_time)]
        self.proc = spawn_anvil(self.port, *extra)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # anvil writes its state file on SIGTERM
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def chain(self) -> Chain:
        return Chain(Network("own", self.url, True), Web3(Web3.HTTPProvider(self.url)))


def deploy_on(node: Node) -> str:
    chain = node.chain()
    token = deploy_token(chain, load_config())
    grant_issuer(chain, token, chain.account("operator").address, BUDGET_POINTS)
    return token.address


def svc(args: list[str], node: Node, *, fault: str | None = None, wait: bool = True, timeout: float = 120):
    """Run `svc` in a subprocess against `node` as a live-style RPC (URL and key from the environment)."""
    env = {**os.environ, "SVC_RPC_URL": node.url, "SVC_PRIVATE_KEY": "0x" + bytes(dev_account(1).key).hex(),
           "PYTHONUNBUFFERED": "1"}
    env.pop("SVC_CAMPAIGN_FAULT", None)
    if fault:
        env["SVC_CAMPAIGN_FAULT"] = fault
    cmd = [sys.executable, "-c", "from servicecoin.cli import main; main()", *args, "--network", "svc-live"]
    if not wait:
        return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)


def next_port() -> int:
    port = next(_PORTS)
    if port > 8749:
        raise RuntimeError("out of the campaign tests' ports (8700–8749)")
    return port
