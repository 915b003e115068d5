"""What every endpoint of the app shares: JSON answers on one line, failures turned into their
answer (serve.failures), and the gate a POST to /api/… passes before its handler reads the body —
the per-client rate limit, the same-origin check and the JSON body within its limits."""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from servicecoin.serve.body import read_json
from servicecoin.serve.failures import failure_answer
from servicecoin.serve.fields import RequestError
from servicecoin.serve.headers import JSON_TYPE, error_body
from servicecoin.serve.hosts import same_origin
from servicecoin.serve.site import Site


def json_answer(status: int, data: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(data, separators=(", ", ": ")), status, headers, media_type=JSON_TYPE)


def error_answer(status: int, message: str, field: str | None = None, headers: dict[str, str] | None = None) -> Response:
    return Response(error_body(message, field), status, headers, media_type=JSON_TYPE)


def failure(exc: BaseException, what: str, site: Site) -> Response:
    """The answer to `exc` raised while handling `what` (details of server faults go to the log only); a refusal
    that says when to come back (`retry_after`, serve.quota) carries Retry-After."""
    status, body = failure_answer(exc, what, site.secret_urls())
    retry = getattr(exc, "retry_after", None)
    return error_answer(status, body["error"], body.get("field"), {"Retry-After": str(retry)} if retry else None)


def site_of(request: Request) -> Site:
    return request.app.state.site


def peer(request: Request) -> str:
    return request.client.host if request.client else ""


def admit_client(request: Request) -> None:
    """Count a request against its client's rate limit (429 over it)."""
    site_of(request).guard.admit_client(peer(request), request.headers.get("x-forwarded-for"))


def check_origin(request: Request) -> None:
    """Refuse (403) a browser request from a page of another origin."""
    origin = request.headers.get("origin")
    if not same_origin(origin, request.headers.get("host", "")):
        raise RequestError(f"requests from {origin} are not accepted", None, HTTPStatus.FORBIDDEN)


async def posted_json(request: Request) -> dict:
    """The JSON object of a POST to /api/… from this site's own page, within the limits."""
    check_origin(request)
    return await read_json(request, site_of(request).settings.request_deadline)
