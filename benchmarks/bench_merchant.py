"""Merchants at scale: a merchant with 250,000 history rows, built on anvil and read by the indexer.

BulkPayer test contracts (customer accounts, PAYERS of them) pay the merchant one raw point at a time,
hundreds of payments per transaction, so the chain holds 250,000 real Transfer events to the merchant
from many customers; `svc index` reads them like any others (no direct inserts). Measured: the merchant's first statement page (median
of 21), and one indexer range with a new payment on top of the 250,000 rows (median of 5)."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from servicecoin.config import load_config
from servicecoin.deploy import deploy_token
from servicecoin.index import Indexer, IndexSettings, open_db
from servicecoin.roles import grant_issuer
from servicecoin.statement import statement
from servicecoin.token import Reason

TARGETS = {
    "statement.acceptor_250k.ms": ("<=", 50, "a merchant's first statement page, 250,000 history rows (median)"),
    "index.acceptor_250k_range.ms": ("<=", 50, "one indexer range paying that merchant again (median)"),
}
ROWS = 250_000
PER_TX = 500  # payments per BulkPayer.pay transaction (gas measured below, kept under 16,777,216)
PAYERS = 250  # customers (each pays ROWS / PAYERS times)
MAX_GAS = 16_777_216


def build(chain, token, merchant) -> list:
    """ROWS payments to `merchant` from PAYERS BulkPayers, sent back to back; returns the payers."""
    operator, admin = chain.account("operator"), chain.account("deployer")
    payers = [chain.contract("BulkPayer", chain.deploy("BulkPayer")[0]) for _ in range(PAYERS)]
    each = ROWS // PAYERS
    hashes = [chain.send_raw(chain.build(token.functions.issue(p.address, each + 100, Reason.PURCHASE, b"\0" * 32),
                                         operator), operator) for p in payers]
    for h in hashes:
        assert chain.wait(h, timeout=900)["status"] == 1
    gas = int(payers[0].functions.pay(token.address, merchant, 1, PER_TX).estimate_gas({"from": admin.address}) * 1.1)
    assert gas < MAX_GAS, f"{PER_TX} payments take {gas:,} gas"
    hashes = []
    for p in payers:
        for start in range(0, each, PER_TX):
            call = p.functions.pay(token.address, merchant, 1, min(PER_TX, each - start))
            hashes.append(chain.send_raw(chain.build(call, admin, gas=gas), admin))
    for h in hashes:
        assert chain.wait(h, timeout=900)["status"] == 1, "a benchmark payment batch reverted"
    return payers


def index(chain, token, path: str):
    db = open_db(path, "bench")
    indexer = Indexer(chain, db, IndexSettings(confirmations=0), contracts={"RewardToken": token.address},
                      log=lambda m: None)
    return db, indexer, indexer.run()


def run(ctx) -> dict:
    chain = ctx.chain
    token = deploy_token(chain, load_config())
    grant_issuer(chain, token, chain.account("operator").address, 10**10)
    merchant = chain.account("merchant").address
    chain.transact(token.functions.setAcceptor(merchant, True), chain.account("deployer"))
    started = time.monotonic()
    payers = build(chain, token, merchant)
    print(f"   paid the merchant {ROWS:,} times in {time.monotonic() - started:.1f}s", flush=True)
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        db, indexer, report = index(chain, token, str(Path(tmp) / "index.sqlite"))
        print(f"   indexed {report.events:,} events in {report.seconds:.1f}s", flush=True)
        rows = db.scalar("SELECT COUNT(*) FROM transfers WHERE recipient = ?", (merchant.lower(),))
        assert rows == ROWS, rows
        times = []
        for _ in range(21):
            t0 = time.perf_counter()
            s = statement(db, merchant)
            times.append((time.perf_counter() - t0) * 1000)
        assert len(s["history"]) == 100 and s["history_page"]["more"] and s["balance"] == ROWS
        out["statement.acceptor_250k.ms"] = round(statistics.median(times), 2)
        ranges = []
        for payer in payers[:5]:
            chain.transact(payer.functions.pay(token.address, merchant, 1, 1), chain.account("deployer"))
            t0 = time.perf_counter()
            indexer.run()
            ranges.append((time.perf_counter() - t0) * 1000)
        out["index.acceptor_250k_range.ms"] = round(statistics.median(ranges), 2)
        assert db.scalar("SELECT COUNT(*) FROM transfers WHERE recipient = ?", (merchant.lower(),)) == ROWS + 5
        db.close()
    return out
