"""The right of access, for the service log's part: every record about a customer (in every log version, and
the anchored records whose batches are kept here), each with its text as the content store holds it, and the
erasures (tombstones) about them. `svc customer export` adds the points history.
"""

from __future__ import annotations

from pathlib import Path

from servicecoin.account import checksum
from servicecoin.chain import Chain
from servicecoin.contentstore import ContentStore
from servicecoin.servicelog.anchoring import customer_receipts, receipt_record
from servicecoin.servicelog.events import fetch_records
from servicecoin.servicelog.lineage import log_versions
from servicecoin.servicelog.packed import Channel
from servicecoin.servicelog.records import ANCHOR, Kind, Outcome, Record, held_text, log_contract
from servicecoin.servicelog.tombstones import tombstones

PUBLIC = ("On chain, for anyone to read for as long as the chain exists: the customer's address in every record "
          "of a single or packed record, the record's kind, ticket number, agent, time, channel and help-desk time, "
          "a follow-up's outcome, a feedback rating, and the points paid (amounts and times). The texts are not on "
          "chain: only a salted hash of each, which reveals nothing and cannot be checked against a guessed text "
          "once the text and its salt are erased.")


def _anchored(folder: Path | None, log: str, customer: str) -> list[Record]:
    """The customer's anchored records of `log` in the batch files kept in `folder`."""
    return [receipt_record(r) for r in customer_receipts(folder, customer, log)]


def _entry(r: Record, log: str, store: ContentStore) -> dict:
    d = {"log": log, "seq": r.seq, "form": r.form, "kind": Kind(r.kind).name.lower(), "ticket": r.ticket,
         "agent": r.agent, "timestamp": r.timestamp, "tx": r.tx, "commitment": "0x" + r.commitment.hex()}
    if r.form != "single":
        d.update(channel=Channel(r.channel).name.lower().replace("_", "-"), time=r.time)
    if r.kind == Kind.FOLLOWUP:
        d["outcome"] = Outcome(r.detail).name.lower().replace("_", "-")
    if r.kind == Kind.FEEDBACK:
        d["rating"] = r.detail
    if r.kind == Kind.AMENDMENT:
        d["amends"] = r.ref
    d.update(held_text(r, store.get(log, r.seq)))
    return d


def customer_records(chain: Chain, store: ContentStore, address: str, log=None,
                     anchored: Path | None = None) -> dict:
    """Everything the service log and the content store hold about `address`: records with their texts, and
    the erasures that concern them."""
    address = checksum(address)
    log = log or log_contract(chain)
    records = []
    for version in log_versions(chain, log):
        mine = [r for r in fetch_records(chain, version) if r.form != ANCHOR and r.customer == address]
        mine += _anchored(anchored, version.address, address)
        records += [_entry(r, version.address, store) for r in sorted(mine, key=lambda r: r.seq)]
    erasures = [{"log": t.log, "scope": t.scope, "seq": t.seq, "erased_at": t.erased_at, "signer": t.signer}
                for t in tombstones(store, customer=address)]
    return {"records": records, "erasures": erasures}
