"""The outermost layer of the app (pure ASGI, around Starlette): every answer gets the security
headers, whatever produced it (a page, JSON, a 404, a 405, a 500); a request whose Host is not one
of the configured names is answered 421 before anything else runs (DNS rebinding); and an error
that escaped everything inside is logged with its secrets masked and answered with a one-line 500."""

from __future__ import annotations

from typing import Any, Callable

from servicecoin.serve.failures import INTERNAL, log_failure
from servicecoin.serve.headers import JSON_TYPE, error_body, with_security_headers
from servicecoin.serve.hosts import host_allowed

ASGIApp = Callable[..., Any]


class Shield:
    """Security headers, the Host check and a last-resort 500 around `app`."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str], secret_urls: Callable[[], list[str]]):
        self.app = app
        self.hosts = hosts
        self.secret_urls = secret_urls

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def send_secured(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message = {**message, "headers": with_security_headers(list(message.get("headers", [])))}
            await send(message)

        host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
        if not host_allowed(host, self.hosts):
            return await answer(send_secured, 421, f"this server does not answer to the name {host[:100]!r}")
        try:
            await self.app(scope, receive, send_secured)
        except Exception as exc:
            log_failure(f"{scope.get('method')} {scope.get('path')}", exc, self.secret_urls())
            if not started:
                await answer(send_secured, 500, INTERNAL)


async def answer(send: Callable, status: int, message: str) -> None:
    """A one-line JSON error (headers added by the caller's `send`)."""
    body = error_body(message)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", JSON_TYPE.encode()), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
