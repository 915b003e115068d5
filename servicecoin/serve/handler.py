"""The http.server front end of `svc serve`: static files, /config.json, /api/health and POST
/api/<relay>. It only speaks HTTP: who the client is and how often it may ask (serve.guard), what a
failure answers (serve.failures) and the relays themselves (serve.site) live in plain modules that
another front end can call the same way.
"""

from __future__ import annotations

import json
import mimetypes
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from servicecoin import PROJECT_ROOT
from servicecoin.errors import ServiceCoinError
from servicecoin.serve.failures import failure_answer, log_failure
from servicecoin.serve.fields import RequestError
from servicecoin.serve.site import RELAYS, Site

# Files served from outside web/: URL path → file. Nothing else outside web/ is reachable.
VENDOR = {
    "/vendor/ethers.min.js": PROJECT_ROOT / "node_modules" / "ethers" / "dist" / "ethers.min.js",
}
MAX_BODY = 16 * 1024  # bytes; relayed requests are a signature and a few fields
READ_TIMEOUT = 10  # seconds a client may take to send its request (slow clients hold a thread)
DEFAULT_PORT = 8080
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


class Handler(BaseHTTPRequestHandler):
    """Static files, /config.json and POST /api/<relay>."""

    site: Site  # set on the subclass made by make_server
    timeout = READ_TIMEOUT  # socket timeout: a client that stalls mid-request is dropped
    server_version = "svc-serve"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)

    # ------------------------------------------------------------------ responses
    def _headers(self, status: int, content_type: str, length: int, cache: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        self.send_header("Cache-Control", "no-cache" if cache else "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", CSP)
        self.end_headers()

    def _json(self, status: int, data: Any) -> None:
        body = json.dumps(data).encode()
        self._headers(status, "application/json; charset=utf-8", len(body))
        self.wfile.write(body)

    def _error(self, status: int, message: str, field: str | None = None) -> None:
        self._json(status, {"error": message, **({"field": field} if field else {})})

    # ------------------------------------------------------------------ GET
    def do_HEAD(self) -> None:  # noqa: N802
        self._get(head=True)

    def do_GET(self) -> None:  # noqa: N802
        self._get(head=False)

    def _get(self, head: bool) -> None:
        try:
            self._serve_get(head)
        except Exception as exc:  # answer generically; the details (masked) go to the log
            self._json(*failure_answer(exc, f"GET {urlsplit(self.path).path}", self.site.secret_urls()))

    def _serve_get(self, head: bool) -> None:
        path = urlsplit(self.path).path
        if path == "/config.json":
            return self._json(HTTPStatus.OK, self.site.config())
        if path == "/api/health":
            return self._json(HTTPStatus.OK, {"ok": True, "network": self.site.network.id})
        file = self._static(path)
        if file is None:
            return self._error(HTTPStatus.NOT_FOUND, f"no such page: {path}")
        data = file.read_bytes()
        ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype.endswith(("javascript", "json")):
            ctype += "; charset=utf-8"
        self._headers(HTTPStatus.OK, ctype, len(data), cache=True)
        if not head:
            self.wfile.write(data)

    def _static(self, path: str) -> Path | None:
        if path in VENDOR:
            return VENDOR[path] if VENDOR[path].is_file() else None
        if path.endswith("/"):
            path += "index.html"
        root = self.site.web_root.resolve()
        target = (root / path.lstrip("/")).resolve()
        if root not in target.parents or not target.is_file() or target.name.startswith("."):
            return None
        return target

    # ------------------------------------------------------------------ POST
    def do_POST(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        if not path.startswith("/api/"):
            return self._error(HTTPStatus.NOT_FOUND, f"no such endpoint: {path}")
        name = path[len("/api/"):]
        try:
            self.site.guard.admit_client(self.client_address[0], self.headers.get("X-Forwarded-For"))
            body = self._request_body(name)
            if body is None:
                return
            with self.site.lock:
                result = RELAYS[name][1](self.site, body)
        except Exception as exc:
            return self._json(*failure_answer(exc, f"/api/{name}", self.site.secret_urls()))
        return self._json(HTTPStatus.OK, result)

    def _request_body(self, name: str) -> dict | None:
        """The JSON object a relay request carries, or a RequestError; None when the client stalled."""
        if name not in RELAYS or RELAYS[name][0] not in self.site.contracts():
            raise RequestError(f"this server does not relay '{name}' on {self.site.network.id}", None, HTTPStatus.NOT_FOUND)
        origin = self.headers.get("Origin")
        host = self.headers.get("Host", "")
        if origin and urlsplit(origin).netloc != host:
            raise RequestError(f"requests from {origin} are not accepted", None, HTTPStatus.FORBIDDEN)
        if (self.headers.get("Content-Type") or "").split(";")[0].strip() != "application/json":
            raise RequestError("send the request as application/json", None, HTTPStatus.UNSUPPORTED_MEDIA_TYPE)
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise RequestError("Content-Length is required", None, HTTPStatus.LENGTH_REQUIRED) from None
        if length < 0:
            raise RequestError("Content-Length must not be negative")
        if length > MAX_BODY:
            raise RequestError(f"request is {length} bytes; the limit is {MAX_BODY}", None,
                               HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
        try:
            body = json.loads(self.rfile.read(length) or b"null")
        except TimeoutError:
            self.close_connection = True
            return None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RequestError(f"request body is not valid JSON: {exc}") from None
        if not isinstance(body, dict):
            raise RequestError("request body must be a JSON object")
        return body


class SiteServer(ThreadingHTTPServer):
    """A threading HTTP server whose uncaught errors go to the log with node URLs masked."""

    daemon_threads = True
    site: Site

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        exc = sys.exc_info()[1]
        if exc is not None:
            log_failure(f"a request from {client_address[0]}", exc, self.site.secret_urls())


def make_server(site: Site, host: str = "127.0.0.1", port: int = DEFAULT_PORT, verbose: bool = False) -> SiteServer:
    """An HTTP server for `site` (not yet serving; call serve_forever)."""
    handler = type("SiteHandler", (Handler,), {"site": site})
    try:
        server = SiteServer((host, port), handler)
    except OSError as exc:
        raise ServiceCoinError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    server.site = site
    server.verbose = verbose  # type: ignore[attr-defined]
    return server


