"""The Starlette app of `svc agent serve`: webhooks in (POST /events, POST /events/zendesk), their status
(GET /events/{id}), /health, /metrics and /openapi.json, inside serve.shield (security headers, Host check,
last-resort 500) and with serve.body's limits.

A webhook is answered only once its event is on disk (ingest.queue's group commit): 202 with the event's state,
`duplicate: true` for a redelivery (recorded once). Over `max_queue` events waiting for the chain, 429 with
Retry-After; an unsigned or stale request 401 (ingest.auth).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from servicecoin.ingest import auth
from servicecoin.ingest.mapping import MAPPINGS
from servicecoin.ingest.metrics import Metrics
from servicecoin.ingest.queue import EventQueue, QueueError
from servicecoin.ingest.settings import AgentSettings
from servicecoin.serve.answers import error_answer, json_answer
from servicecoin.serve.app import http_error, server_error
from servicecoin.serve.body import Disconnected, read_body
from servicecoin.serve.failures import failure_answer, log_failure
from servicecoin.serve.fields import RequestError
from servicecoin.serve.hosts import allowed_hosts
from servicecoin.serve.jsonbody import parse_object
from servicecoin.serve.openapi import body_schema
from servicecoin.serve.settings import ServeSettings
from servicecoin.serve.shield import Shield

MAX_EVENT_BODY = 64 * 1024  # a help desk's webhook carries the ticket's fields with the comment
DEPTH_TTL = 0.2  # seconds the queue depth is reused before it is counted again
LOG = logging.getLogger("servicecoin.ingest")


@dataclass
class Ingest:
    """What the endpoints share."""

    queue: EventQueue
    secret: bytes
    settings: AgentSettings
    limits: ServeSettings
    metrics: Metrics
    flusher_alive: Callable[[], bool] = lambda: True
    secret_urls: list[str] = field(default_factory=list)
    _depth: tuple[float, int] = (0.0, 0)

    def depth(self) -> int:
        at, value = self._depth
        if time.monotonic() - at > DEPTH_TTL:
            self._depth = (time.monotonic(), self.queue.depth())
        return self._depth[1]


def _ingest(request: Request) -> Ingest:
    return request.app.state.ingest


def _refusal(ing: Ingest, exc: Exception, what: str) -> Response:
    status, body = failure_answer(exc, what, ing.secret_urls)
    headers = {"Retry-After": str(ing.settings.retry_after_s)} if status in (429, 503) else None
    ing.metrics.requests.labels("refused").inc()
    return json_answer(status, body, headers)


async def post_event(request: Request) -> Response:
    ing = _ingest(request)
    started = time.perf_counter()
    source = request.path_params.get("source", "generic")
    try:
        if source not in MAPPINGS:
            raise RequestError(f"no mapping for '{source}' (known: {', '.join(MAPPINGS)})", None, HTTPStatus.NOT_FOUND)
        raw = await read_body(request, ing.limits.request_deadline, MAX_EVENT_BODY)
        auth.verify(ing.secret, request.headers, raw, ing.settings.max_skew_s)
        event = MAPPINGS[source](parse_object(raw), ing.queue.customer_of)
        if event is None:
            ing.metrics.requests.labels("ignored").inc()
            return json_answer(HTTPStatus.OK, {"ignored": True})
        if ing.depth() >= ing.settings.max_queue:
            raise RequestError(f"the queue holds {ing.settings.max_queue:,} events waiting for the chain; "
                               "try again later", None, HTTPStatus.TOO_MANY_REQUESTS)
        try:
            fresh = await asyncio.wrap_future(ing.queue.submit(event))
        except QueueError as exc:
            log_failure(f"POST {request.url.path}", exc, ing.secret_urls)
            raise RequestError("the queue cannot take events now; try again later", None,
                               HTTPStatus.SERVICE_UNAVAILABLE) from None
    except Disconnected:
        return Response(status_code=HTTPStatus.REQUEST_TIMEOUT)
    except Exception as exc:
        return _refusal(ing, exc, f"POST {request.url.path}")
    ing.metrics.requests.labels("accepted" if fresh else "duplicate").inc()
    ing.metrics.ack.observe(time.perf_counter() - started)
    state = "queued" if fresh else (ing.queue.status(event.id) or {}).get("state", "queued")
    return json_answer(HTTPStatus.ACCEPTED, {"id": event.id, "state": state, "duplicate": not fresh})


async def get_event(request: Request) -> Response:
    status = _ingest(request).queue.status(request.path_params["id"])
    if status is None:
        return error_answer(HTTPStatus.NOT_FOUND, f"no event {request.path_params['id']} was accepted", "id")
    return json_answer(HTTPStatus.OK, status)


async def health(request: Request) -> Response:
    ing = _ingest(request)
    alive = ing.flusher_alive()
    return json_answer(HTTPStatus.OK if alive else HTTPStatus.SERVICE_UNAVAILABLE,
                       {"ok": alive, "flusher": alive, "waiting": ing.depth()})


async def metrics(request: Request) -> Response:
    # in a worker thread: the keys' and budgets' gauges may wait on the node (servicecoin.watch)
    data, ctype = await run_in_threadpool(_ingest(request).metrics.exposition)
    return Response(data, HTTPStatus.OK, media_type=ctype)


async def openapi_json(request: Request) -> Response:
    return json_answer(HTTPStatus.OK, OPENAPI)


def _op(summary: str, codes: dict[str, str], body: dict | None = None) -> dict:
    op = {"summary": summary, "responses": {c: {"description": d} for c, d in codes.items()}}
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    return op


POSTED = {"202": "on disk: {id, state, duplicate}", "400": "malformed event (the field is named)",
          "401": "unsigned, wrongly signed or stale", "413": "body over 64 KiB", "415": "not application/json",
          "422": "help-desk user not in the customer table", "429": "queue full (Retry-After)",
          "503": "the queue's disk refused the write (Retry-After)"}
GENERIC = body_schema({"id": {"type": "string"}, "ticket": {"type": "integer"}, "kind": {"type": "string"},
                       "customer": {"type": "string"}, "user": {"type": "string"}, "text": {"type": "string"},
                       "time": {}, "channel": {"type": "string"}, "outcome": {"type": "string"}},
                      optional=("customer", "user", "text", "channel", "outcome"))
OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "ServiceCoin svc agent serve", "version": "1",
             "description": "Help-desk events in, on the service log exactly once (docs/ingest.md). Every POST is "
                            "signed: X-Signature = base64 HMAC-SHA256(secret, X-Signature-Timestamp ‖ body)."},
    "paths": {
        "/events": {"post": _op("Take a generic help-desk event", POSTED, GENERIC)},
        "/events/zendesk": {"post": _op("Take a Zendesk ticket-event webhook", POSTED, {"type": "object"})},
        "/events/{id}": {"get": _op("An event's state: queued, sent, confirmed (seq, tx, block) or parked (reason)",
                                    {"200": "the state", "404": "no such event"})},
        "/health": {"get": _op("Whether the service and its flusher run", {"200": "up", "503": "flusher stopped"})},
        "/metrics": {"get": _op("Prometheus metrics", {"200": "text exposition format"})},
        "/openapi.json": {"get": _op("This document", {"200": "OpenAPI 3.1"})},
    },
}

ROUTES = [
    Route("/events", post_event, methods=["POST"]),
    Route("/events/{source}", post_event, methods=["POST"]),
    Route("/events/{id:path}", get_event, methods=["GET"]),
    Route("/health", health, methods=["GET"]),
    Route("/metrics", metrics, methods=["GET"]),
    Route("/openapi.json", openapi_json, methods=["GET"]),
]


def build_app(ingest: Ingest, bind: str = "127.0.0.1") -> Shield:
    app = Starlette(routes=ROUTES, exception_handlers={HTTPException: http_error, Exception: server_error})
    app.state.ingest = ingest
    return Shield(app, allowed_hosts(ingest.limits, bind), lambda: ingest.secret_urls)
