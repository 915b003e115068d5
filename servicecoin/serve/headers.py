"""The headers every answer of `svc serve` carries — pages, JSON, errors and the answers the HTTP
layer writes itself (a refused connection, a request that took too long, malformed HTTP) — and the
one-line JSON error those raw answers use."""

from __future__ import annotations

import json
from http import HTTPStatus

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
)
JSON_TYPE = "application/json; charset=utf-8"


def error_body(message: str, field: str | None = None) -> bytes:
    """`{"error": …, "field": …}` on one line."""
    return json.dumps({"error": " ".join(message.split()), **({"field": field} if field else {})}).encode()


def with_security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`headers` (raw ASGI pairs) with every security header and a Cache-Control it lacks."""
    present = {name.lower() for name, _ in headers}
    extra = [(name.encode(), value.encode()) for name, value in SECURITY_HEADERS if name.encode() not in present]
    if b"cache-control" not in present:
        extra.append((b"cache-control", b"no-store"))
    return headers + extra


def raw_answer(status: int, message: str) -> bytes:
    """A complete HTTP/1.1 answer closing the connection, for the protocol layer to write directly."""
    body = error_body(message)
    head = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", f"content-type: {JSON_TYPE}",
            f"content-length: {len(body)}", "connection: close", "cache-control: no-store",
            *(f"{name}: {value}" for name, value in SECURITY_HEADERS)]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body
