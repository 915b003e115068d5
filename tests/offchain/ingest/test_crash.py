"""Exactly once across a kill -9 of `svc agent serve` in the middle of a flush: the subprocess stops at the marker
it prints right after sending a batch (SVC_INGEST_FAULT=after-send), is killed there, and restarted; every
accepted event is then on chain exactly once."""

import os
import re
import queue
import signal
import subprocess
import sys
import threading

from brownie import accounts, web3

from servicecoin.ingest.flusher import FAULT_ENV
from servicecoin.servicelog.events import fetch_records
from servicecoin.servicelog.records import ANCHOR
from tests.offchain.ingest.ingestkit import SECRET, event, post, wait_state


class Proc:
    def __init__(self, args, env):
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(line) for line in self.p.stdout], daemon=True).start()

    def until(self, text: str, timeout: float = 60) -> str:
        seen = []
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no line with {text!r} within {timeout} s; saw: {seen}") from None
            seen.append(line)
            if text in line:
                return line


def start(slog, queue_file, fault: str | None) -> tuple[Proc, int]:
    env = {**os.environ, "SVC_INGEST_SECRET": SECRET.decode(), "PYTHONUNBUFFERED": "1"}
    env.pop(FAULT_ENV, None)
    if fault:
        env[FAULT_ENV] = fault
    proc = Proc([sys.executable, "-c", "from servicecoin.cli import main; main()", "agent", "serve", "--network", "development", "--port", "0",
                 "--log", slog.address, "--queue", str(queue_file)], env)
    line = proc.until("agent serving")
    return proc, int(line.split("http://127.0.0.1:")[1].split("/")[0])


def test_kill_9_mid_flush_then_restart_puts_every_accepted_event_on_chain_once(slog, svc_chain, queue_file, admin):
    log = web3.eth.contract(address=slog.address, abi=slog.abi)
    role = log.functions.AGENT_ROLE().call()
    if not log.functions.hasRole(role, accounts[2].address).call():  # the CLI's local agent key
        log.functions.grantRole(role, accounts[2].address).transact({"from": admin.address})
    t = 1_700_001_000
    sent = [event("k-open", 900, "opened", t)] + [event(f"k-{i}", 900, "reply", t + i) for i in range(1, 6)]
    proc, port = start(slog, queue_file, "after-send")
    try:
        for e in sent:
            assert post(port, e)[0] == 202
        proc.until("flush: sent 0x")
    finally:
        proc.p.send_signal(signal.SIGKILL)
        proc.p.wait(30)
    proc, port = start(slog, queue_file, None)
    try:
        found, of = re.search(r"recovered: (\d+) of (\d+)", proc.until("recovered:")).groups()
        assert found == of != "0"  # the batch killed after sending was mined: recognised, not sent again
        assert post(port, sent[2])[2]["duplicate"] is True  # a redelivery after the crash
        late = event("k-9", 900, "resolved", t + 9)
        assert post(port, late)[0] == 202
        for e in sent + [late]:
            wait_state(port, e["id"], "confirmed", timeout=60)
    finally:
        proc.p.send_signal(signal.SIGINT)
        proc.p.wait(30)
    records = [r for r in fetch_records(svc_chain, slog) if r.form != ANCHOR and r.ticket == 900]
    assert [r.time for r in records] == [t, t + 1, t + 2, t + 3, t + 4, t + 5, t + 9]
    assert len({r.commitment for r in records}) == 7
