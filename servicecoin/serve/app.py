"""The Starlette app of `svc serve`: the static page in web/ (and ethers from node_modules),
/config.json, /api/health, the OpenAPI document and its page, wallet sign-in (serve.auth), the
customer's inclusion receipts (serve.receipts), catalog metadata, pictures, voucher codes and ticket
subjects (serve.content), notice consent (serve.notices), /metrics (serve.metrics) and
POST /api/<relay> for the relays registered with serve.site. Wrapped in serve.shield (security
headers, Host check, last-resort 500); the HTTP limits live in serve.protocol and serve.body.
"""

from __future__ import annotations

import mimetypes
from http import HTTPStatus
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from servicecoin import PROJECT_ROOT
from servicecoin.serve import auth, content, metrics, notices, receipts
from servicecoin.serve.answers import admit_client, error_answer, failure, json_answer, posted_json, site_of
from servicecoin.serve.body import Disconnected
from servicecoin.serve.failures import INTERNAL
from servicecoin.serve.fields import RequestError
from servicecoin.serve.hosts import allowed_hosts
from servicecoin.serve.openapi import docs_page, openapi
from servicecoin.serve.sessions import NonceBook, SessionTable
from servicecoin.serve.shield import Shield
from servicecoin.serve.site import RELAYS, Site

# Files served from outside web/: URL path → file. Nothing else outside web/ is reachable.
VENDOR = {
    "/vendor/ethers.min.js": PROJECT_ROOT / "node_modules" / "ethers" / "dist" / "ethers.min.js",
}


def static_file(site: Site, path: str) -> Path | None:
    """The file under web/ (or VENDOR) that `path` names; None for anything else."""
    if path in VENDOR:
        return VENDOR[path] if VENDOR[path].is_file() else None
    if path.endswith("/"):
        path += "index.html"
    root = site.web_root.resolve()
    target = (root / path.lstrip("/")).resolve()
    if root not in target.parents or not target.is_file() or target.name.startswith("."):
        return None
    return target


async def page(request: Request) -> Response:
    path = request.url.path
    file = static_file(site_of(request), path)
    if file is None:
        return error_answer(HTTPStatus.NOT_FOUND, f"no such page: {path}")
    ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    if ctype.startswith("text/") or ctype.endswith(("javascript", "json")):
        ctype += "; charset=utf-8"
    return Response(file.read_bytes(), HTTPStatus.OK, {"Cache-Control": "no-cache"}, media_type=ctype)


async def config(request: Request) -> Response:
    site = site_of(request)
    try:
        return json_answer(HTTPStatus.OK, await run_in_threadpool(site.config))
    except Exception as exc:
        return failure(exc, "GET /config.json", site)


async def health(request: Request) -> Response:
    return json_answer(HTTPStatus.OK, {"ok": True, "network": site_of(request).network.id})


async def openapi_json(request: Request) -> Response:
    return json_answer(HTTPStatus.OK, openapi(site_of(request)))


async def api_docs(request: Request) -> Response:
    return HTMLResponse(docs_page(openapi(site_of(request))), headers={"Cache-Control": "no-cache"})


def _relay(site: Site, name: str, body: dict) -> dict:
    with site.lock:  # one relay at a time, so the relayer's nonces stay in order
        return RELAYS[name][1](site, body)


async def relay(request: Request) -> Response:
    site = site_of(request)
    name = request.path_params["name"]
    try:
        admit_client(request)
        if name not in RELAYS or RELAYS[name][0] not in site.contracts():
            raise RequestError(f"this server does not relay '{name}' on {site.network.id}", None, HTTPStatus.NOT_FOUND)
        body = await posted_json(request)
        result = await run_in_threadpool(_relay, site, name, body)
    except Disconnected:
        return Response(status_code=HTTPStatus.REQUEST_TIMEOUT)
    except Exception as exc:
        return failure(exc, f"/api/{name}", site)
    return json_answer(HTTPStatus.OK, result)


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (no route, wrong method) as one-line JSON."""
    status = exc.status_code if isinstance(exc, HTTPException) else HTTPStatus.INTERNAL_SERVER_ERROR
    path = request.url.path
    message = f"no such endpoint: {path}" if status == 404 else f"{request.method} is not allowed on {path}"
    return error_answer(status, message, None)


async def server_error(request: Request, exc: Exception) -> Response:
    """An error nothing caught: a generic one-line 500 (serve.shield logs it, masked)."""
    return error_answer(HTTPStatus.INTERNAL_SERVER_ERROR, INTERNAL)


ROUTES = [
    Route("/config.json", config, methods=["GET"]),
    Route("/api/health", health, methods=["GET"]),
    Route("/openapi.json", openapi_json, methods=["GET"]),
    Route("/api/docs", api_docs, methods=["GET"]),
    *auth.ROUTES,
    *receipts.ROUTES,
    *content.ROUTES,
    *metrics.ROUTES,
    *notices.ROUTES,
    Route("/api/{name:path}", relay, methods=["POST"]),
    Route("/{path:path}", page, methods=["GET"]),
]


def build_app(site: Site, bind: str = "127.0.0.1") -> Shield:
    """The ASGI app serving `site` (bound to `bind`, which counts among the allowed Host names)."""
    app = Starlette(routes=ROUTES, exception_handlers={HTTPException: http_error, Exception: server_error})
    app.state.site = site
    app.state.nonces = NonceBook()
    app.state.sessions = SessionTable()
    return Shield(app, allowed_hosts(site.settings, bind), site.secret_urls)
