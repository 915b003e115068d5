"""Indexer throughput on anvil, and statement latency in a database of a million events."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

from web3 import Web3

from servicecoin.config import load_config
from servicecoin.deploy import deploy_token
from servicecoin.roles import grant_issuer
from servicecoin.index import Indexer, IndexSettings, open_db
from servicecoin.index.events import ZERO
from servicecoin.statement import statement
from servicecoin.token import Reason

TARGETS = {
    "index.events_per_second": (">=", 5_000, "`svc index` over 100,000+ token events generated on anvil (SQLite)"),
    "statement.ms": ("<=", 50, "one customer's statement in an index of 1,000,000 events (median)"),
}
EVENTS = 100_000
BATCH = 800  # recipients per issueBatch (about 22M gas: under the 30M block limit)
DB_EVENTS = 1_000_000


def _addresses(label: str, n: int) -> list[str]:
    return [Web3.to_checksum_address(Web3.keccak(text=f"{label}-{i}")[:20]) for i in range(n)]


def generate(chain, token, operator) -> int:
    """Send issueBatch transactions back to back until EVENTS Transfer events exist; returns events."""
    batches = (EVENTS + BATCH - 1) // BATCH
    first = token.functions.issueBatch(Web3.keccak(text="bench-index-0"), _addresses("ix0", BATCH), [100] * BATCH,
                                       Reason.CAMPAIGN)
    gas = int(first.estimate_gas({"from": operator.address}) * 1.1)
    hashes = []
    for b in range(batches):
        call = token.functions.issueBatch(Web3.keccak(text=f"bench-index-{b}"), _addresses(f"ix{b}", BATCH),
                                          [100 + b % 7] * BATCH, Reason.CAMPAIGN)
        hashes.append(chain.send_raw(chain.build(call, operator, gas=gas), operator))
    for h in hashes:
        receipt = chain.wait(h, timeout=600)
        assert receipt["status"] == 1, "a benchmark batch reverted"
    return batches * (BATCH + 1)


def synthesize(db, events: int, customers: int = 100_000) -> str:
    """Fill `db` with `events` token events as the indexer would write them; returns one customer."""
    rng = random.Random(7)
    genesis = 1_700_000_000
    for key, value in {"chain_id": 1, "token": ZERO, "genesis": genesis, "epoch_length": 30 * 86_400, "validity": 12,
                       "start_block": 1, "cursor": events, "cursor_ts": genesis + events * 12}.items():
        db.set_meta(key, value)
    accts = ["0x%040x" % (0x1000 + i) for i in range(customers)]
    merchant = "0x" + "33" * 20
    issuer = "0x" + "11" * 20
    credits, transfers, lots = [], [], []
    running: dict[tuple[str, int], int] = {}

    def lot(block: int, account: str, epoch: int, delta: int) -> tuple:
        running[(account, epoch)] = running.get((account, epoch), 0) + delta
        return (block, 0, 0, account, epoch, delta, running[(account, epoch)])

    for n in range(events):
        block, ts = n + 1, genesis + n * 12
        a = accts[rng.randrange(customers)]
        epoch = (ts - genesis) // (30 * 86_400)
        tx = "0x%064x" % n
        if n % 4 == 3:  # a payment to the merchant
            transfers.append((block, 0, tx, ts, a, merchant, 1))
            lots.append(lot(block, merchant, -1, 1))
        else:
            amount = rng.randrange(100, 10_000)
            transfers.append((block, 0, tx, ts, ZERO, a, amount))
            credits.append((block, 1, tx, ts, a, issuer, n % 6, amount, amount, tx, None, epoch, 1))
            lots.append(lot(block, a, epoch, amount))
        if len(transfers) >= 50_000:
            _flush(db, credits, transfers, lots)
    _flush(db, credits, transfers, lots)
    return accts[0]


def _flush(db, credits, transfers, lots) -> None:
    with db.transaction():
        db.executemany("INSERT INTO transfers VALUES (?, ?, ?, ?, ?, ?, ?)", transfers)
        db.executemany("INSERT INTO credits VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", credits)
        db.executemany("INSERT INTO lot_changes VALUES (?, ?, ?, ?, ?, ?, ?)", lots)
    credits.clear(), transfers.clear(), lots.clear()


def run(ctx) -> dict:
    chain = ctx.chain
    token = deploy_token(chain, load_config())
    operator = chain.account("operator")
    grant_issuer(chain, token, operator.address, 10**10)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        generated = generate(chain, token, operator)
        print(f"   generated {generated:,} events in {time.monotonic() - started:.1f}s", flush=True)
        db = open_db(str(Path(tmp) / "index.sqlite"), "bench")
        indexer = Indexer(chain, db, IndexSettings(confirmations=0), contracts={"RewardToken": token.address},
                          log=lambda m: None)
        report = indexer.run()
        assert report.events >= EVENTS, report
        assert db.scalar("SELECT SUM(amount) FROM credits") == token.functions.totalIssued().call()
        out["index.events_per_second"] = round(report.events / report.seconds, 1)
        print(f"   indexed {report.events:,} events in {report.seconds:.2f}s", flush=True)
        db.close()

        big = open_db(str(Path(tmp) / "big.sqlite"), "bench")
        started = time.monotonic()
        customer = synthesize(big, DB_EVENTS)
        print(f"   synthesized {DB_EVENTS:,} events in {time.monotonic() - started:.1f}s", flush=True)
        times = []
        for _ in range(21):
            t0 = time.perf_counter()
            s = statement(big, customer)
            times.append((time.perf_counter() - t0) * 1000)
        assert s["history"], "the benchmark customer has no history"
        out["statement.ms"] = round(statistics.median(times), 2)
        big.close()
    return out
