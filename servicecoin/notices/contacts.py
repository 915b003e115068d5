"""Consent to e-mail notices, per customer: double opt-in, the kinds wanted, opting out.

A signed-in customer asks for notices with an e-mail address and the kinds wanted (`request`): the address is
sealed with the customer's content key (servicecoin.contentkeys, AES-256-GCM bound to the customer) and a
confirmation token is returned for the link e-mailed to it. Nothing is sent to the address but that link until
it is followed (`confirm`). Every notice carries the customer's one-click unsubscribe token; `unsubscribe` (by
token) and `withdraw` (by the signed-in customer) delete the contact row, address and all. Only sha256 hashes of
the tokens are kept in clear. `consent_event` keeps what was done when, with the kinds but never the address.
Erasing the customer (`erase`) deletes all of it; the content key itself is destroyed by the erasure.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import sqlite3
import time
from dataclasses import dataclass

from servicecoin.contentkeys import ContentKeys, seal, unseal
from servicecoin.errors import EXIT_BAD_INPUT, ServiceCoinError
from servicecoin.notices.db import transaction

KINDS = ("expiry", "tier", "delivered", "rate")
KIND_NAMES = {"expiry": "points about to expire", "tier": "tier at risk", "delivered": "redemption delivered",
              "rate": "rate your resolved ticket"}
EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")
RESEND_AFTER = 60  # seconds before another confirmation e-mail may go to a pending address


class ConsentError(ServiceCoinError):
    """A consent request is malformed or refused (the message says which field; `status` is the HTTP one)."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, field: str | None = None, status: int = 400):
        super().__init__(message)
        self.field = field
        self.status = status


@dataclass(frozen=True)
class Contact:
    customer: str
    email: str | None  # None when the customer's key is gone
    kinds: tuple[str, ...]
    state: str  # pending | confirmed
    unsubscribe: str | None  # the token (from the sealed part)
    created_at: int
    confirmed_at: int | None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_email(value: str) -> str:
    email = value.strip()
    if len(email) > 254 or not EMAIL.fullmatch(email):
        raise ConsentError("field 'email' is not an e-mail address", "email")
    return email


def check_kinds(values) -> tuple[str, ...]:
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise ConsentError(f"field 'kinds' must list one or more of {', '.join(KINDS)}", "kinds")
    unknown = [v for v in values if v not in KINDS]
    if unknown:
        raise ConsentError(f"field 'kinds': unknown kind {unknown[0][:40]!r} (known: {', '.join(KINDS)})", "kinds")
    return tuple(k for k in KINDS if k in values)


def mask(email: str | None) -> str:
    """`a…@example.org`: enough for a log line to tell two addresses apart, not to write to one."""
    if not email:
        return "(address erased)"
    local, _, domain = email.partition("@")
    return f"{local[:1]}…@{domain}"


class ContactBook:
    """The contact and consent_event tables of one notices file, with the network's key store."""

    def __init__(self, db: sqlite3.Connection, keys: ContentKeys, clock=time.time):
        self.db = db
        self.keys = keys
        self.clock = clock

    @staticmethod
    def _aad(customer: str) -> bytes:
        return b"svc-notice-contact|" + customer.lower().encode()

    def _event(self, customer: str, event: str, kinds) -> None:
        self.db.execute("INSERT INTO consent_event (customer, at, event, kinds) VALUES (?, ?, ?, ?)",
                        (customer.lower(), int(self.clock()), event, json.dumps(list(kinds))))

    def get(self, customer: str) -> Contact | None:
        row = self.db.execute("SELECT customer, key_id, sealed, kinds, state, created_at, confirmed_at FROM contact "
                              "WHERE customer = ?", (customer.lower(),)).fetchone()
        return self._contact(row) if row else None

    def _contact(self, row) -> Contact:
        who, key_id, sealed, kinds, state, created, confirmed = row
        plain = unseal(self.keys.key(key_id), bytes(sealed), self._aad(who))
        secret = json.loads(plain) if plain else {}
        return Contact(who, secret.get("email"), tuple(json.loads(kinds)), state, secret.get("unsubscribe"),
                       created, confirmed)

    def confirmed(self) -> list[Contact]:
        """Every confirmed contact whose address is still readable, by customer."""
        rows = self.db.execute("SELECT customer, key_id, sealed, kinds, state, created_at, confirmed_at FROM contact "
                               "WHERE state = 'confirmed' ORDER BY customer").fetchall()
        return [c for c in map(self._contact, rows) if c.email]

    def request(self, customer: str, email: str, kinds) -> str | None:
        """Ask for notices to `email` of `kinds`. The confirmation token to e-mail, or None when the address is
        already confirmed (then only the kinds change)."""
        email, kinds, who = check_email(email), check_kinds(kinds), customer.lower()
        now = int(self.clock())
        current = self.get(who)
        if current and current.state == "confirmed" and current.email and current.email.lower() == email.lower():
            with transaction(self.db):
                self.db.execute("UPDATE contact SET kinds = ? WHERE customer = ?", (json.dumps(list(kinds)), who))
                self._event(who, "changed", kinds)
            return None
        if current and current.state == "pending" and now - (self._sent_at(who) or 0) < RESEND_AFTER:
            raise ConsentError("a confirmation e-mail was sent less than a minute ago; wait a minute", None, 429)
        token, unsubscribe = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        key_id, key = self.keys.key_for(who)
        sealed = seal(key, json.dumps({"email": email, "unsubscribe": unsubscribe}).encode(), self._aad(who))
        with transaction(self.db):
            self.db.execute("DELETE FROM contact WHERE customer = ?", (who,))
            self.db.execute("INSERT INTO contact (customer, key_id, sealed, kinds, state, confirm_hash, confirm_sent_at, "
                            "unsubscribe_hash, created_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?)",
                            (who, key_id, sealed, json.dumps(list(kinds)), token_hash(token), now,
                             token_hash(unsubscribe), now))
            self._event(who, "requested", kinds)
        return token

    def _sent_at(self, who: str) -> int | None:
        row = self.db.execute("SELECT confirm_sent_at FROM contact WHERE customer = ?", (who,)).fetchone()
        return row[0] if row else None

    def confirm(self, token: str, ttl: int) -> Contact | None:
        """Follow a confirmation link: the contact now confirmed, or None for an unknown, used or expired token."""
        row = self.db.execute("SELECT customer, confirm_sent_at FROM contact WHERE confirm_hash = ? AND state = 'pending'",
                              (token_hash(token),)).fetchone()
        if row is None or int(self.clock()) - row[1] > ttl:
            return None
        with transaction(self.db):
            self.db.execute("UPDATE contact SET state = 'confirmed', confirm_hash = NULL, confirmed_at = ? "
                            "WHERE customer = ?", (int(self.clock()), row[0]))
            contact = self.get(row[0])
            self._event(row[0], "confirmed", contact.kinds)
        return contact

    def unsubscribe(self, token: str) -> str | None:
        """One-click unsubscribe: delete the contact holding `token`; its customer, or None (already gone)."""
        row = self.db.execute("SELECT customer, kinds FROM contact WHERE unsubscribe_hash = ?",
                              (token_hash(token),)).fetchone()
        if row is None:
            return None
        with transaction(self.db):
            self.db.execute("DELETE FROM contact WHERE customer = ?", (row[0],))
            self._event(row[0], "unsubscribed-one-click", json.loads(row[1]))
        return row[0]

    def withdraw(self, customer: str) -> bool:
        """Opt out on the page: delete the customer's contact; whether there was one."""
        current = self.get(customer)
        if current is None:
            return False
        with transaction(self.db):
            self.db.execute("DELETE FROM contact WHERE customer = ?", (customer.lower(),))
            self._event(customer, "withdrawn", current.kinds)
        return True

    def history(self, customer: str) -> list[dict]:
        return [{"at": at, "event": event, "kinds": json.loads(kinds)} for at, event, kinds in self.db.execute(
            "SELECT at, event, kinds FROM consent_event WHERE customer = ? ORDER BY rowid", (customer.lower(),))]

    def export(self, customer: str) -> dict:
        """Everything held about `customer` here (their right of access): contact, consent history, notices sent."""
        contact = self.get(customer)
        held = [] if contact is None else [{
            "email": contact.email, "kinds": list(contact.kinds), "state": contact.state,
            "requested_at": contact.created_at, "confirmed_at": contact.confirmed_at}]
        sent = [{"cause": c, "kind": k, "state": st, "recorded_at": r, "done_at": d} for c, k, st, r, d in self.db.execute(
            "SELECT cause, kind, state, recorded_at, done_at FROM sent WHERE customer = ? ORDER BY recorded_at, cause",
            (customer.lower(),))]
        return {"held": held, "history": self.history(customer), "notices": sent}

    def erase(self, customer: str) -> int:
        """Delete everything about `customer` (contact, consent history, send log); how many rows."""
        who = customer.lower()
        with transaction(self.db):
            n = sum(self.db.execute(f"DELETE FROM {table} WHERE customer = ?", (who,)).rowcount
                    for table in ("contact", "consent_event", "sent"))
        return n
