"""`svc notify run`: everything due, for the customers who confirmed, sent at most once (outbox.py).

One run at a time per notices file (an exclusive lock beside it; a second run waits up to a minute, then stops
with one line), so a run never mistakes another's records for a crash's.
"""

from __future__ import annotations

import fcntl
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from servicecoin.contentkeys import ContentKeys
from servicecoin.errors import ServiceCoinError
from servicecoin.index.db import Database
from servicecoin.index.ledger import indexed_now
from servicecoin.mailer import SmtpSettings
from servicecoin.notices.causes import delivered_notices, expiry_notices, rate_notices, tier_notices
from servicecoin.notices.contacts import ContactBook
from servicecoin.notices.db import connect, store_path
from servicecoin.notices.outbox import Links, RunResult, deliver
from servicecoin.notices.settings import NoticeSettings


@contextmanager
def open_book(network: str, settings: NoticeSettings, keys: ContentKeys | None = None):
    """(db, ContactBook) of `network`'s notices file, closed after."""
    path = store_path(network, settings.store)
    db = connect(path)
    own = keys is None
    keys = keys or ContentKeys.for_network(network)
    try:
        yield db, ContactBook(db, keys)
    finally:
        db.close()
        if own:
            keys.close()


def consent_export(network: str, address: str) -> dict:
    """The customer's notice consent, its history and the notices sent, for `svc customer export`."""
    from servicecoin.notices.settings import load_settings

    settings = load_settings()
    if not store_path(network, settings.store).exists():
        return {"held": [], "history": [], "notices": []}
    with open_book(network, settings) as (_, book):
        return book.export(address)


def overview(network: str, settings: NoticeSettings) -> dict:
    """Counts for `svc notify status`: contacts by state, notices by state, and the lost and failed ones (no address)."""
    path = store_path(network, settings.store)
    if not path.exists():
        return {"store": str(path), "contacts": {}, "notices": {}, "lost": [], "failed": []}
    db = connect(path)
    try:
        contacts = dict(db.execute("SELECT state, COUNT(*) FROM contact GROUP BY state").fetchall())
        notices = dict(db.execute("SELECT state, COUNT(*) FROM sent GROUP BY state").fetchall())
        problems = {state: [{"cause": c, "customer": who, "at": at, "error": err} for c, who, at, err in db.execute(
            "SELECT cause, customer, recorded_at, error FROM sent WHERE state = ? ORDER BY recorded_at", (state,))]
            for state in ("lost", "failed")}
    finally:
        db.close()
    return {"store": str(path), "contacts": contacts, "notices": notices, **problems}


@contextmanager
def run_lock(path: Path, wait: float = 60):
    with open(path.with_suffix(".lock"), "a") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ServiceCoinError(f"{path}: another 'svc notify run' holds the lock") from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_notices(network: str, local: bool, db: Database, settings: NoticeSettings, smtp: SmtpSettings | None,
                token=None, tier_names: list[str] | None = None, dry_run: bool = False,
                log: Callable[[str], None] = lambda line: None, now: int | None = None,
                keys: ContentKeys | None = None) -> RunResult:
    """Collect what is due from the index `db` (and `token` for tier at risk) and deliver it."""
    links = Links(settings.page_url(local))
    now = indexed_now(db) if now is None else now
    path = store_path(network, settings.store)
    with open_book(network, settings, keys) as (store, book), run_lock(path):
        contacts = {c.customer: c for c in book.confirmed()}
        wanted = {c: contact.kinds for c, contact in contacts.items()}
        notices = [*expiry_notices(db, settings.expiry_thresholds, wanted, now),
                   *delivered_notices(db, settings.recent, wanted, now),
                   *rate_notices(db, settings.recent, wanted, now),
                   *tier_notices(token, settings.tier_warning, wanted, now, tier_names)]
        return deliver(store, notices, contacts, links, settings.program, smtp, dry_run, settings.templates, log)
