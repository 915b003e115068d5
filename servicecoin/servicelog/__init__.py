"""The service log on chain: agents append records (single, packed, anchored), customers sign feedback, anyone
verifies the hash chain.

    records   the record codec (Kind, Outcome, Record, `next_head`, `unpack_info`), local texts against commitments
    packed    the 71-byte packed record, Channel, and the head steps of packed and anchored batches
    merkle    the Merkle tree of an anchored batch: leaves, root, proofs
    events    reading records from the chain (all three forms, one eth_getLogs per range), showing one record
    audit     verifying: head, order, completeness, ticket rules, anchored records against their roots
    lineage   the chain of log versions, first to newest, verified as one
    agent     agent writes: `append`, `append_batch` (packed), and what a receipt appended (`appended_records`)
    helpdesk  records of help-desk events: commitments that cover the event id, found on chain after a crash
    anchoring anchored mode: `anchor_records` and inclusion receipts (`check_receipt`)
    feedback  customer feedback: the EIP-712 message, its signature, and sending it (relayed or direct)
    erasure   erasing a record's or a customer's content (their key destroyed), the hook other stores register with
    tombstones the signed tombstone an erasure leaves, and telling it from a deleted row or a forged one
    access    everything the log and the content store hold about a customer (`svc customer export`)
    batch     batch CSV files, appended exactly once however often they are run

Deploying the log (and its roles) is servicecoin.deploy's; the web relay is servicecoin.relay's.
"""

from servicecoin.servicelog.agent import Appended, Entry, append, append_batch, appended_records
from servicecoin.servicelog.audit import MisdirectedAmendment, RuleBreak, Verification, verify, with_heads
from servicecoin.servicelog.batch import FileAppend, append_file, read_batch_csv
from servicecoin.servicelog.events import fetch_records, show, ticket_seqs
from servicecoin.servicelog.feedback import check_rating, feedback_typed_data, give_feedback, sign_feedback
from servicecoin.servicelog.lineage import log_versions, verify_log
from servicecoin.servicelog.packed import Channel
from servicecoin.servicelog.records import (
    CONTRACT, ZERO32, ZERO_HEAD, ContentCheck, Kind, Outcome, Record, check_contents, log_contract, next_head,
    record_from_args, unpack_info,
)

__all__ = [
    "Appended", "Entry", "append", "append_batch", "appended_records", "MisdirectedAmendment", "RuleBreak",
    "Verification", "verify", "with_heads", "FileAppend", "append_file", "read_batch_csv", "fetch_records", "show",
    "ticket_seqs", "check_rating", "feedback_typed_data", "give_feedback", "sign_feedback", "log_versions",
    "verify_log", "Channel", "CONTRACT", "ZERO32", "ZERO_HEAD", "ContentCheck", "Kind", "Outcome", "Record",
    "check_contents", "log_contract", "next_head", "record_from_args", "unpack_info",
]
