"""Notice consent on the page and the one-click unsubscribe (docs/notices.md); the logic is servicecoin.notices.

    GET  /api/notices                      the signed-in customer's consent: state, e-mail address, kinds (401 otherwise)
    POST /api/notices                      {email, kinds}: ask for notices; a confirmation link goes to the address
                                           (double opt-in: nothing else is sent until it is followed)
    POST /api/notices/withdraw             opt out: the contact data is deleted
    POST /api/notices/confirm              {token}: the link from the confirmation e-mail (the page posts it)
    POST /api/notices/unsubscribe/{token}  RFC 8058 one-click unsubscribe: the List-Unsubscribe URL of every e-mail.
                                           Mail clients POST `List-Unsubscribe=One-Click` (form-encoded) from no
                                           page of ours, so this one takes any body type and any origin.
    GET  /api/notices/unsubscribe/{token}  a plain page pointing at the page's one-click button (a GET never unsubscribes)

Only the signed-in customer's own e-mail address is ever answered; no endpoint takes an address to look up.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from http import HTTPStatus

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from servicecoin.errors import ConfigError
from servicecoin.mailer import MailError, smtp_settings
from servicecoin.notices.contacts import KIND_NAMES, KINDS, ConsentError
from servicecoin.notices.outbox import Links, send_confirmation
from servicecoin.notices.run import open_book
from servicecoin.notices.settings import NoticeSettings, check_base_url, load_settings
from servicecoin.serve.answers import admit_client, failure, json_answer, posted_json, site_of
from servicecoin.serve.auth import require_session
from servicecoin.serve.body import MAX_BODY, Disconnected
from servicecoin.serve.fields import RequestError, require
from servicecoin.serve.hosts import request_scheme
from servicecoin.serve.site import Site

LOG = logging.getLogger("servicecoin.serve")
NO_MAIL = "e-mail notices are not available on this server at the moment"


def _settings(request: Request) -> NoticeSettings:
    state = request.app.state
    if getattr(state, "notice_settings", None) is None:
        state.notice_settings = load_settings()
    return state.notice_settings


def _links(request: Request, settings: NoticeSettings) -> Links:
    """The page's public URL (notices.base_url), or on a local network this request's own origin."""
    site = site_of(request)
    if settings.base_url or not site.network.local:
        return Links(settings.page_url(site.network.local))
    scheme = request_scheme(request.url.scheme, request.client.host if request.client else "",
                            request.headers.get("x-forwarded-proto"), site.settings)
    return Links(check_base_url(f"{scheme}://{request.headers.get('host', '')}/", local=True))


def _answer(contact) -> dict:
    if contact is None:
        return {"state": "none", "email": None, "kinds": [], "known_kinds": KIND_NAMES}
    return {"state": contact.state, "email": contact.email, "kinds": list(contact.kinds), "known_kinds": KIND_NAMES}


def _wrap(exc: Exception) -> Exception:
    if isinstance(exc, ConsentError):
        return RequestError(str(exc), exc.field, exc.status)
    if isinstance(exc, MailError):  # the operator's log gets the server's answer, the address masked
        LOG.warning("notice confirmation e-mail failed: %s", re.sub(r"[^\s<>@]+@", "…@", str(exc)))
        return RequestError("the confirmation e-mail could not be sent; try again later", None, HTTPStatus.BAD_GATEWAY)
    if isinstance(exc, ConfigError):
        return RequestError(NO_MAIL, None, HTTPStatus.SERVICE_UNAVAILABLE)
    return exc


def _status(site: Site, settings: NoticeSettings, address: str) -> dict:
    with open_book(site.network.id, settings) as (_, book):
        return _answer(book.get(address))


def _request(site: Site, settings: NoticeSettings, links: Links, address: str, body: dict) -> dict:
    email, kinds = require(body, "email", str), require(body, "kinds", list)
    smtp = smtp_settings()  # before anything is kept: no e-mail, no consent request
    with open_book(site.network.id, settings) as (_, book):
        token = book.request(address, email, kinds)
        contact = book.get(address)
        if token is not None:
            send_confirmation(contact, token, links, settings.program, smtp, settings.templates)
    return {**_answer(contact), "confirmation_sent": token is not None}


def _withdraw(site: Site, settings: NoticeSettings, address: str) -> dict:
    with open_book(site.network.id, settings) as (_, book):
        return {**_answer(None), "withdrawn": book.withdraw(address)}


def _confirm(site: Site, settings: NoticeSettings, body: dict) -> dict:
    token = require(body, "token", str)
    with open_book(site.network.id, settings) as (_, book):
        contact = book.confirm(token[:200], settings.confirm_ttl)
    if contact is None:
        raise RequestError("this confirmation link is unknown, already used or expired; ask again on the page",
                           "token", HTTPStatus.NOT_FOUND)
    return {"state": "confirmed", "kinds": list(contact.kinds), "known_kinds": KIND_NAMES}


def _unsubscribe(site: Site, settings: NoticeSettings, token: str) -> dict:
    with open_book(site.network.id, settings) as (_, book):
        customer = book.unsubscribe(token[:200])
    return {"unsubscribed": customer is not None, "state": "none"}


async def _handle(request: Request, what: str, work, *, session: bool = True, post: bool = True) -> Response:
    """Gate, session and body of one endpoint, then `work(site, settings, address, body)` in a thread."""
    site = site_of(request)
    try:
        if post:
            admit_client(request)
        address = require_session(request) if session else None
        body = await posted_json(request) if post else None
        answer = await run_in_threadpool(work, site, _settings(request), address, body)
    except Disconnected:
        return Response(status_code=HTTPStatus.REQUEST_TIMEOUT)
    except Exception as exc:
        return failure(_wrap(exc), what, site)
    return json_answer(HTTPStatus.OK, answer, {"Cache-Control": "no-store"})


async def status(request: Request) -> Response:
    return await _handle(request, "GET /api/notices", lambda site, settings, address, _: _status(site, settings, address),
                         post=False)


async def ask(request: Request) -> Response:
    site = site_of(request)
    try:
        links = _links(request, _settings(request))
    except Exception as exc:
        return failure(_wrap(exc), "POST /api/notices", site)
    return await _handle(request, "POST /api/notices",
                         lambda site, settings, address, body: _request(site, settings, links, address, body))


async def withdraw(request: Request) -> Response:
    return await _handle(request, "POST /api/notices/withdraw",
                         lambda site, settings, address, _: _withdraw(site, settings, address))


async def confirm(request: Request) -> Response:
    return await _handle(request, "POST /api/notices/confirm", lambda site, settings, _, body: _confirm(site, settings, body),
                         session=False)


async def _drain(request: Request, deadline: float) -> None:
    """Read (and drop) a one-click body of any type, within MAX_BODY and the deadline."""
    size = 0
    try:
        async with asyncio.timeout(deadline):
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BODY:
                    raise RequestError(f"request is over {MAX_BODY} bytes, the limit", None,
                                       HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    except TimeoutError:
        raise RequestError("the request body did not arrive in time", None, HTTPStatus.REQUEST_TIMEOUT) from None
    except ClientDisconnect:
        raise Disconnected() from None


async def one_click(request: Request) -> Response:
    site = site_of(request)
    try:
        admit_client(request)
        await _drain(request, site.settings.request_deadline)
        answer = await run_in_threadpool(_unsubscribe, site, _settings(request), request.path_params["token"])
    except Disconnected:
        return Response(status_code=HTTPStatus.REQUEST_TIMEOUT)
    except Exception as exc:
        return failure(_wrap(exc), "POST /api/notices/unsubscribe", site)
    return json_answer(HTTPStatus.OK, answer, {"Cache-Control": "no-store"})


async def unsubscribe_page(request: Request) -> Response:
    token = html.escape(request.path_params["token"][:200], quote=True)
    return HTMLResponse(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Stop e-mail notices</title>'
        '<link rel="stylesheet" href="/styles.css"></head><body><main class="card"><h1>Stop e-mail notices</h1>'
        f'<p>Open <a href="/#notices-unsubscribe={token}">this page</a> and press <b>Stop all notices</b>: one click, '
        "no sign-in. Your e-mail address is deleted at once.</p></main></body></html>",
        headers={"Cache-Control": "no-store"})


ROUTES = [
    Route("/api/notices", status, methods=["GET"]),
    Route("/api/notices", ask, methods=["POST"]),
    Route("/api/notices/withdraw", withdraw, methods=["POST"]),
    Route("/api/notices/confirm", confirm, methods=["POST"]),
    Route("/api/notices/unsubscribe/{token}", one_click, methods=["POST"]),
    Route("/api/notices/unsubscribe/{token}", unsubscribe_page, methods=["GET"]),
]


def openapi_paths(operation, body_schema, text, post_errors) -> dict:
    """The OpenAPI entries of these endpoints (serve.openapi's helpers passed in)."""
    email = {"oneOf": [text, {"type": "null"}]}
    kinds = {"type": "array", "items": {"type": "string", "enum": list(KINDS)}}
    token = [{"name": "token", "in": "path", "required": True, "schema": text}]
    consent = body_schema({"state": {"type": "string", "enum": ["none", "pending", "confirmed"]}, "email": email,
                           "kinds": kinds, "known_kinds": {"type": "object"}})
    return {
        "/api/notices": {
            "get": operation("The signed-in customer's notice consent: state, e-mail address, kinds", consent,
                             errors=("401",), secured=True),
            "post": operation("Ask for e-mail notices (double opt-in): a confirmation link is e-mailed to the address; "
                              "nothing else is sent until it is followed", consent,
                              body_schema({"email": text, "kinds": kinds}),
                              errors=(*post_errors, "401", "502", "503"), secured=True),
        },
        "/api/notices/withdraw": {"post": operation(
            "Opt out of every notice: the e-mail address is deleted", consent, body_schema({}),
            errors=(*post_errors, "401"), secured=True)},
        "/api/notices/confirm": {"post": operation(
            "Follow the confirmation link (its token); 404 when unknown, used or expired", consent,
            body_schema({"token": text}), errors=(*post_errors, "404"))},
        "/api/notices/unsubscribe/{token}": {
            "post": {**operation("RFC 8058 one-click unsubscribe (the List-Unsubscribe URL of every notice): any body, "
                                 "e.g. List-Unsubscribe=One-Click form-encoded; any origin",
                                 body_schema({"unsubscribed": {"type": "boolean"}, "state": text}),
                                 errors=("408", "413", "429")), "parameters": token},
            "get": {**operation("A plain page pointing at the page's one-click button (a GET never unsubscribes)"),
                    "parameters": token},
        },
    }
