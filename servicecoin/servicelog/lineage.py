"""Log versions: a new ServiceLog continues the previous one from its head and count (given at construction,
`previousLog()`), so the versions form one chain. `verify_log` follows it from the first log to the newest
and verifies every record of every version as one hash chain.
"""

from __future__ import annotations

from typing import Callable

from servicecoin.chain import Chain
from servicecoin.servicelog.audit import Verification, verify
from servicecoin.servicelog.events import fetch_records
from servicecoin.servicelog.records import Record, log_contract

NO_LOG = "0x" + "00" * 20
MAX_VERSIONS = 64


def previous_of(log) -> tuple[str, bytes, int]:
    """(address, head, count) the log continues; the zero address for a first log (or one that predates it)."""
    try:
        address, head, count = log.functions.previousLog().call()
    except Exception:  # a log deployed before log versions existed
        return NO_LOG, b"\0" * 24, 0
    return address, bytes(head), int(count)


def log_versions(chain: Chain, log) -> list:
    """The versions of the log, first to newest (`log` is the newest)."""
    out = [log]
    while (prev := previous_of(out[0])[0]) != NO_LOG:
        if len(out) >= MAX_VERSIONS or any(v.address == prev for v in out):
            raise ValueError(f"log {out[0].address}: its chain of previous logs does not end")
        out.insert(0, log_contract(chain, prev))
    return out


def verify_log(chain: Chain, log=None, records: list[Record] | None = None,
               progress: Callable[[int], None] | None = None,
               fetched: Callable[[int, int], None] | None = None) -> Verification:
    """Verify every record of every version of the log (default: the node's events; or `records`, e.g. an
    archived copy) against the newest version's head and count, and check that each older version stopped
    where the next one took over."""
    log = log or log_contract(chain)
    versions = log_versions(chain, log)
    handover = []
    for older, newer in zip(versions, versions[1:]):
        _, start_head, start_count = previous_of(newer)
        head, count = older.functions.state().call()
        if (bytes(head), int(count)) != (start_head, start_count):
            handover.append(f"log {older.address} went on after log {newer.address} took over at record "
                            f"{start_count}: it now counts {count}")
    if records is None:
        records = []
        for i, v in enumerate(versions):
            until = previous_of(versions[i + 1])[2] if i + 1 < len(versions) else None
            records += [r for r in fetch_records(chain, v, progress=fetched) if until is None or r.last_seq <= until]
    head, count = log.functions.state().call()
    result = verify(records, bytes(head), count, progress)
    result.logs = [v.address for v in versions]
    if handover:
        result.ok, result.reason = False, handover[0] + (f"; {result.reason}" if result.reason else "")
        result.first_bad_seq = int(previous_of(versions[1])[2]) + 1
    return result
