"""Campaign test helpers: campaign files in a temp folder, anvil nodes of our own (ports 8700–8749)
for the crash/restart tests, and `svc` run as a subprocess against them (with its output followed
line by line, and its fault points: SVC_CAMPAIGN_FAULT)."""

import csv
import itertools
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from web3 import Web3

from servicecoin.chain import Chain, dev_account
from servicecoin.config import load_config
from servicecoin.deploy import deploy_token
from servicecoin.roles import grant_issuer
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
    """A campaign file and its CSV (rows of address, action, amount, ref[, reason]) in `folder`."""
    csv_path = folder / f"{cid}.csv"
    with csv_path.open("w", newline="") as fp:
        out = csv.writer(fp)
        out.writerow(["address", "action", "amount", "ref", "reason"][:5 if any(len(r) > 4 for r in rows) else 4])
        out.writerows(rows)
    path = folder / f"{cid}.yaml"
    path.write_text(CAMPAIGN.format(id=cid, reason=reason, input=csv_path.name, budget=budget, batch_size=batch_size,
                                    confirmations=confirmations, tiers=tiers, rounding=rounding,
                                    cap=f"cap_per_customer: {cap}\n" if cap is not None else ""))
    return path


def purchases(label: str, n: int, amount: str = "12.34") -> list[tuple]:
    return [(a, "purchase", amount, f"{label}-order-{i}") for i, a in enumerate(people(label, n))]


def mixed_reasons(label: str, n: int) -> list[tuple]:
    """Rows that carry their own reason: a purchase for each of `n` people, a referral for every second
    one and a survey under the campaign's reason for every third (people paid for two or three reasons)."""
    who = people(label, n)
    return ([(a, "purchase", "12.34", f"{label}-order-{i}", "purchase") for i, a in enumerate(who)]
            + [(a, "referral", "", f"{label}-ref-{i}", "referral") for i, a in enumerate(who) if i % 2 == 0]
            + [(a, "survey", "", f"{label}-survey-{i}", "") for i, a in enumerate(who) if i % 3 == 0])


def expected_balances(plan) -> dict[str, int]:
    """Address → base points the plan pays it, all reasons together."""
    out: dict[str, int] = {}
    for alloc in plan.allocations:
        out[alloc.address] = out.get(alloc.address, 0) + alloc.points
    return out


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


class Output:
    """What a running `svc` (svc(..., wait=False)) prints, read by threads so that its pipes never fill:
    stdout line by line (to wait for a line that says the run got somewhere) and stderr."""

    def __init__(self, proc: subprocess.Popen):
        self.lines: queue.Queue = queue.Queue()
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._threads = [threading.Thread(target=self._read, args=(proc.stdout, self.stdout, True), daemon=True),
                         threading.Thread(target=self._read, args=(proc.stderr, self.stderr, False), daemon=True)]
        for thread in self._threads:
            thread.start()

    def _read(self, pipe, into: list, announce: bool) -> None:
        for line in pipe:
            into.append(line)
            if announce:
                self.lines.put(line)
        if announce:
            self.lines.put(None)  # end of output

    def wait_for(self, text: str, timeout: float = 120) -> str:
        """The first stdout line from now on that contains `text` (fails when the output ends first)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                raise AssertionError(f"svc ended without printing {text!r}: {''.join(self.stderr)[-2000:]}")
            if text in line:
                return line
        raise AssertionError(f"svc printed no {text!r} within {timeout}s")

    def close(self) -> None:
        for thread in self._threads:
            thread.join(timeout=30)


def wait_until_stopped(proc: subprocess.Popen, timeout: float = 120) -> None:
    """Wait until `proc` stops itself at its fault point (SVC_CAMPAIGN_FAULT "<point>:<batch>:stop")."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid, status = os.waitpid(proc.pid, os.WUNTRACED | os.WNOHANG)
        if pid:
            assert os.WIFSTOPPED(status), f"svc ended (wait status {status}) before its stop point"
            return
        time.sleep(0.05)
    raise AssertionError(f"svc did not reach its stop point within {timeout}s")


def next_port() -> int:
    port = next(_PORTS)
    if port > 8749:
        raise RuntimeError("out of the campaign tests' ports (8700–8749)")
    return port
