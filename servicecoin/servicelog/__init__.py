"""The service log on chain: agents append records, customers sign feedback, anyone verifies the hash chain.

    records   the record codec (Kind, Outcome, Record, `next_head`, `unpack_info`), reading records from
              the chain, verifying the hash chain and the local texts, showing one record
    agent     agent writes: `append`, `append_batch`, and what a receipt appended (`appended_records`)
    feedback  customer feedback: the EIP-712 message, its signature, and sending it (relayed or direct)
    batch     batch CSV files, appended exactly once however often they are run

Deploying the log (and its roles) is servicecoin.deploy's; the web relay is servicecoin.relay's.
"""

from servicecoin.servicelog.agent import Appended, Entry, append, append_batch, appended_records
from servicecoin.servicelog.batch import FileAppend, append_file, read_batch_csv
from servicecoin.servicelog.feedback import check_rating, feedback_typed_data, give_feedback, sign_feedback
from servicecoin.servicelog.records import (
    CONTRACT, ZERO32, ZERO_HEAD, ContentCheck, Kind, Outcome, Record, Verification, check_contents, fetch_records,
    log_contract, next_head, record_from_args, show, unpack_info, verify, verify_log,
)

__all__ = [
    "Appended", "Entry", "append", "append_batch", "appended_records", "FileAppend", "append_file", "read_batch_csv",
    "check_rating", "feedback_typed_data", "give_feedback", "sign_feedback", "CONTRACT", "ZERO32", "ZERO_HEAD",
    "ContentCheck", "Kind", "Outcome", "Record", "Verification", "check_contents", "fetch_records", "log_contract",
    "next_head", "record_from_args", "show", "unpack_info", "verify", "verify_log",
]
