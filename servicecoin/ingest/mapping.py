"""From a webhook body to an Event (ingest.queue): the generic JSON event, and Zendesk's ticket events.

Generic event (POST /events):

    {"id": "evt-81", "ticket": 1042, "kind": "reply", "customer": "0x…" | "user": "help-desk user id",
     "text": "…", "time": 1733560000 | "2024-12-07T08:26:40Z", "channel": "e-mail", "outcome": "satisfied"}

Zendesk ticket events (POST /events/zendesk; https://developer.zendesk.com/api-reference/webhooks/event-types/ticket-events/):
`zen:event-type:ticket.created` → opened (text: the subject), `ticket.comment_added` → reply (text: the
comment body), `ticket.status_changed` to `solved` → resolved; other types are acknowledged and ignored. The
customer is the ticket's `requester_id`, looked up in the table the operator loads (`svc agent customers`).
"""

from __future__ import annotations

import re
from datetime import datetime
from http import HTTPStatus
from typing import Callable

from servicecoin.errors import ServiceCoinError
from servicecoin.ingest.queue import Event
from servicecoin.serve import RequestError
from servicecoin.servicelog.packed import MAX_U40, Channel
from servicecoin.servicelog.records import Kind

KINDS = {"opened": Kind.OPENED, "reply": Kind.REPLY, "resolved": Kind.RESOLVED, "followup": Kind.FOLLOWUP,
         "complaint": Kind.COMPLAINT}
OUTCOMES = {"reached": 0, "not-reached": 1, "satisfied": 2, "unsatisfied": 3}
MAX_ID = 200  # characters of an event id
MAX_TEXT = 8_000
ZENDESK_CHANNELS = {"email": Channel.EMAIL, "web": Channel.CHAT, "chat": Channel.CHAT, "native_messaging": Channel.CHAT,
                    "messaging": Channel.CHAT, "voice": Channel.PHONE, "phone": Channel.PHONE, "twitter": Channel.SOCIAL,
                    "facebook": Channel.SOCIAL, "instagram_dm": Channel.SOCIAL, "whatsapp": Channel.SOCIAL}
ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
Lookup = Callable[[str], str | None]


def _time(value, field: str = "time") -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_U40:
        return value
    if isinstance(value, str):
        try:
            return int(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp())
        except ValueError:
            pass
    raise RequestError(f"field '{field}' must be unix seconds or an ISO 8601 time", field)


# The queue keeps tickets in a signed 64-bit column (SQLite's INTEGER, PostgreSQL's BIGINT): the log's tickets go to
# 2^64-1, the service's to 2^63-1 (a help desk's ticket numbers are far below either).
MAX_QUEUE_TICKET = (1 << 63) - 1


def _ticket(value, field: str = "ticket") -> int:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_QUEUE_TICKET:
        raise RequestError(f"field '{field}' must be a ticket number from 1 to 2^63-1", field)
    return value


def _text(value, field: str = "text") -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise RequestError(f"field '{field}' must be text of at most {MAX_TEXT} characters", field)
    return value


def _event_id(value, prefix: str = "") -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value or len(value) > MAX_ID:
        raise RequestError(f"field 'id' must be the help desk's event id (1 to {MAX_ID} characters)", "id")
    return prefix + value


def _customer(body: dict, lookup: Lookup, user_field: str = "user") -> str:
    address = body.get("customer")
    if address is None and body.get(user_field) is not None:
        address = lookup(str(body[user_field]))
        if address is None:
            raise RequestError(f"help-desk user {body[user_field]} is not in the customer table "
                               "(svc agent customers FILE)", user_field, HTTPStatus.UNPROCESSABLE_ENTITY)
    if not isinstance(address, str) or not ADDRESS.match(address):
        raise RequestError("field 'customer' must be an address 0x… (or give 'user', a help-desk user id the "
                           "customer table knows)", "customer")
    return address.lower()


def generic_event(body: dict, lookup: Lookup) -> Event:
    """The Event of a generic JSON event; a RequestError (400/422) names the field that is wrong."""
    kind_text = body.get("kind")
    kind = KINDS.get(str(kind_text).strip().lower().replace("follow-up", "followup")) if kind_text else None
    if kind is None:
        raise RequestError(f"field 'kind' must be one of {', '.join(KINDS)}", "kind")
    detail = 0
    if kind == Kind.FOLLOWUP:
        detail = OUTCOMES.get(str(body.get("outcome", "")).lower(), -1)
        if detail < 0:
            raise RequestError(f"field 'outcome' must be one of {', '.join(OUTCOMES)}", "outcome")
    try:
        channel = Channel.parse(str(body.get("channel") or "unknown"))
    except ServiceCoinError as exc:
        raise RequestError(str(exc), "channel") from None
    return Event(id=_event_id(body.get("id")), ticket=_ticket(body.get("ticket")), kind=int(kind),
                 customer=_customer(body, lookup), text=_text(body.get("text")), time=_time(body.get("time")),
                 channel=int(channel), detail=detail)


def zendesk_event(body: dict, lookup: Lookup) -> Event | None:
    """The Event of a Zendesk ticket-event webhook; None for an event type that makes no record."""
    etype = str(body.get("type", ""))
    detail = body.get("detail") if isinstance(body.get("detail"), dict) else {}
    event = body.get("event") if isinstance(body.get("event"), dict) else {}
    if etype == "zen:event-type:ticket.created":
        kind, text = Kind.OPENED, detail.get("subject")
    elif etype == "zen:event-type:ticket.comment_added":
        comment = event.get("comment") if isinstance(event.get("comment"), dict) else {}
        kind, text = Kind.REPLY, comment.get("body")
    elif etype == "zen:event-type:ticket.status_changed" and str(event.get("current", "")).lower() == "solved":
        kind, text = Kind.RESOLVED, None
    elif etype.startswith("zen:event-type:ticket."):
        return None
    else:
        raise RequestError("field 'type' must be a Zendesk ticket event type (zen:event-type:ticket.…)", "type")
    subject = str(body.get("subject", ""))
    ticket = detail.get("id") or (subject.rsplit(":", 1)[-1] if subject.startswith("zen:ticket:") else None)
    via = detail.get("via") if isinstance(detail.get("via"), dict) else {}
    channel = ZENDESK_CHANNELS.get(str(via.get("channel", "")).lower(), Channel.UNKNOWN)
    customer = _customer({"user": detail.get("requester_id")}, lookup)
    return Event(id=_event_id(body.get("id"), "zendesk:"), ticket=_ticket(ticket, "detail.id"), kind=int(kind),
                 customer=customer, text=_text(text), time=_time(body.get("time")), channel=int(channel))


MAPPINGS = {"generic": generic_event, "zendesk": zendesk_event}
