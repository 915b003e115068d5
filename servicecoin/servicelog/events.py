"""Reading the service log from the chain: single records (`Recorded`), packed batches (`BatchRecorded`) and
anchored batches (`Anchored`), all three in one eth_getLogs per block range, decoded here without the ABI
codec (an audit of 100,000 records spends its time on the node, not in decoding); the records one
transaction appended; one record with its text (`show`).

A packed batch sent by an agent key leaves its records in the transaction input, not in the event: they
are read with eth_getTransactionByHash (batched JSON-RPC requests) and decoded as the `appendPacked` call.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Callable

from eth_utils import keccak
from web3 import Web3

from servicecoin.chain import LOG_CHUNK, Chain
from servicecoin.contentstore import ContentStore
from servicecoin.errors import ServiceCoinError
from servicecoin.loginfo import unpack_info
from servicecoin.servicelog.packed import RECORD_SIZE, Channel, unpack
from servicecoin.servicelog.records import (ANCHOR, PACKED, STATUS, ZERO32, Kind, Outcome, Record, held_text,
                                            log_contract)

RECORDED = keccak(text="Recorded(uint256,address,address,bytes32,uint256,bytes24)")
BATCH_RECORDED = keccak(text="BatchRecorded(uint64,uint64,address,uint64,bytes24,bytes)")
APPEND_PACKED = keccak(text="appendPacked(bytes)")[:4]
INPUT_FETCHERS = 4  # eth_getTransactionByHash batches in flight
INPUT_BATCH = 50  # transactions a batch
ANCHORED = keccak(text="Anchored(uint64,uint64,address,uint64,bytes32,bytes24)")
TOPICS = [RECORDED, BATCH_RECORDED, ANCHORED]
NO_ADDRESS = "0x" + "00" * 20


try:  # cchecksum (installed with brownie) is the C version of to_checksum_address
    from cchecksum import to_checksum_address as _checksum
except ImportError:  # pragma: no cover
    _checksum = Web3.to_checksum_address


@lru_cache(maxsize=1 << 16)
def _address(raw: bytes) -> str:
    return _checksum(raw)


def _int(b: bytes) -> int:
    return int.from_bytes(b, "big")


def decode_log(log, tx_input: bytes | None = None) -> list[Record]:
    """The records one raw log of the service log holds (none for its other events). A packed batch whose
    records are in its transaction's input needs that input (`tx_input`); without it the batch decodes to
    no records (`needs_input` says which logs those are)."""
    topics = [bytes(t) for t in log["topics"]]
    if not topics:
        return []
    data = bytes(log["data"])
    block, tx = int(log["blockNumber"]), "0x" + bytes(log["transactionHash"]).hex()
    if topics[0] == RECORDED:
        return [Record(ticket=_int(topics[1]), customer=_address(topics[2][12:]), agent=_address(data[12:32]),
                       commitment=data[32:64], head=data[96:120], block=block, tx=tx, **unpack_info(_int(data[64:96])))]
    if topics[0] == BATCH_RECORDED:
        first, count, agent, ts, head = (_int(data[0:32]), _int(data[32:64]), _address(data[76:96]), _int(data[96:128]),
                                         data[128:152])
        size = _int(data[192:224])
        raw = data[224:224 + size] if size else packed_input(tx_input) if tx_input is not None else b""
        return packed_records(raw, first, count, agent, ts, head, block, tx)
    if topics[0] == ANCHORED:
        return [Record(_int(data[0:32]), 0, 0, NO_ADDRESS, _address(data[76:96]), ZERO32, 0, 0, _int(data[96:128]),
                       data[160:184], block, tx, ANCHOR, count=_int(data[32:64]), root=data[128:160])]
    return []


def needs_input(log) -> bool:
    """Whether `log` is a packed batch whose records are in its transaction's input."""
    topics = log["topics"]
    return bool(topics) and bytes(topics[0]) == BATCH_RECORDED and _int(bytes(log["data"])[192:224]) == 0


def packed_input(tx_input: bytes) -> bytes:
    """The records of an `appendPacked(bytes)` call from its input (b"" for any other call)."""
    if tx_input[:4] != APPEND_PACKED or len(tx_input) < 68:
        return b""
    at = 4 + _int(tx_input[4:36])
    size = _int(tx_input[at:at + 32])
    return tx_input[at + 32:at + 32 + size]


def packed_records(raw: bytes, first: int, count: int, agent: str, ts: int, head: bytes, block: int,
                   tx: str) -> list[Record]:
    """The records of a packed batch. Records that cannot be read (an input that is not the batch) come out
    as placeholders with a wrong head, so that verification names the batch."""
    if len(raw) != count * RECORD_SIZE:
        return [Record(first + i, 0, 0, NO_ADDRESS, agent, ZERO32, 0, 0, ts, b"\xff" * 24 if i == count - 1 else b"",
                       block, tx, PACKED) for i in range(count)]
    out = []
    last = len(raw) - RECORD_SIZE
    for i, at in enumerate(range(0, len(raw), RECORD_SIZE)):
        kind, channel, detail, ticket, customer, commitment, ref, time = unpack(raw[at:at + RECORD_SIZE])
        out.append(Record(first + i, kind, ticket, _address(customer), agent, commitment, detail, ref, ts,
                          head if at == last else b"", block, tx, PACKED, channel, time))
    return out


def _inputs(chain: Chain, logs: list) -> dict[bytes, bytes]:
    """Transaction hash → input, for the logs whose records are in their transaction's input: JSON-RPC batches
    of INPUT_BATCH requests, several in flight (one request each where the node refuses batches)."""
    hashes = list({bytes(raw["transactionHash"]) for raw in logs if needs_input(raw)})
    if not hashes:
        return {}
    chunks = [hashes[i:i + INPUT_BATCH] for i in range(0, len(hashes), INPUT_BATCH)]
    with ThreadPoolExecutor(INPUT_FETCHERS) as pool:
        return {h: i for found in pool.map(lambda c: _input_batch(chain, c), chunks) for h, i in found.items()}


def _input_batch(chain: Chain, hashes: list[bytes]) -> dict[bytes, bytes]:
    provider = chain.w3.provider
    try:
        answers = provider.make_batch_request([("eth_getTransactionByHash", ["0x" + h.hex()]) for h in hashes])
        txs = [a["result"] for a in sorted(answers, key=lambda a: int(a["id"]))]
        if len(txs) != len(hashes) or any(t is None for t in txs):
            raise ValueError("incomplete batch")
    except Exception:  # no batches here: one request each
        txs = [provider.make_request("eth_getTransactionByHash", ["0x" + h.hex()])["result"] for h in hashes]
    return {h: bytes.fromhex(str(t["input"])[2:]) for h, t in zip(hashes, txs)}


def start_block(chain: Chain, log) -> int:
    """Where the log's events start: its `deploymentBlock()` (logs before that view: the deployment file)."""
    try:
        return int(log.functions.deploymentBlock().call())
    except Exception:  # a log deployed before the view existed
        return chain.deployment_block(log.address)


def fetch_records(chain: Chain, log, from_block: int | None = None, to_block: int | None = None,
                  progress: Callable[[int, int], None] | None = None) -> list[Record]:
    """Every record of `log` (by default since its deployment) in sequence order: single, packed, and one
    ANCHOR item per anchored batch. `progress(done_blocks, total_blocks)` after each eth_getLogs."""
    start = start_block(chain, log) if from_block is None else from_block
    end = chain.w3.eth.block_number if to_block is None else to_block
    out: list[Record] = []
    for lo in range(start, end + 1, LOG_CHUNK):
        hi = min(lo + LOG_CHUNK - 1, end)
        logs = chain.w3.eth.get_logs({"address": log.address, "fromBlock": lo, "toBlock": hi,
                                      "topics": [["0x" + t.hex() for t in TOPICS]]})
        inputs = _inputs(chain, logs)
        for raw in logs:
            out.extend(decode_log(raw, inputs.get(bytes(raw["transactionHash"]))))
        if progress:
            progress(hi - start + 1, end - start + 1)
    out.sort(key=lambda r: r.seq)
    return out


def receipt_records(w3: Web3, log_address: str, receipt) -> list[Record]:
    """The records a mined transaction appended to the log at `log_address`."""
    mine = [raw for raw in receipt["logs"] if raw["address"].lower() == log_address.lower()]
    tx_input = bytes(w3.eth.get_transaction(receipt["transactionHash"])["input"]) \
        if any(needs_input(raw) for raw in mine) else None
    return [r for raw in mine for r in decode_log(raw, tx_input)]


def ticket_seqs(chain: Chain, log, ticket: int, records: list[Record] | None = None) -> set[int]:
    """Sequence numbers of the records of `ticket` on chain (packed records cannot be filtered by topic,
    so every record is read once; pass `records` to reuse a read)."""
    records = fetch_records(chain, log) if records is None else records
    return {r.seq for r in records if r.ticket == int(ticket) and r.form != ANCHOR}


def show(chain: Chain, seq: int, store: ContentStore | None = None, log=None) -> dict:
    """Record `seq` with its text and whether the text still matches the commitment."""
    log = log or log_contract(chain)
    count = log.functions.count().call()
    if not 1 <= seq <= count:
        raise ServiceCoinError(f"log {log.address}: no record {seq} (the log has {count})")
    found = [r for r in fetch_records(chain, log) if r.seq <= seq <= r.last_seq]
    if not found:
        raise ServiceCoinError(f"log {log.address}: record {seq} has no event in the node's history")
    record = found[0]
    if record.form == ANCHOR:
        raise ServiceCoinError(f"log {log.address}: record {seq} is anchored (batch #{record.seq}–#{record.last_seq}, "
                               f"root 0x{record.root.hex()}): the record itself is off chain; see its receipt")
    data = record.to_json()
    for key in ("root", "proof", "index", "count"):
        data.pop(key, None)
    if record.form == PACKED:
        data["channel"] = Channel(record.channel).name.lower().replace("_", "-")
    if record.kind == Kind.FOLLOWUP:
        data["outcome"] = Outcome(record.detail).name.lower().replace("_", "-")
    if record.kind == Kind.FEEDBACK:
        data["rating"] = record.detail
    data.update(held_text(record, store.get(log.address, seq) if store else None))
    customer, status, feedback, bonus = log.functions.ticketOf(record.ticket).call()
    data["ticket_status"] = STATUS[status]
    data["ticket_feedback_given"] = feedback
    return data
