"""When a key or a budget runs low: a warning in the log, and, with `status.alert_email` set, one e-mail to the
operator (servicecoin.mailer) naming every key and budget that is low and was not reported yet that UTC day.

At most one e-mail per key or budget per day: the (item, day) pairs are recorded in a small SQLite file
(.servicecoin/<network>/status/alerts.sqlite, fsynced) before the e-mail goes out, so two runs at once or a run
after a crash never repeat it; a crash between the record and the send loses that day's e-mail, and the log
says which items it was for.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path
from typing import Callable

from servicecoin.errors import ConfigError
from servicecoin.mailer import MailError, send_mail, smtp_settings
from servicecoin.paths import data_dir

LOG = logging.getLogger("servicecoin.status")


def alerts_file(network: str) -> Path:
    return data_dir(network) / "status" / "alerts.sqlite"


def low_items(status: dict) -> list[tuple[str, str]]:
    """(item key, line) for every low key and budget of a Watch.read() result."""
    out = []
    floor = status["thresholds"]["min_eth"]
    for k in status["keys"]:
        if k["low"]:
            out.append((f"key:{k['address']}", f"key {k['name']} ({k['address']}) holds {k['eth']:.6f} ETH, "
                                               f"below {floor:g} ETH"))
    share = status["thresholds"]["min_budget_share"]
    for b in status["budgets"]:
        if b["low"]:
            out.append((f"budget:{b['issuer']}", f"budget of {b['name']} ({b['issuer']}) has {b['remaining_points']} "
                                                 f"of {b['allowance_points']} points left ({b['share']:.1%}), "
                                                 f"below {share:.0%}"))
    return out


class AlertBook:
    """The (item, UTC day) pairs already reported by e-mail."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE IF NOT EXISTS sent (item TEXT NOT NULL, day TEXT NOT NULL, at REAL NOT NULL, "
                        "PRIMARY KEY (item, day))")

    def claim(self, items: list[str], day: str) -> list[str]:
        """Record `items` for `day`; returns those not recorded before (the ones to report now)."""
        self.db.execute("BEGIN IMMEDIATE")
        fresh = [i for i in items if self.db.execute("INSERT OR IGNORE INTO sent (item, day, at) VALUES (?, ?, ?)",
                                                     (i, day, time.time())).rowcount == 1]
        self.db.execute("COMMIT")
        return fresh

    def close(self) -> None:
        self.db.close()


def alert(status: dict, email: str | None, book_path: Path, now: float | None = None,
          send: Callable[..., str] = send_mail) -> dict:
    """Warn about every low item; with `email`, send one e-mail for the items not reported yet today.
    Returns {"low": [lines], "emailed": [lines], "error": message or None}."""
    items = low_items(status)
    for _, line in items:
        LOG.warning("running low: %s", line)
    result = {"low": [line for _, line in items], "emailed": [], "error": None}
    if not items or not email:
        return result
    try:
        smtp = smtp_settings()
    except ConfigError as exc:  # nothing recorded: the next run, with SMTP set, sends it
        LOG.error("status.alert_email is set but no e-mail can be sent: %s", exc)
        result["error"] = str(exc)
        return result
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() if now is None else now))
    book = AlertBook(book_path)
    try:
        fresh = set(book.claim([key for key, _ in items], day))
    finally:
        book.close()
    lines = [line for key, line in items if key in fresh]
    if not lines:
        return result
    text = (f"ServiceCoin on {status['network']} (block {status['block']}): running low\n\n"
            + "\n".join(f"- {line}" for line in lines)
            + "\n\nTop up the keys with ETH and raise the budgets (svc admin) before they run dry. "
              "You get at most one e-mail per key or budget per day.\n")
    subject = f"ServiceCoin {status['network']}: {len(lines)} running low (ETH or issuer budget)"
    try:
        send(email, subject, text, settings=smtp)
    except MailError as exc:  # recorded already: this day's e-mail for these items is lost, and the log says so
        LOG.error("the low-funds e-mail to %s was not sent (%s); not retried today for: %s", email, exc,
                  "; ".join(lines))
        result["error"] = str(exc)
        return result
    result["emailed"] = lines
    return result
