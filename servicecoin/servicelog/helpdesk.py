"""Records of help-desk events: a record that carries the help desk's event id commits to it, so a sender that
crashed recomputes the same commitments and finds the records already on chain instead of sending them twice.

The salt of such a record is keccak256(agent key ‖ log ‖ event id), and with a key store also the customer's
content key: deterministic for the sender, unguessable for anyone else, so the commitment still reveals
nothing about the text. Once the customer's key is destroyed (servicelog.erasure) not even the operator can
recompute the salt, so nobody can confirm a guessed text against the commitment. (A help-desk event resent
after its customer's erasure gets a new commitment, and is sent again.)
"""

from __future__ import annotations

import sqlite3

from eth_utils import keccak

from servicecoin.chain import Chain
from servicecoin.contentstore import ContentStore, commitment_of
from servicecoin.servicelog.events import fetch_records
from servicecoin.servicelog.records import ANCHOR


def event_salt(key: bytes, log_address: str, event_id: str, customer_key: bytes | None = None) -> bytes:
    secret = bytes(key) + (keccak(b"event salt:" + customer_key) if customer_key else b"")
    return keccak(secret + bytes.fromhex(log_address[2:]) + b"help-desk event:" + event_id.encode("utf-8"))


def commit_event(store: ContentStore | None, log_address: str, key: bytes, event_id: str, text: str | None,
                 customer: str | None = None) -> bytes:
    """The commitment of an event's record; its text and salt go to `store` unless an earlier run put them there."""
    if store is None:
        return commitment_of(event_salt(key, log_address, event_id), text or "")
    salt = event_salt(key, log_address, event_id, store.customer_key(customer) if customer else None)
    try:
        return store.put(log_address, text or "", salt, customer)
    except sqlite3.IntegrityError:  # the same event prepared by a run that crashed
        return commitment_of(salt, text or "")


def on_chain(chain: Chain, log, commitments: set[bytes], from_block: int | None = None) -> dict[bytes, int]:
    """Commitment → seq for those of `commitments` already recorded on chain (since `from_block`)."""
    if not commitments:
        return {}
    return {r.commitment: r.seq for r in fetch_records(chain, log, from_block)
            if r.form != ANCHOR and r.commitment in commitments}
