"""Anchored mode: records stay off chain, each batch puts one Merkle root on chain (`anchor`), and every record
gets an inclusion receipt that anyone checks from chain data alone (`check_receipt`).

Only kinds that pay no reward and change no ticket state may be anchored (the contract sees only the root):
replies, complaints, amendments, and follow-ups that are not satisfied. A batch is kept as one JSON file
(`<first>-<last>.json` in the folder given): the records, the root, the transaction and its block. A
receipt is one record of it with its proof.
"""

from __future__ import annotations

import json
from pathlib import Path

from web3 import Web3

from servicecoin.account import checksum
from servicecoin.chain import Chain
from servicecoin.contentstore import ContentStore
from servicecoin.errors import ConfigError
from servicecoin.servicelog import merkle
from servicecoin.servicelog.agent import Entry, check_amendments, commit_text
from servicecoin.servicelog.events import ANCHORED as ANCHORED_TOPIC
from servicecoin.servicelog.events import decode_log
from servicecoin.servicelog.packed import unpack
from servicecoin.servicelog.records import ANCHORED, Kind, Outcome, Record, log_contract

RECEIPT_VERSION = 1
ANCHORABLE = {Kind.REPLY, Kind.COMPLAINT, Kind.AMENDMENT, Kind.FOLLOWUP}


def anchorable(e: Entry) -> bool:
    return e.kind in ANCHORABLE and not (e.kind == Kind.FOLLOWUP and e.detail == Outcome.SATISFIED)


def anchor_records(chain: Chain, entries: list[Entry], store: ContentStore, folder: Path, sender="agent",
                   log=None) -> dict:
    """Put `entries` under one Merkle root on chain; their texts go to `store`, the batch to `folder`."""
    log = log or log_contract(chain)
    if not entries:
        raise ConfigError("an anchored batch needs at least one record")
    for i, e in enumerate(entries):
        e.customer = checksum(e.customer)
        if not anchorable(e):
            raise ConfigError(f"{e.where or f'record {i + 1}'}: a {Kind(e.kind).name.lower()} record cannot be "
                              "anchored (it pays a reward or changes ticket state): append it packed")
    check_amendments(chain, log, entries)
    packed = [e.packed(commit_text(store, log.address, e.text, e.customer)) for e in entries]
    root = merkle.root([merkle.leaf(p) for p in packed])
    receipt = chain.transact(log.functions.anchor(root, len(packed)), sender)
    [anchor] = [r for raw in receipt["logs"] if raw["address"].lower() == log.address.lower()
                and bytes(raw["topics"][0]) == ANCHORED_TOPIC for r in decode_log(raw)]
    for i, p in enumerate(packed):
        store.assign(log.address, p[29:61], anchor.seq + i)
    batch = {"version": RECEIPT_VERSION, "log": log.address, "chain_id": chain.chain_id, "first_seq": anchor.seq,
             "count": len(packed), "root": "0x" + root.hex(), "agent": anchor.agent, "timestamp": anchor.timestamp,
             "tx": anchor.tx, "block": anchor.block, "block_hash": "0x" + bytes(receipt["blockHash"]).hex(),
             "records": ["0x" + p.hex() for p in packed]}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{anchor.seq}-{anchor.last_seq}.json").write_text(json.dumps(batch, indent=1) + "\n")
    return batch


def receipt_of(batch: dict, seq: int) -> dict:
    """The inclusion receipt of record `seq` of an anchored `batch`: the record, its proof, the root, tx and block."""
    index = seq - batch["first_seq"]
    if not 0 <= index < batch["count"]:
        raise ConfigError(f"record {seq} is not in anchored batch #{batch['first_seq']}–"
                          f"#{batch['first_seq'] + batch['count'] - 1}")
    packed = [bytes.fromhex(p[2:]) for p in batch["records"]]
    tree = merkle.levels([merkle.leaf(p) for p in packed])
    record = _record(packed[index], seq, batch)
    return {"version": RECEIPT_VERSION, "log": batch["log"], "chain_id": batch["chain_id"], "seq": seq,
            "record": {k: v for k, v in record.to_json().items() if k not in ("proof", "root", "head", "count", "index")},
            "packed": "0x" + packed[index].hex(), "index": index, "count": batch["count"], "first_seq": batch["first_seq"],
            "proof": ["0x" + h.hex() for h in merkle.proof(tree, index)], "root": batch["root"], "tx": batch["tx"],
            "block": batch["block"], "block_hash": batch["block_hash"]}


def anchored_dir(network: str) -> Path:
    """Where `svc log anchor` keeps the anchored batches of `network`: .servicecoin/<network>/anchored/."""
    from servicecoin.paths import data_dir

    return data_dir(network) / "anchored"


def _batches(folder: Path | None) -> list[Path]:
    """The batch files in `folder` (none when there is no such folder), in record order."""
    if folder is None or not folder.is_dir():
        return []
    return sorted(folder.glob("*-*.json"), key=lambda p: tuple(int(x) for x in p.stem.split("-")))


def customer_receipts(folder: Path | None, customer: str, log: str | None = None, chain_id: int | None = None) -> list[dict]:
    """The inclusion receipts of every anchored record of `customer` in the batches kept in `folder`, in record
    order; only batches of the log at `log` on chain `chain_id` when those are given."""
    who = bytes.fromhex(checksum(customer)[2:])
    found = []
    for path in _batches(folder):
        batch = json.loads(path.read_text())
        if (log and batch["log"].lower() != log.lower()) or (chain_id is not None and batch["chain_id"] != chain_id):
            continue
        for i, p in enumerate(batch["records"]):
            if unpack(bytes.fromhex(p[2:]))[4] == who:
                found.append(receipt_of(batch, batch["first_seq"] + i))
    return found


def find_receipt(folder: Path, seq: int) -> dict:
    """The receipt of anchored record `seq` from the batches kept in `folder`."""
    for path in _batches(folder):
        first, last = (int(x) for x in path.stem.split("-"))
        if first <= seq <= last:
            return receipt_of(json.loads(path.read_text()), seq)
    raise ConfigError(f"{folder}: no anchored batch holds record {seq}")


def _record(packed: bytes, seq: int, batch: dict) -> Record:
    kind, channel, detail, ticket, customer, commitment, ref, time = unpack(packed)
    return Record(seq, kind, ticket, Web3.to_checksum_address(customer), batch.get("agent", ""), commitment, detail,
                  ref, batch.get("timestamp", 0), b"", batch["block"], batch["tx"], ANCHORED, channel, time,
                  root=bytes.fromhex(batch["root"][2:]))


def receipt_record(receipt: dict) -> Record:
    """A receipt as an ANCHORED record (for `verify`, which checks its proof against the root on chain)."""
    r = _record(bytes.fromhex(receipt["packed"][2:]), int(receipt["seq"]), receipt)
    r.proof = [bytes.fromhex(h[2:]) for h in receipt["proof"]]
    r.index = int(receipt["index"])
    return r


def check_receipt(w3: Web3, receipt: dict) -> list[str]:
    """Check an inclusion receipt from chain data alone; the list of what is wrong (empty: it holds).

    The transaction must be mined in the block the receipt names and carry the log's `Anchored` event with
    the receipt's root and range; the record's fields must be the packed bytes; the proof must lead from
    them to the root; the record's number must be its place in the batch."""
    try:
        seq, index, count, first = (int(receipt[k]) for k in ("seq", "index", "count", "first_seq"))
        packed = bytes.fromhex(receipt["packed"][2:])
        proof = [bytes.fromhex(h[2:]) for h in receipt["proof"]]
        root = bytes.fromhex(receipt["root"][2:])
        log_address = Web3.to_checksum_address(receipt["log"])
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        return [f"not an inclusion receipt: {exc!r}"]
    problems = []
    tx = w3.eth.get_transaction_receipt(receipt["tx"])
    if int(tx["blockNumber"]) != int(receipt["block"]) or "0x" + bytes(tx["blockHash"]).hex() != receipt["block_hash"]:
        problems.append(f"tx {receipt['tx']} is in block {tx['blockNumber']} (0x{bytes(tx['blockHash']).hex()}), "
                        f"not block {receipt['block']} {receipt['block_hash']}")
    anchors = [r for raw in tx["logs"] if raw["address"] == log_address and raw["topics"]
               and bytes(raw["topics"][0]) == ANCHORED_TOPIC for r in decode_log(raw)]
    if not anchors:
        return problems + [f"tx {receipt['tx']} anchored nothing in log {log_address}"]
    anchor = anchors[0]
    if anchor.root != root:
        problems.append(f"root {receipt['root']} differs from the root on chain 0x{anchor.root.hex()}")
    if (anchor.seq, anchor.count) != (first, count):
        problems.append(f"batch #{first}–#{first + count - 1} differs from the batch on chain "
                        f"#{anchor.seq}–#{anchor.last_seq}")
    if seq != anchor.seq + index:
        problems.append(f"record {seq} is not at position {index} of the batch (that is record {anchor.seq + index})")
    fields = receipt.get("record", {})
    mine = _record(packed, seq, receipt).to_json()
    changed = [k for k in ("kind", "ticket", "customer", "commitment", "detail", "ref", "channel", "time")
               if k in fields and str(fields[k]).lower() != str(mine[k]).lower()]
    if changed:
        problems.append(f"record {seq}: field(s) {', '.join(changed)} differ from the packed record")
    if merkle.root_from_proof(merkle.leaf(packed), index, anchor.count, proof) != anchor.root:
        problems.append(f"record {seq}: its proof does not lead to the root on chain 0x{anchor.root.hex()}")
    return problems
