"""Sending notices at most once per cause.

For each due notice (causes.py) of a confirmed contact who wants its kind: the cause is INSERTed into the send
log in state `recorded` and the commit is synced to disk, and only then does the e-mail go out through SMTP
(servicecoin.mailer); the row becomes `sent` (with the Message-ID) or `failed` (with the server's answer; not
retried). A cause already in the log is skipped, whatever its state, so no notice goes out twice — across runs,
across two runs at once (the INSERT decides), and across a crash. A crash between the record and the send
loses that one notice: the next run finds the row still `recorded`, marks it `lost` and logs it.

An SMTP server that cannot be reached stops the run after marking that one notice `failed`: the rest wait for
the next run. `SVC_NOTIFY_FAULT=after-record` stops the process right after a record is synced (the crash test).
"""

from __future__ import annotations

import os
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Callable

from servicecoin.mailer import MailError, SmtpSettings, send_mail
from servicecoin.notices.causes import Notice
from servicecoin.notices.contacts import KIND_NAMES, Contact, mask
from servicecoin.notices.db import transaction
from servicecoin.notices.templates import render

FAULT_ENV = "SVC_NOTIFY_FAULT"


@dataclass
class Links:
    """Where an e-mail's links point: the page, and the one-click unsubscribe of a token."""

    page: str

    def unsubscribe_post(self, token: str) -> str:
        return f"{self.page}api/notices/unsubscribe/{token}"

    def unsubscribe_page(self, token: str) -> str:
        return f"{self.page}#notices-unsubscribe={token}"

    def confirm(self, token: str) -> str:
        return f"{self.page}#notices-confirm={token}"


def unsubscribe_headers(links: Links, token: str) -> dict[str, str]:
    """RFC 8058: the one-click POST URL (https) and the header that says a POST of List-Unsubscribe=One-Click does it."""
    return {"List-Unsubscribe": f"<{links.unsubscribe_post(token)}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def compose(kind: str, contact: Contact, values: dict, links: Links, program: str,
            templates: str | None = None) -> tuple[str, str, str, dict[str, str]]:
    """(subject, text, html, headers) of one e-mail to `contact`."""
    token = contact.unsubscribe or ""
    full = {**values, "program": program, "page": links.page, "unsubscribe": links.unsubscribe_page(token)}
    subject, text, body = render(kind, full, templates)
    return subject, text, body, unsubscribe_headers(links, token)


def send_confirmation(contact: Contact, token: str, links: Links, program: str, smtp: SmtpSettings,
                      templates: str | None = None) -> str:
    """The double opt-in e-mail: the confirmation link, nothing else. Its Message-ID."""
    kinds = ", ".join(KIND_NAMES[k] for k in contact.kinds)
    subject, text, body, headers = compose("confirm", contact, {"confirm": links.confirm(token), "kinds": kinds},
                                           links, program, templates)
    return send_mail(contact.email, subject, text, body, headers, settings=smtp)


@dataclass
class RunResult:
    due: int = 0
    sent: list[str] = field(default_factory=list)
    skipped: int = 0  # causes already in the send log
    failed: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)  # recorded by an earlier run that stopped before sending
    would_send: list[dict] = field(default_factory=list)  # --dry-run

    def to_json(self) -> dict:
        return {"due": self.due, "sent": self.sent, "skipped": self.skipped, "failed": self.failed, "lost": self.lost,
                "would_send": self.would_send}


def mark_lost(db: sqlite3.Connection, log: Callable[[str], None], clock=time.time) -> list[str]:
    """Causes a stopped run recorded and never finished: now `lost`, each logged."""
    rows = db.execute("SELECT cause, customer, recorded_at FROM sent WHERE state = 'recorded'").fetchall()
    for cause, customer, at in rows:
        db.execute("UPDATE sent SET state = 'lost', done_at = ?, error = ? WHERE cause = ? AND state = 'recorded'",
                   (int(clock()), "the run stopped between the record and the send", cause))
        log(f"LOST: notice {cause} to {customer} was recorded at {at} but the run stopped before sending it; "
            "it will not be sent (at most once)")
    return [r[0] for r in rows]


def _record(db: sqlite3.Connection, notice: Notice, clock) -> bool:
    """Record `notice` (synced) before it is sent; False when its cause is already in the log."""
    with transaction(db):
        return db.execute("INSERT OR IGNORE INTO sent (cause, customer, kind, state, recorded_at) "
                          "VALUES (?, ?, ?, 'recorded', ?)",
                          (notice.cause, notice.customer, notice.kind, int(clock()))).rowcount == 1


def deliver(db: sqlite3.Connection, notices: list[Notice], contacts: dict[str, Contact], links: Links, program: str,
            smtp: SmtpSettings | None, dry_run: bool = False, templates: str | None = None,
            log: Callable[[str], None] = lambda line: None, clock=time.time) -> RunResult:
    """Send each of `notices` whose contact is confirmed and wants its kind, at most once per cause."""
    result = RunResult()
    if not dry_run:
        result.lost = mark_lost(db, log, clock)
    for notice in notices:
        contact = contacts.get(notice.customer)
        if contact is None or contact.state != "confirmed" or notice.kind not in contact.kinds or not contact.email:
            continue
        result.due += 1
        if db.execute("SELECT 1 FROM sent WHERE cause = ?", (notice.cause,)).fetchone():
            result.skipped += 1
            continue
        subject, text, body, headers = compose(notice.kind, contact, notice.values, links, program, templates)
        if dry_run:
            result.would_send.append({"cause": notice.cause, "customer": notice.customer, "kind": notice.kind,
                                      "to": mask(contact.email), "subject": subject})
            log(f"would send {notice.kind} to {notice.customer} ({mask(contact.email)}): {subject}")
            continue
        if not _record(db, notice, clock):
            result.skipped += 1
            continue
        if os.environ.get(FAULT_ENV) == "after-record":
            log(f"FAULT after-record: {notice.cause}")
            os._exit(9)
        try:
            message_id = send_mail(contact.email, subject, text, body, headers, settings=smtp)
        except MailError as exc:
            db.execute("UPDATE sent SET state = 'failed', done_at = ?, error = ? WHERE cause = ?",
                       (int(clock()), str(exc)[:500], notice.cause))
            result.failed.append(notice.cause)
            log(f"FAILED: notice {notice.cause} to {notice.customer}: {exc}; not retried (at most once)")
            if "could not be reached" in str(exc):
                raise
            continue
        db.execute("UPDATE sent SET state = 'sent', done_at = ?, message_id = ? WHERE cause = ?",
                   (int(clock()), message_id, notice.cause))
        result.sent.append(notice.cause)
        log(f"sent {notice.kind} to {notice.customer} ({mask(contact.email)}): {subject}")
    return result
