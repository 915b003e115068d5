"""Reading a JSON request body within the limits: `application/json`, a Content-Length (or a
chunked body) of at most MAX_BODY bytes, arriving before the request's deadline, and JSON that
jsonbody accepts. Every refusal is a RequestError with its status (411, 413, 415, 400, 408)."""

from __future__ import annotations

import asyncio
import time
from http import HTTPStatus

from starlette.requests import ClientDisconnect, Request

from servicecoin.serve.fields import RequestError
from servicecoin.serve.jsonbody import parse_object

MAX_BODY = 16 * 1024  # bytes; relayed requests are a signature and a few fields
MARGIN = 0.5  # seconds before the protocol's deadline at which the app answers 408 itself


class Disconnected(Exception):
    """The client went away (or was cut off) before its body arrived: there is no one to answer."""


def _remaining(request: Request, deadline: float) -> float:
    """Seconds left to read the body: up to the protocol's deadline (scope extension) or `deadline`."""
    until = request.scope.get("extensions", {}).get("svc.deadline")
    if until is None:
        return deadline
    return max(0.0, until - asyncio.get_running_loop().time() - MARGIN)


async def read_json(request: Request, deadline: float) -> dict:
    """The JSON object `request` carries, read within the limits and `deadline` seconds."""
    return parse_object(await read_body(request, deadline))


async def read_body(request: Request, deadline: float, limit: int = MAX_BODY) -> bytes:
    """The raw bytes of a JSON request's body (at most `limit`), read within `deadline` seconds (a webhook's
    signature is over these bytes)."""
    if (request.headers.get("content-type") or "").split(";")[0].strip().lower() != "application/json":
        raise RequestError("send the request as application/json", None, HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
    declared = request.headers.get("content-length")
    if declared is None and "chunked" not in (request.headers.get("transfer-encoding") or "").lower():
        raise RequestError("Content-Length is required", None, HTTPStatus.LENGTH_REQUIRED)
    if declared is not None and int(declared) > limit:  # the protocol layer checked it is digits
        raise RequestError(f"request is {declared} bytes; the limit is {limit}", None,
                           HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    chunks: list[bytes] = []
    size = 0
    started = time.monotonic()
    try:
        async with asyncio.timeout(_remaining(request, deadline)):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise RequestError(f"request is over {limit} bytes, the limit", None,
                                       HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
                chunks.append(chunk)
    except TimeoutError:
        raise RequestError(f"the request body did not arrive within {time.monotonic() - started:.0f} s", None,
                           HTTPStatus.REQUEST_TIMEOUT) from None
    except ClientDisconnect:
        raise Disconnected() from None
    return b"".join(chunks)
