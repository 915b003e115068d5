"""Campaign throughput: 10,000 new holders end to end vs one brownie `issue` tx per recipient.

`campaign.10k.*` time the whole operator path on the bench anvil — validate the CSV, plan, send
(20 batches of 500), wait for receipts, journal, write the report — median of 3 runs, each to
10,000 fresh addresses under a new campaign id. `campaign.naive_1k.seconds` runs 1,000 rows the
way a quick script would: a brownie process attached to the same node, one `token.issue` per row.
Brownie polls for a receipt once a second on a live network, which dominates that figure, so
`campaign.naive_web3_1k.seconds` also times the same loop through plain web3 (our Chain.transact):
the speedup against it is what batching alone buys.
"""

from __future__ import annotations

import csv
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from web3 import Web3

from servicecoin.campaign.journal import Journal
from servicecoin.campaign.plan import load_plan
from servicecoin.campaign.report import build_report, write_report
from servicecoin.campaign.runner import run_campaign
from servicecoin.config import load_config
from servicecoin.deploy import deploy_token
from servicecoin.roles import grant_issuer

TARGETS = {
    "campaign.10k.seconds": ("<=", 60, "10,000 rows → 10,000 new holders, validate to report (median of 3)"),
    "campaign.10k.gas_per_recipient": ("<=", 30_000, "gas of all batch txs / 10,000 recipients"),
    "campaign.naive_1k.seconds": ("info", None, "1,000 rows as one brownie `issue` tx each, brownie on the same node as a live network (for the ratio)"),
    "campaign.speedup_per_recipient": (">=", 20, "naive seconds per recipient ÷ campaign seconds per recipient"),
    "campaign.naive_web3_1k.seconds": ("info", None, "1,000 rows as one `issue` tx each through plain web3 (signed "
                                       "locally, receipt polled every 50 ms): the naive loop without brownie's "
                                       "one-second receipt polling"),
    "campaign.speedup_vs_web3_per_recipient": ("info", None, "web3 naive seconds per recipient ÷ campaign seconds "
                                               "per recipient: what batching alone buys"),
}
ROWS = 10_000
NAIVE_ROWS = 1_000
REPEATS = 3

CAMPAIGN_YAML = """id: {id}
name: Benchmark {id}
network: bench
reason: campaign
budget: 100000000
batch_size: 500
confirmations: 1
tier_multipliers: true
rules:
  purchase: {{points_per_unit: 1, rounding: down}}
"""


def addresses(label: str, n: int) -> list[str]:
    return [Web3.to_checksum_address(Web3.keccak(text=f"{label}-{i}")[:20]) for i in range(n)]


def write_input(folder: Path, label: str, n: int) -> tuple[Path, list[str]]:
    """A campaign file and a CSV of `n` purchases by `n` distinct new customers."""
    people = addresses(label, n)
    csv_path = folder / f"{label}.csv"
    with csv_path.open("w", newline="") as fp:
        out = csv.writer(fp)
        out.writerow(["address", "action", "amount", "ref"])
        for i, a in enumerate(people):
            out.writerow([a, "purchase", f"{10 + i % 90}.{i % 100:02d}", f"{label}-order-{i}"])
    yaml_path = folder / f"{label}.yaml"
    yaml_path.write_text(CAMPAIGN_YAML.format(id=label) + f"input: {csv_path.name}\n")
    return yaml_path, people


def one_campaign(chain, token, folder: Path, label: str) -> tuple[float, int, int]:
    yaml_path, people = write_input(folder, label, ROWS)
    started = time.monotonic()
    plan = load_plan(yaml_path)
    journal = Journal(folder / "journal.sqlite")
    result = run_campaign(chain, plan, journal, token, progress=False)
    write_report(build_report(plan, journal, token.address, "bench", chain.chain_id), folder / label)
    elapsed = time.monotonic() - started
    assert result.complete and result.recipients == ROWS, result
    sample = people[:: ROWS // 10]
    for a in sample:
        assert token.functions.balanceOf(a).call() == plan.allocation(a).points
    return elapsed, result.gas_used, result.recipients


def naive(url: str, token: str, n: int) -> float:
    """Run in a subprocess: brownie attached to the bench node, one `issue` per row."""
    proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_campaign", "naive", url, token, str(n)],
                          capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(f"naive brownie run failed:\n{proc.stdout}\n{proc.stderr}")
    return float(proc.stdout.strip().splitlines()[-1])


def naive_main(url: str, token_address: str, n: int) -> None:
    """Brownie connected to the node at `url` as a live network (as an operator's quick script
    against a real node would be): n `issue` transactions, each signed and confirmed in turn.

    A live network, because on a development network brownie takes a node snapshot after every
    transaction (for chain.undo), which makes each one slower than the last and would flatter
    the ratio."""
    from brownie import Contract, accounts, network, web3
    from brownie._config import CONFIG
    from brownie.exceptions import TransactionError

    from servicecoin.chain import artifact, dev_account

    chain_id = Web3(Web3.HTTPProvider(url)).eth.chain_id
    CONFIG.networks["svc-bench-campaign"] = {
        "id": "svc-bench-campaign", "name": "campaign bench node", "host": url, "chainid": chain_id,
    }
    network.connect("svc-bench-campaign")
    token = Contract.from_abi("RewardToken", token_address, artifact("RewardToken")["abi"], persist=False)
    operator = accounts.add(dev_account(1).key)  # the public test key the bench node funds
    people = addresses("naive", n)
    price = 2 * web3.eth.gas_price
    started = time.monotonic()
    for i, a in enumerate(people):
        try:
            token.issue(a, 1000 + i, 5, Web3.keccak(text=f"naive-order-{i}"),
                        {"from": operator, "gas_price": price, "silent": True})
        except TransactionError as exc:  # brownie sometimes calls a mined tx "dropped" under load
            if "dropped" not in str(exc):
                raise
            web3.eth.wait_for_transaction_receipt(str(exc).split()[-1])
    elapsed = time.monotonic() - started
    assert token.balanceOf(people[-1]) == 1000 + n - 1
    network.disconnect()
    print(elapsed)


def naive_web3(chain, token, n: int) -> float:
    """One `issue` per row through plain web3: gas estimated, signed locally, sent, receipt awaited."""
    operator = chain.account("operator")
    people = addresses("naive-web3", n)
    started = time.monotonic()
    for i, a in enumerate(people):
        chain.transact(token.functions.issue(a, 1000 + i, 5, Web3.keccak(text=f"naive-web3-order-{i}")), operator)
    elapsed = time.monotonic() - started
    assert token.functions.balanceOf(people[-1]).call() == 1000 + n - 1
    return elapsed


def run(ctx) -> dict:
    chain = ctx.chain
    token = deploy_token(chain, load_config())
    grant_issuer(chain, token, chain.account("operator").address, 10**9)
    times, gas = [], []
    with tempfile.TemporaryDirectory(prefix="bench-campaign-") as tmp:
        for i in range(REPEATS):
            elapsed, used, recipients = one_campaign(chain, token, Path(tmp), f"bench-10k-{i}")
            print(f"   run {i}: {elapsed:.2f}s, {used / recipients:,.0f} gas per recipient", flush=True)
            times.append(elapsed)
            gas.append(used / recipients)
    naive_seconds = naive(ctx.url, token.address, NAIVE_ROWS)
    print(f"   naive: {naive_seconds:.2f}s for {NAIVE_ROWS} issue txs", flush=True)
    web3_seconds = naive_web3(chain, token, NAIVE_ROWS)
    print(f"   naive web3: {web3_seconds:.2f}s for {NAIVE_ROWS} issue txs", flush=True)
    seconds = statistics.median(times)
    return {
        "campaign.10k.seconds": round(seconds, 2),
        "campaign.10k.gas_per_recipient": round(statistics.median(gas), 1),
        "campaign.naive_1k.seconds": round(naive_seconds, 2),
        "campaign.speedup_per_recipient": round((naive_seconds / NAIVE_ROWS) / (seconds / ROWS), 1),
        "campaign.naive_web3_1k.seconds": round(web3_seconds, 2),
        "campaign.speedup_vs_web3_per_recipient": round((web3_seconds / NAIVE_ROWS) / (seconds / ROWS), 1),
    }


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "naive":
        naive_main(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit("usage: python -m benchmarks.bench_campaign naive URL TOKEN ROWS")
