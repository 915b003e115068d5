"""Erasure: of one record's content (`erase_record`), or of everything held about a customer
(`erase_customer`), each leaving a signed tombstone (servicelog.tombstones).

Per customer, erasure destroys the customer's content key (servicecoin.contentkeys): every text and salt
sealed with it becomes unreadable at once, in the live content store and in every backup of it. The rows
themselves are emptied too, and so are rows written before the key store (plain salt and text) of the
customer's records on chain. The on-chain commitments stay, so `svc verify-log` still verifies; with the
salt gone, nobody can confirm a guessed text against them.

Other stores that hold personal data register here, in one place, with `register_eraser(name, fn)`;
`fn(network, address)` erases the customer from that store and returns how many items it removed. The index
(servicecoin/index) holds nothing about a customer beyond public chain data (addresses, amounts, times,
commitments; no texts, no ticket subjects), so it registers nothing. The ingestion queue (servicecoin.ingest),
the voucher codes (servicecoin.vault.vouchers) and the notice contacts (servicecoin.notices: contact, consent
history, send log) register here.

`reconcile` is for after a restore: tombstones are kept in the content store and copied to the key store,
and it copies each file's tombstones into the other and destroys again every key an erasure destroyed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Callable

from servicecoin.account import checksum
from servicecoin.chain import Chain
from servicecoin.contentstore import ContentError, ContentStore
from servicecoin.servicelog.events import fetch_records
from servicecoin.servicelog.lineage import log_versions
from servicecoin.servicelog.records import ANCHOR, log_contract
from servicecoin.servicelog.tombstones import CUSTOMER, RECORD, Tombstone, keep, sign, tombstones

ERASERS: dict[str, Callable[[str, str], int]] = {}


def register_eraser(name: str, fn: Callable[[str, str], int]) -> None:
    """Let `erase_customer` reach another store: `fn(network, address)` → items erased."""
    ERASERS[name] = fn


@dataclass
class CustomerErasure:
    customer: str
    keys_destroyed: int  # content keys destroyed (one, unless the customer came back after an erasure)
    rows_erased: int  # content rows emptied (sealed ones, and plain ones written before the key store)
    tombstones: list[Tombstone] = field(default_factory=list)  # one per log version
    others: dict[str, int] = field(default_factory=dict)  # registered erasers: name → items erased

    def to_json(self) -> dict:
        return {"customer": self.customer, "keys_destroyed": self.keys_destroyed, "rows_erased": self.rows_erased,
                "tombstones": [json.loads(t.to_json()) for t in self.tombstones], "others": self.others}


def erase_record(chain: Chain, store: ContentStore, seq: int, log=None, signer="agent") -> Tombstone:
    """Delete the text and salt of record `seq` and leave a tombstone for it."""
    log = log or log_contract(chain)
    content = store.get(log.address, seq)
    if content is None:
        raise ContentError(f"{store.path}: no content for record {seq} of log {log.address}")
    customer = content.customer or next((r.customer for r in fetch_records(chain, log)
                                         if r.form != ANCHOR and r.seq == seq), None)
    if customer is None:
        raise ContentError(f"log {log.address}: record {seq} names no customer this machine can read")
    store.erase(log.address, seq)
    account = chain.account(signer) if isinstance(signer, str) else signer
    t = sign(account, log.address, RECORD, customer, seq, chain.chain_id, int(time.time()))
    keep(store, t)
    return t


def erase_customer(chain: Chain, store: ContentStore, address: str, log=None, signer="agent") -> CustomerErasure:
    """Erase everything held about customer `address`: destroy their content key, empty their rows in every log
    version, run the registered erasers, and leave one tombstone per log version."""
    address = checksum(address)
    log = log or log_contract(chain)
    account = chain.account(signer) if isinstance(signer, str) else signer  # fails before anything is destroyed
    now = int(time.time())
    versions = log_versions(chain, log)
    stones = [sign(account, v.address, CUSTOMER, address, v.functions.count().call(), chain.chain_id, now)
              for v in versions]
    for t in stones:  # first: an erasure cut short (a node that stops answering) is still explained, and rerun
        keep(store, t)
    destroyed = store.keys.destroy(address) if store.keys is not None else 0
    out = CustomerErasure(address, destroyed, store.erase_customer(address), stones)
    out.others = {name: fn(chain.network.id, address) for name, fn in ERASERS.items()}
    for version in versions:
        for r in fetch_records(chain, version):
            if r.form != ANCHOR and r.customer == address:
                held = store.get(version.address, r.seq)
                if held is not None and not held.erased:  # a plain row written before the key store
                    store.erase(version.address, r.seq)
                    out.rows_erased += 1
    return out


def reconcile(store: ContentStore) -> dict[str, int]:
    """After restoring the content store or the key store from a backup: copy the tombstones each holds into the
    other, destroy again the keys every customer erasure destroyed (those created up to it) and empty the
    erased customers' rows. Returns what it did."""
    done = {"tombstones_copied": 0, "keys_destroyed": 0, "rows_erased": 0}
    if store.keys is None:
        return done
    held = {t.id for t in tombstones(store)}
    for data in store.keys.tombstone_copies():
        t = Tombstone(**json.loads(data))
        if t.id not in held:
            keep(store, t)
            done["tombstones_copied"] += 1
    for t in tombstones(store):
        store.keys.keep_tombstone(t.id, t.to_json())
        if t.scope == CUSTOMER:
            done["keys_destroyed"] += store.keys.destroy(t.customer, t.erased_at)
            done["rows_erased"] += store.erase_customer(t.customer, t.erased_at)
    return done
