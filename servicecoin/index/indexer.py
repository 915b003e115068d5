"""Chain events → the index database, incrementally, safe against reorgs and crashes.

How it works
  * Logs of the deployed contracts are read with raw `eth_getLogs` calls over block ranges whose
    size adapts to the node: a range grows while answers are small, shrinks when an answer is
    large or the node refuses the range (providers cap ranges and result counts).
  * Each log goes through the decoder registered for its event (`DECODERS`, topic → decoder);
    a decoder turns the log into rows of its tables. RewardToken's decoders also replay the token's
    lot rules so that balances, lots and expiry can be answered from the database.
  * Each range is written in one transaction together with the new cursor (last indexed block),
    so a crash leaves the database at the previous range; a rerun continues from there and gives
    the same database as one clean run.
  * Reorgs: before a range is committed, the parent hash of its first block must equal the hash
    stored for the cursor block. On a mismatch the indexer walks back over the stored headers to
    the newest one still on the canonical chain, deletes every row above it, and re-reads.
    Blocks within `confirmations` of the head are not final; a reorg deeper than that is still
    handled, with a warning.
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from eth_abi import decode as abi_decode
from eth_utils import keccak

from servicecoin.chain import Chain, artifact
from servicecoin.errors import ChainError, ConfigError, ServiceCoinError
from servicecoin.index.db import Database
from servicecoin.servicelog import unpack_info

ZERO = "0x" + "00" * 20
NEVER = -1  # lot epoch of an acceptor's plain balance
REFUND = 7
# Contracts the indexer reads, in deployment order; only those present in the deployment are read.
INDEXED_CONTRACTS = ["RewardToken", "ServiceLog", "RedemptionVault"]


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
class Log:
    """One raw log, decoded: position, contract name, event name and arguments."""

    block: int
    log_index: int
    tx_hash: str
    ts: int
    contract: str
    name: str
    args: dict[str, Any]


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


# =====================================================================================
# Decoding: topic0 → (contract, event, field decoders)
# =====================================================================================

def _word_decoder(typ: str) -> Callable[[str], Any] | None:
    """A decoder for one 32-byte hex word of a static ABI type, or None for dynamic types."""
    if "[" in typ or "(" in typ or typ in ("string", "bytes"):
        return None
    if typ == "address":
        return lambda w: "0x" + w[-40:]
    if typ.startswith("uint"):
        return lambda w: int(w, 16)
    if typ.startswith("int"):
        bits = 256

        def signed(w: str) -> int:
            v = int(w, 16)
            return v - (1 << bits) if v >> (bits - 1) else v

        return signed
    if typ == "bool":
        return lambda w: int(w, 16) != 0
    if typ.startswith("bytes") and typ != "bytes":
        return lambda w: "0x" + w
    return None


@dataclass
class EventAbi:
    contract: str
    name: str
    topic: str
    indexed: list[tuple[str, Callable[[str], Any]]]
    data_names: list[str]
    data_types: list[str]
    data_static: list[Callable[[str], Any]] | None

    def decode(self, topics: list[str], data: str) -> dict[str, Any]:
        args: dict[str, Any] = {}
        for (name, dec), topic in zip(self.indexed, topics[1:]):
            args[name] = dec(topic[2:])
        if self.data_names:
            body = data[2:]
            if self.data_static is not None:
                for i, (name, dec) in enumerate(zip(self.data_names, self.data_static)):
                    args[name] = dec(body[64 * i: 64 * i + 64])
            else:
                values = abi_decode(self.data_types, bytes.fromhex(body))
                for name, typ, value in zip(self.data_names, self.data_types, values):
                    args[name] = _plain_abi(typ, value)
        return args


def _plain_abi(typ: str, value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, (list, tuple)):
        inner = typ[: typ.rindex("[")] if typ.endswith("]") else typ
        return [_plain_abi(inner, v) for v in value]
    if isinstance(value, str) and typ == "address":
        return value.lower()
    return value


def _canonical(inp: dict) -> str:
    if inp["type"].startswith("tuple"):
        inner = ",".join(_canonical(c) for c in inp["components"])
        return f"({inner}){inp['type'][5:]}"
    return inp["type"]


def event_abis(contract: str) -> list[EventAbi]:
    """The events of a contract's ABI (from its build artifact), ready to decode raw logs."""
    found = []
    for item in artifact(contract)["abi"]:
        if item.get("type") != "event" or item.get("anonymous"):
            continue
        sig = f"{item['name']}({','.join(_canonical(i) for i in item['inputs'])})"
        indexed, names, types = [], [], []
        for inp in item["inputs"]:
            typ = _canonical(inp)
            if inp.get("indexed"):
                # Indexed dynamic values are stored as their hash.
                indexed.append((inp["name"], _word_decoder(typ) or (lambda w: "0x" + w)))
            else:
                names.append(inp["name"])
                types.append(typ)
        statics = [_word_decoder(t) for t in types]
        found.append(EventAbi(contract, item["name"], "0x" + keccak(text=sig).hex(), indexed, names, types,
                              statics if all(statics) else None))
    return found


# =====================================================================================
# Replay: rows for every table, and the token's lot rules
# =====================================================================================

Handler = Callable[["Replay", Log], None]
# (contract, event) → handler. Events without a handler go to the generic `events` table.
HANDLERS: dict[tuple[str, str], Handler] = {}


def handles(contract: str, event: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[(contract, event)] = fn
        return fn

    return register


@dataclass
class Replay:
    """The state one indexing range needs, and the rows it produces (written in one transaction)."""

    db: Database
    genesis: int
    epoch_length: int
    validity: int
    acceptors: set[str]
    lots: dict[str, dict[int, int]] = field(default_factory=dict)
    rows: dict[str, list[tuple]] = field(default_factory=dict)
    pending_mints: list[tuple] = field(default_factory=list)  # (log, to, amount, epoch, to_acceptor)
    pending_tx: str = ""
    _seq: dict[tuple[int, int], int] = field(default_factory=dict)

    # columns per table, in insert order
    COLUMNS = {
        "transfers": "block, log_index, tx_hash, ts, sender, recipient, amount",
        "credits": "block, log_index, tx_hash, ts, account, issuer, reason, amount, base_amount, ref, batch_id, epoch, counts_lifetime",
        "batches": "block, log_index, tx_hash, ts, batch_id, issuer, reason, recipients, total",
        "expirations": "block, log_index, tx_hash, ts, account, epoch, amount",
        "lot_changes": "block, log_index, seq, account, epoch, delta",
        "budget_changes": "block, log_index, tx_hash, ts, issuer, allowance, used",
        "acceptor_changes": "block, log_index, tx_hash, ts, account, accepted",
        "tier_changes": "block, log_index, tx_hash, ts, thresholds, multipliers",
        "events": "block, log_index, tx_hash, ts, contract, name, args",
        "service_records": "block, log_index, tx_hash, ts, seq, kind, ticket, customer, agent, commitment, detail, ref, record_ts, head",
        "service_rewards": "block, log_index, tx_hash, ts, seq, ticket, customer, due, paid",
        "vault_items": "block, log_index, tx_hash, ts, item_id, merchant, kind, price, stock, min_tier, metadata_uri, metadata_hash",
        "redemptions": "block, log_index, tx_hash, ts, id, customer, item_id, quantity, points",
        "redemption_outcomes": "block, log_index, tx_hash, ts, id, outcome, merchant, voucher_hash, points",
        "discounts": "block, log_index, tx_hash, ts, customer, order_ref, points, discount, rate",
    }

    def add(self, table: str, row: tuple) -> None:
        self.rows.setdefault(table, []).append(row)

    def epoch_at(self, ts: int) -> int:
        return (ts - self.genesis) // self.epoch_length

    # ------------------------------------------------------------------ lots
    def preload(self, accounts: set[str]) -> None:
        """Load the current lots of `accounts` in a few queries (before a range is replayed)."""
        todo = [a for a in accounts if a not in self.lots]
        for a in todo:
            self.lots[a] = {}
        for i in range(0, len(todo), 500):
            chunk = todo[i: i + 500]
            marks = ",".join("?" * len(chunk))
            for account, epoch, amount in self.db.query(
                f"SELECT account, epoch, SUM(delta) FROM lot_changes WHERE account IN ({marks}) "
                f"GROUP BY account, epoch", chunk):
                if amount:
                    self.lots[account][epoch] = amount

    def _lots(self, account: str) -> dict[int, int]:
        if account not in self.lots:
            self.preload({account})
        return self.lots[account]

    def change_lot(self, log: Log, account: str, epoch: int, delta: int) -> None:
        lots = self._lots(account)
        value = lots.get(epoch, 0) + delta
        if value:
            lots[epoch] = value
        else:
            lots.pop(epoch, None)
        key = (log.block, log.log_index)
        seq = self._seq.get(key, 0)
        self._seq[key] = seq + 1
        self.add("lot_changes", (log.block, log.log_index, seq, account, epoch, delta))

    def take_oldest(self, log: Log, account: str, amount: int) -> list[tuple[int, int]]:
        """Debit `amount` from the account's oldest lots (the token's FIFO); returns (epoch, taken)."""
        lots = self._lots(account)
        taken = []
        for epoch in sorted(e for e in lots if e != NEVER):
            if amount == 0:
                break
            take = min(lots[epoch], amount)
            taken.append((epoch, take))
            amount -= take
        if amount:
            raise ChainError(f"index replay: {account} spends {amount} more than its indexed lots hold "
                             f"(block {log.block}, log {log.log_index}); the index is inconsistent — delete it and reindex")
        for epoch, take in taken:
            self.change_lot(log, account, epoch, -take)
        return taken

    # ------------------------------------------------------------------ transactions
    def begin_log(self, log: Log) -> None:
        if log.tx_hash != self.pending_tx:
            self.pending_mints.clear()
            self.pending_tx = log.tx_hash

    def flush(self) -> None:
        self.pending_mints.clear()
        self.pending_tx = ""


# ---------------------------------------------------------------- RewardToken decoders

@handles("RewardToken", "Transfer")
def _transfer(r: Replay, log: Log) -> None:
    a = log.args
    sender, recipient, value = a["from"], a["to"], a["value"]
    r.add("transfers", (log.block, log.log_index, log.tx_hash, log.ts, sender, recipient, value))
    cur = r.epoch_at(log.ts)
    taken: list[tuple[int, int]] = []
    from_customer = False
    if sender != ZERO:
        if sender in r.acceptors:
            r.change_lot(log, sender, NEVER, -value)
        else:
            from_customer = True
            taken = r.take_oldest(log, sender, value)
    if recipient == ZERO:
        return
    if recipient in r.acceptors:
        r.change_lot(log, recipient, NEVER, value)
    elif from_customer:
        for epoch, amount in taken:  # points moved between customers keep their epochs
            r.change_lot(log, recipient, epoch, amount)
    else:
        r.change_lot(log, recipient, cur, value)
    if sender == ZERO:
        r.pending_mints.append((log, recipient, value, cur, recipient in r.acceptors))


@handles("RewardToken", "Issued")
def _issued(r: Replay, log: Log) -> None:
    a = log.args
    for i in range(len(r.pending_mints) - 1, -1, -1):
        mint, to, amount, epoch, to_acceptor = r.pending_mints[i]
        if to == a["to"] and amount == a["amount"]:
            del r.pending_mints[i]
            break
    else:
        epoch, to_acceptor = r.epoch_at(log.ts), a["to"] in r.acceptors
    counts = int(a["reason"] != REFUND and not to_acceptor)
    r.add("credits", (log.block, log.log_index, log.tx_hash, log.ts, a["to"], a["issuer"], a["reason"], a["amount"],
                      a["baseAmount"], a["ref"], None, epoch, counts))


@handles("RewardToken", "BatchIssued")
def _batch_issued(r: Replay, log: Log) -> None:
    a = log.args
    batch = a["batchId"]
    for mint, to, amount, epoch, to_acceptor in r.pending_mints:
        counts = int(a["reason"] != REFUND and not to_acceptor)
        r.add("credits", (mint.block, mint.log_index, mint.tx_hash, mint.ts, to, a["issuer"], a["reason"], amount,
                          amount, batch, batch, epoch, counts))
    r.pending_mints.clear()
    r.add("batches", (log.block, log.log_index, log.tx_hash, log.ts, batch, a["issuer"], a["reason"],
                      a["recipients"], a["total"]))


@handles("RewardToken", "PointsExpired")
def _points_expired(r: Replay, log: Log) -> None:
    a = log.args
    r.add("expirations", (log.block, log.log_index, log.tx_hash, log.ts, a["account"], a["epoch"], a["amount"]))
    r.change_lot(log, a["account"], a["epoch"], -a["amount"])


@handles("RewardToken", "IssuerBudgetSet")
def _budget_set(r: Replay, log: Log) -> None:
    a = log.args
    r.add("budget_changes", (log.block, log.log_index, log.tx_hash, log.ts, a["issuer"], str(a["allowance"]), str(a["used"])))


@handles("RewardToken", "AcceptorSet")
def _acceptor_set(r: Replay, log: Log) -> None:
    a = log.args
    account, accepted = a["account"], bool(a["accepted"])
    r.add("acceptor_changes", (log.block, log.log_index, log.tx_hash, log.ts, account, int(accepted)))
    if accepted and account not in r.acceptors:
        r.acceptors.add(account)
        # The token sweeps the account (events already replayed) and starts it clean.
        for epoch, amount in list(r._lots(account).items()):
            r.change_lot(log, account, epoch, -amount)
    elif not accepted and account in r.acceptors:
        r.acceptors.discard(account)


@handles("RewardToken", "TiersSet")
def _tiers_set(r: Replay, log: Log) -> None:
    a = log.args
    r.add("tier_changes", (log.block, log.log_index, log.tx_hash, log.ts, json.dumps(a["thresholds"]),
                           json.dumps(a["multipliersBps"])))


# ---------------------------------------------------------------- ServiceLog decoders

@handles("ServiceLog", "Recorded")
def _recorded(r: Replay, log: Log) -> None:
    a = {**log.args, **unpack_info(log.args["info"])}  # seq, timestamp, ref, detail, kind
    r.add("service_records", (log.block, log.log_index, log.tx_hash, log.ts, a["seq"], a["kind"], str(a["ticket"]),
                              a["customer"], a["agent"], a["commitment"], a["detail"], a["ref"], a["timestamp"],
                              a["head"]))


@handles("ServiceLog", "Rewarded")
def _rewarded(r: Replay, log: Log) -> None:
    a = log.args
    r.add("service_rewards", (log.block, log.log_index, log.tx_hash, log.ts, a["seq"], str(a["ticket"]),
                              a["customer"], a["due"], a["paid"]))


# ---------------------------------------------------------------- RedemptionVault decoders

@handles("RedemptionVault", "ItemListed")
def _item_listed(r: Replay, log: Log) -> None:
    a = log.args
    r.add("vault_items", (log.block, log.log_index, log.tx_hash, log.ts, str(a["itemId"]), a["merchant"], a["kind"],
                          a["price"], a["stock"], a["minTier"], a["metadataURI"], a["metadataHash"]))


@handles("RedemptionVault", "Redeemed")
def _redeemed(r: Replay, log: Log) -> None:
    a = log.args
    r.add("redemptions", (log.block, log.log_index, log.tx_hash, log.ts, str(a["id"]), a["customer"], str(a["itemId"]),
                          a["quantity"], a["points"]))


@handles("RedemptionVault", "Fulfilled")
def _fulfilled(r: Replay, log: Log) -> None:
    a = log.args
    r.add("redemption_outcomes", (log.block, log.log_index, log.tx_hash, log.ts, str(a["id"]), "fulfilled",
                                  a["merchant"], a["voucherHash"], 0))


@handles("RedemptionVault", "Refunded")
def _refunded(r: Replay, log: Log) -> None:
    a = log.args
    r.add("redemption_outcomes", (log.block, log.log_index, log.tx_hash, log.ts, str(a["id"]), "refunded",
                                  a["merchant"], None, a["points"]))


@handles("RedemptionVault", "DiscountRedeemed")
def _discount(r: Replay, log: Log) -> None:
    a = log.args
    r.add("discounts", (log.block, log.log_index, log.tx_hash, log.ts, a["customer"], a["orderRef"], a["points"],
                        a["discount"], a["rate"]))


def _generic(r: Replay, log: Log) -> None:
    r.add("events", (log.block, log.log_index, log.tx_hash, log.ts, log.contract, log.name,
                     json.dumps(log.args, default=str, sort_keys=True)))


# =====================================================================================
# The indexer
# =====================================================================================

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
        genesis, epoch_length, validity = self._params
        acceptors = {a for a, in self.db.query(
            "SELECT account FROM acceptor_changes c WHERE accepted = 1 AND NOT EXISTS (SELECT 1 FROM acceptor_changes d "
            "WHERE d.account = c.account AND (d.block > c.block OR (d.block = c.block AND d.log_index > c.log_index)))")}
        replay = Replay(self.db, genesis, epoch_length, validity, acceptors)
        raw.sort(key=lambda l: (int(l["blockNumber"], 16), int(l["logIndex"], 16)))
        logs = []
        touched: set[str] = set()
        for l in raw:
            addr = l["address"].lower()
            topics = l["topics"]
            ev = self.decoders.get((addr, topics[0])) if topics else None
            if ev is None:
                continue
            number = int(l["blockNumber"], 16)
            log = Log(number, int(l["logIndex"], 16), l["transactionHash"], int(headers[number]["timestamp"], 16),
                      ev.contract, ev.name, ev.decode(topics, l["data"]))
            if ev.contract == "RewardToken":
                if ev.name == "Transfer":
                    touched.add(log.args["from"])
                    touched.add(log.args["to"])
                elif ev.name == "PointsExpired":
                    touched.add(log.args["account"])
            logs.append(log)
        replay.preload(touched - {ZERO})
        for log in logs:
            replay.begin_log(log)
            HANDLERS.get((log.contract, log.name), _generic)(replay, log)
        replay.flush()
        with self.db.transaction():
            for table, rows in replay.rows.items():
                cols = Replay.COLUMNS.get(table) or TABLE_COLUMNS[table]
                marks = ",".join("?" * len(rows[0]))
                self.db.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks}) ON CONFLICT DO NOTHING", rows)
            self.db.executemany(
                "INSERT INTO blocks (number, hash, parent_hash, ts) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(n, h["hash"], h["parentHash"], int(h["timestamp"], 16)) for n, h in headers.items()
                 if n in {log.block for log in logs}])
            self.db.set_meta("cursor", end)
            self.db.set_meta("cursor_hash", headers[end]["hash"])
            self.db.set_meta("cursor_ts", int(headers[end]["timestamp"], 16))
        return end, len(logs)

    # ------------------------------------------------------------------ runs
    def run(self, to_block: int | None = None, progress: bool = False) -> Progress:
        """Index everything up to `to_block` (default: the head); returns what was done."""
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
                cursor = new
                report.events += events
                report.ranges += 1
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


# Columns of tables added by other decoders (ServiceLog, RedemptionVault).
TABLE_COLUMNS: dict[str, str] = {}


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
