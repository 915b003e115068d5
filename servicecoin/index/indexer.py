"""The indexing loop: chain events → the index database, incrementally, safe against reorgs and crashes.

How it works
  * Logs of the deployed contracts are read with raw `eth_getLogs` calls over block ranges whose
    size adapts to the node: a range grows while answers are small, shrinks when an answer is
    large or the node refuses the range (providers cap ranges and result counts). The next range
    is read in a thread while this one is decoded and written.
  * Each log is decoded by its contract's event ABI (`events.py`: address and topic → `EventAbi`)
    and replayed into rows of its tables (`replay.py`: one handler per event; RewardToken's also
    replay the token's lot rules so that balances, lots and expiry can be answered from the database).
  * Each range is written in one transaction together with the new cursor (last indexed block),
    so a crash leaves the database at the previous range; a rerun continues from there and gives
    the same database as one clean run. `run(on_range=…)` reports every committed range.
  * Reorgs: before a range is committed, the parent hash of its first block must equal the hash
    stored for the cursor block. On a mismatch the indexer walks back over the stored headers to
    the newest one still on the canonical chain, deletes every row above it, and re-reads.
    Blocks within `confirmations` of the head are not final; a reorg deeper than that is still
    handled, with a warning.
"""

from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

from servicecoin.chain import Chain
from servicecoin.errors import ChainError, ConfigError, ServiceCoinError
from servicecoin.index.db import Database
from servicecoin.index.events import EventAbi, Log, event_abis
from servicecoin.index import replay_v2  # noqa: F401  (registers the handlers of the issue-14 events)
from servicecoin.index.replay import Replay
from servicecoin.index.token_inputs import attach_token_inputs, legacy_decoders
from servicecoin.servicelog.events import packed_input

# Contracts the indexer reads, in deployment order; only those present in the deployment are read.
INDEXED_CONTRACTS = ["RewardToken", "ServiceLog", "RedemptionVault", "Settlement"]


class ReorgDetected(ServiceCoinError):
    """The chain under the index changed; the indexer rolls back (internal signal)."""


@dataclass
class IndexSettings:
    confirmations: int = 12
    max_range: int = 5_000
    start_range: int = 500
    target_logs: int = 10_000
    poll_seconds: float = 2.0


@dataclass
class Progress:
    start: int
    cursor: int
    head: int
    events: int = 0
    ranges: int = 0
    reorgs: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {"from_block": self.start, "cursor": self.cursor, "head": self.head, "events": self.events,
                "ranges": self.ranges, "reorgs": self.reorgs, "seconds": round(self.seconds, 3),
                "events_per_second": round(self.events / self.seconds, 1) if self.seconds > 0 else None}


class Indexer:
    """Reads the deployed contracts' events into `db`."""

    def __init__(self, chain: Chain, db: Database, settings: IndexSettings | None = None,
                 contracts: dict[str, str] | None = None, log: Callable[[str], None] | None = None):
        self.chain = chain
        self.db = db
        self.settings = settings or IndexSettings()
        self.say = log or (lambda msg: print(msg, file=sys.stderr))
        if contracts is None:
            deployed = chain.deployment()["contracts"]
            contracts = {name: deployed[name] for name in INDEXED_CONTRACTS if name in deployed}
        if "RewardToken" not in contracts:
            raise ConfigError("deployment: no RewardToken address to index")
        self.contracts = {name: addr.lower() for name, addr in contracts.items()}
        self.by_address = {addr: name for name, addr in self.contracts.items()}
        self.decoders: dict[tuple[str, str], EventAbi] = {}
        for name, addr in self.contracts.items():
            for ev in event_abis(name):
                self.decoders[(addr, ev.topic)] = ev
        for ev in legacy_decoders():  # an old-layout token's events that the current ABI no longer has
            self.decoders.setdefault((self.contracts["RewardToken"], ev.topic), ev)
        self._range = self.settings.start_range
        self._params: tuple[int, int, int] | None = None

    # ------------------------------------------------------------------ rpc
    def _rpc(self, method: str, params: list) -> Any:
        response = self.chain.w3.provider.make_request(method, params)
        if "error" in response:
            raise ChainError(f"{method}: {response['error'].get('message', response['error'])}")
        return response["result"]

    def _headers(self, numbers: list[int]) -> dict[int, dict]:
        """Block headers by number, in one batch request where the provider supports it."""
        if not numbers:
            return {}
        calls = [("eth_getBlockByNumber", [hex(n), False]) for n in numbers]
        results: list[Any]
        try:
            batch = self.chain.w3.provider.make_batch_request(calls)
            if isinstance(batch, dict):  # the node refused the batch as a whole
                raise ChainError(str(batch.get("error")))
            results = [item.get("result") for item in sorted(batch, key=lambda x: int(x.get("id", 0)))]
            if len(results) != len(numbers) or any(r is None for r in results):
                raise ChainError("incomplete batch")
        except Exception:
            results = [self._rpc(m, p) for m, p in calls]
        out = {}
        for n, header in zip(numbers, results):
            if header is None:
                raise ReorgDetected(f"block {n} disappeared")
            out[n] = header
        return out

    def head(self) -> int:
        return int(self._rpc("eth_blockNumber", []), 16)

    # ------------------------------------------------------------------ setup
    def prepare(self) -> int:
        """Check the database belongs to this chain and these contracts; return the cursor."""
        chain_id = str(self.chain.chain_id)
        token = self.contracts["RewardToken"]
        known = self.db.meta("token")
        if known is not None and (known != token or self.db.meta("chain_id") != chain_id):
            raise ConfigError(f"index database {self.db.url}: it indexes token {known} on chain "
                              f"{self.db.meta('chain_id')}, not {token} on chain {chain_id}; use another --db")
        if known is None:
            contract = self.chain.contract("RewardToken", token)
            start = self._deployment_block(token)
            with self.db.transaction():
                self.db.set_meta("chain_id", chain_id)
                self.db.set_meta("token", token)
                self.db.set_meta("genesis", contract.functions.genesis().call())
                self.db.set_meta("epoch_length", contract.functions.epochLength().call())
                self.db.set_meta("validity", contract.functions.validityEpochs().call())
                self.db.set_meta("start_block", start)
                self.db.set_meta("cursor", start - 1)
        for name, addr in self.contracts.items():
            if self.db.meta(f"contract.{name}") != addr:
                self._add_contract(name, addr)
        self._params = (int(self.db.meta("genesis")), int(self.db.meta("epoch_length")), int(self.db.meta("validity")))
        return int(self.db.meta("cursor"))

    def _add_contract(self, name: str, addr: str) -> None:
        """A contract deployed after indexing began is read from its own deployment block on."""
        cursor = int(self.db.meta("cursor"))
        start = self._deployment_block(addr)
        with self.db.transaction():
            if start <= cursor and name != "RewardToken":
                # Re-read from where the new contract starts (rows are keyed by position: the
                # token's own rows in that span are deleted and read again identically).
                self.db.rollback_to(start - 1)
                self.db.set_meta("cursor", start - 1)
                self.db.set_meta("cursor_hash", "")
            self.db.set_meta(f"contract.{name}", addr)

    def _deployment_block(self, address: str) -> int:
        """The block a contract was deployed in (binary search on its code)."""
        head = self.head()
        if self._rpc("eth_getCode", [address, hex(head)]) in ("0x", "0x0", None):
            raise ConfigError(f"deployment: no contract code at {address} on chain {self.chain.chain_id}")
        lo, hi = 0, head
        while lo < hi:
            mid = (lo + hi) // 2
            try:
                code = self._rpc("eth_getCode", [address, hex(mid)])
            except ChainError:  # pruned state: give up the search, start from genesis
                return 0
            if code in ("0x", "0x0", None):
                lo = mid + 1
            else:
                hi = mid
        return lo

    # ------------------------------------------------------------------ reorgs
    def _check_cursor(self, cursor: int) -> int:
        """Roll back to the newest stored block still canonical if the cursor block was replaced."""
        stored = self.db.meta("cursor_hash")
        if not stored:
            return cursor
        try:
            if self._headers([cursor])[cursor]["hash"] == stored:
                return cursor
        except ReorgDetected:  # the cursor block is gone: the chain is shorter now
            pass
        self.say(f"reorg: indexed block {cursor} is no longer on the chain; rolling back")
        return self._rollback(cursor)

    def _rollback(self, cursor: int) -> int:
        head = self.head()
        ancestor, ancestor_hash = int(self.db.meta("start_block")) - 1, ""
        for number, hash_ in self.db.query("SELECT number, hash FROM blocks WHERE number <= ? ORDER BY number DESC",
                                           (cursor,)):
            if number > head:
                continue
            if self._headers([number])[number]["hash"] == hash_:
                ancestor, ancestor_hash = number, hash_
                break
        if ancestor < head - self.settings.confirmations:
            self.say(f"warning: reorg deeper than {self.settings.confirmations} confirmations "
                     f"(back to block {ancestor}); re-indexing from there")
        with self.db.transaction():
            self.db.rollback_to(ancestor)
            self.db.set_meta("cursor", ancestor)
            self.db.set_meta("cursor_hash", ancestor_hash)
        return ancestor

    # ------------------------------------------------------------------ one range
    def _get_logs(self, start: int, end: int) -> list[dict]:
        return self._rpc("eth_getLogs", [{"fromBlock": hex(start), "toBlock": hex(end),
                                          "address": list(self.contracts.values())}])

    def _fetch(self, start: int, head: int) -> tuple[int, list[dict]]:
        """Logs of the next range, its size adapted to the node's limits and answer sizes."""
        while True:
            end = min(head, start + self._range - 1)
            try:
                logs = self._get_logs(start, end)
            except (ChainError, OSError, ValueError) as exc:
                if self._range <= 1:
                    raise ChainError(f"eth_getLogs of block {start} failed: {exc}") from None
                self._range = max(1, self._range // 2)
                continue
            n = len(logs)
            if n > 2 * self.settings.target_logs and end > start:
                # Too big an answer: keep it, but ask for smaller ranges from now on.
                self._range = max(1, int(self._range * self.settings.target_logs / n))
            elif n < self.settings.target_logs // 4:
                self._range = min(self.settings.max_range, self._range * 2)
            return end, logs

    def read_range(self, start: int, head: int) -> tuple[int, int, list[dict], list[int], dict[int, dict]]:
        """The logs and headers of the next range from `start` (network only: runs ahead in a thread)."""
        end, raw = self._fetch(start, head)
        numbers = sorted({int(l["blockNumber"], 16) for l in raw} | {start, end})
        return start, end, raw, numbers, self._headers(numbers)

    def _packed_inputs(self, logs: list[Log]) -> None:
        """Packed service records sent by an agent key are in the transaction input, not the event: read them."""
        for log in logs:
            if log.contract == "ServiceLog" and log.name == "BatchRecorded" and str(log.args["records"]) in ("", "0x"):
                tx_input = bytes(self.chain.w3.eth.get_transaction(log.tx_hash)["input"])
                log.args["records"] = "0x" + packed_input(tx_input).hex()

    def index_range(self, cursor: int, head: int, read: tuple | None = None) -> tuple[int, int]:
        """Index (cursor, end]; returns (new cursor, events). Raises ReorgDetected on a parent mismatch."""
        start, end, raw, numbers, headers = read if read is not None else self.read_range(cursor + 1, head)
        if start != cursor + 1:
            raise ReorgDetected(f"range read from {start} does not follow block {cursor}")
        stored = self.db.meta("cursor_hash")
        if stored and headers[start]["parentHash"] != stored:
            raise ReorgDetected(f"block {start}'s parent is not the indexed block {cursor}")
        for l in raw:
            if l.get("removed") or headers[int(l["blockNumber"], 16)]["hash"] != l["blockHash"]:
                raise ReorgDetected(f"log of block {int(l['blockNumber'], 16)} is not on the chain read")
        for n in range(1, len(numbers)):  # headers read one by one must be one chain where adjacent
            a, b = numbers[n - 1], numbers[n]
            if b == a + 1 and headers[b]["parentHash"] != headers[a]["hash"]:
                raise ReorgDetected(f"block {b} changed while reading")
        logs = []
        raw.sort(key=lambda l: (int(l["blockNumber"], 16), int(l["logIndex"], 16)))
        for l in raw:
            topics = l["topics"]
            ev = self.decoders.get((l["address"].lower(), topics[0])) if topics else None
            if ev is None:
                continue
            number = int(l["blockNumber"], 16)
            logs.append(Log(number, int(l["logIndex"], 16), l["transactionHash"], int(headers[number]["timestamp"], 16),
                            ev.contract, ev.name, ev.decode(topics, l["data"])))
        self._packed_inputs(logs)
        attach_token_inputs(self.chain, logs, self.contracts["RewardToken"])
        replay = Replay.for_range(self.db, *self._params)
        replay.apply(logs)
        with_events = {log.block for log in logs}
        with self.db.transaction():
            replay.write()
            self.db.executemany(
                "INSERT INTO blocks (number, hash, parent_hash, ts) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(n, h["hash"], h["parentHash"], int(h["timestamp"], 16)) for n, h in headers.items()
                 if n in with_events])
            self.db.set_meta("cursor", end)
            self.db.set_meta("cursor_hash", headers[end]["hash"])
            self.db.set_meta("cursor_ts", int(headers[end]["timestamp"], 16))
        return end, len(logs)

    # ------------------------------------------------------------------ runs
    def run(self, to_block: int | None = None, progress: bool = False,
            on_range: Callable[[Progress], None] | None = None) -> Progress:
        """Index everything up to `to_block` (default: the head); returns what was done.

        `on_range(progress)` is called after each range is committed (or rolled back by a reorg),
        with `progress.cursor` the block the database now holds: a run can be watched part way."""
        started = time.monotonic()
        cursor = self.prepare()
        head = self.head() if to_block is None else to_block
        report = Progress(cursor + 1, cursor, head)
        bar = None
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-read")
        if progress and head - cursor > 1:
            from tqdm import tqdm

            bar = tqdm(total=head - cursor, unit="block", desc="indexing", file=sys.stderr, leave=False)
        try:
            checked = self._check_cursor(cursor)
            if checked != cursor:
                report.reorgs += 1
                if bar is not None:
                    bar.update(checked - cursor)
            cursor = checked
            ahead = None  # the next range, read by a thread while this one is decoded and written
            while cursor < head:
                try:
                    read = ahead.result() if ahead is not None else self.read_range(cursor + 1, head)
                    ahead = pool.submit(self.read_range, read[1] + 1, head) if read[1] < head else None
                    new, events = self.index_range(cursor, head, read)
                except ReorgDetected as exc:
                    if ahead is not None:
                        ahead.cancel()
                        ahead = None
                    report.reorgs += 1
                    self.say(f"reorg: {exc}; rolling back")
                    new = self._rollback(cursor)
                    events = 0
                    head = self.head() if to_block is None else min(to_block, self.head())
                if bar is not None:
                    bar.update(max(0, new - cursor))
                cursor = report.cursor = new
                report.events += events
                report.ranges += 1
                if on_range is not None:
                    on_range(report)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            if bar is not None:
                bar.close()
        report.cursor = cursor
        report.head = head
        report.seconds = time.monotonic() - started
        return report

    def follow(self, on_progress: Callable[[Progress], None] | None = None, stop: Callable[[], bool] | None = None,
               progress: bool = False) -> None:
        """Keep the index up to date with new blocks until `stop()` is true (or Ctrl-C)."""
        first = True
        while not (stop and stop()):
            report = self.run(progress=progress and first)
            first = False
            if on_progress and (report.events or report.reorgs):
                on_progress(report)
            time.sleep(self.settings.poll_seconds)


def settings_from_config(config: dict | None, network_local: bool) -> IndexSettings:
    """Indexer settings from servicecoin.yaml's `index:` section (local chains need no confirmations)."""
    section = (config or {}).get("index", {}) or {}
    s = IndexSettings()
    s.confirmations = int(section.get("confirmations_local" if network_local else "confirmations",
                                      0 if network_local else s.confirmations))
    s.max_range = int(section.get("max_range", s.max_range))
    s.target_logs = int(section.get("target_logs", s.target_logs))
    s.poll_seconds = float(section.get("poll_seconds", s.poll_seconds))
    return s

