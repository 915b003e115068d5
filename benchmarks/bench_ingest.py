"""Help-desk ingestion under load (issue 18): `svc agent serve --no-flusher` and `svc agent flush`, each in a process of its own, on a fresh anvil,
fed by a bounded async client (CONCURRENCY connections, keep-alive, signed generic events in a ticket lifecycle
mix: opened, reply, reply, resolved).

    ingest.records_per_second   events acknowledged AND confirmed on chain / seconds from the first request to
                                the last confirmation, over SECONDS of sustained load (SVC_BENCH_INGEST_SECONDS)
    ingest.p99_ack_ms           99th percentile of the time from sending a request to its 202

    SVC_BENCH_PORT=8562 python -m benchmarks.run ingest

SVC_BENCH_INGEST_QUEUE=postgresql://… runs it on a PostgreSQL queue (an empty database) instead of a SQLite file.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_log import _deploy_log
from servicecoin.ingest import auth
from servicecoin.ingest.backend import connect

TARGETS = {
    "ingest.records_per_second": (">=", 1_000, "events acknowledged and confirmed on chain per second, 60 s of load"),
    "ingest.p99_ack_ms": ("<=", 50, "99th percentile of the time to the 202 answer, in ms"),
    "ingest.max_batch_gas": ("<=", 16_777_216, "gas of the largest batch (receipt), under the per-transaction cap"),
}
SECONDS = float(os.environ.get("SVC_BENCH_INGEST_SECONDS", "60"))
CONCURRENCY = 8
SECRET = b"bench-secret-0123456789abcdef"
KINDS = ("opened", "reply", "reply", "resolved")
SERVER = """
import sys, threading
from servicecoin.ingest.flusher import FlushSettings, Flusher
from servicecoin.chain import Chain
from servicecoin.contentstore import ContentStore
from servicecoin.ingest.service import Service
from servicecoin.ingest.settings import AgentSettings
from servicecoin.networks import Network
from servicecoin.servicelog.records import log_contract
from web3 import Web3
url, log, folder, secret, role, queue = sys.argv[1:7]
chain = Chain(Network("bench", url, True), Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 120})))
s = AgentSettings(flush_every_s=1.0, flush_records=1000, reorder_s=0.5, hold_s=600, max_queue=10**7)
store = lambda: ContentStore(folder + "/content.sqlite")
if role == "flusher":
    f = Flusher(chain, log_contract(chain, log), store, queue,
                FlushSettings(s.flush_every_s, s.flush_records, s.hold_s, s.reorder_s), say=lambda m: None)
    print("flushing", flush=True)
    f.run(threading.Event())
svc = Service(chain, log_contract(chain, log), store, queue, s, secret.encode(), port=0,
              say=lambda m: None, flusher=False)
print("port", svc.server_address[1], flush=True)
svc.serve_forever()
"""


async def _client(port: int, todo: asyncio.Queue, acks: list[float], stop_at: float) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.monotonic() < stop_at:
            body = await todo.get()
            ts = str(int(time.time()))
            head = (f"POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\nX-Signature-Timestamp: {ts}\r\n"
                    f"X-Signature: {auth.sign(SECRET, ts, body)}\r\n\r\n").encode()
            started = time.perf_counter()
            writer.write(head + body)
            await writer.drain()
            status = await reader.readline()
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            if b" 202 " not in status:
                raise RuntimeError(f"the service answered {status!r}")
            acks.append(time.perf_counter() - started)
    finally:
        writer.close()


def _events(start_ticket: int):
    ticket, now = start_ticket, int(time.time())
    while True:
        for i, kind in enumerate(KINDS):
            yield json.dumps({"id": f"b{ticket}-{i}", "ticket": ticket, "kind": kind, "customer": "0x" + f"{ticket:040x}",
                              "text": f"{kind} of ticket {ticket}", "time": now + i}).encode()
        ticket += 1


async def _load(port: int) -> list[float]:
    acks: list[float] = []
    todo: asyncio.Queue = asyncio.Queue(maxsize=CONCURRENCY * 4)
    stop_at = time.monotonic() + SECONDS
    events = _events(1)

    async def feed():
        while time.monotonic() < stop_at:
            await todo.put(next(events))

    feeder = asyncio.create_task(feed())
    await asyncio.gather(*(_client(port, todo, acks, stop_at) for _ in range(CONCURRENCY)))
    feeder.cancel()
    return acks


def run(ctx) -> dict:
    _, log, _ = _deploy_log(ctx.chain)
    folder = tempfile.mkdtemp(prefix="svc-ingest-bench-")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    queue = os.environ.get("SVC_BENCH_INGEST_QUEUE") or f"{folder}/queue.sqlite"
    procs = [subprocess.Popen([sys.executable, "-c", SERVER, ctx.url, log.address, folder, SECRET.decode(), role, queue],
                              stdout=subprocess.PIPE, text=True, env=env) for role in ("server", "flusher")]
    try:
        port = int(procs[0].stdout.readline().split()[1])
        procs[1].stdout.readline()
        started = time.monotonic()
        acks = asyncio.run(_load(port))
        db = connect(queue)
        deadline = time.monotonic() + 600
        while db.execute("SELECT COUNT(*) FROM events WHERE state != 'confirmed'").fetchone()[0]:
            if time.monotonic() > deadline:
                raise RuntimeError("the accepted events were not all confirmed within 10 minutes")
            time.sleep(0.1)
        elapsed = time.monotonic() - started
        confirmed = db.execute("SELECT COUNT(*) FROM events WHERE state = 'confirmed'").fetchone()[0]
        txs = [row[0] for row in db.execute("SELECT DISTINCT tx FROM events")]
        max_gas = max(ctx.chain.w3.eth.get_transaction_receipt(tx)["gasUsed"] for tx in txs)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(30)
    acks.sort()
    return {"ingest.records_per_second": round(confirmed / elapsed, 1),
            "ingest.p99_ack_ms": round(acks[int(len(acks) * 0.99) - 1] * 1000, 2),
            "ingest.events": confirmed, "ingest.batches": len(txs), "ingest.max_batch_gas": max_gas}
