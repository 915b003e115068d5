"""Wallet sign-in for the page (EIP-4361) and the session every customer-private endpoint needs:

    GET  /api/siwe/nonce   → {nonce}: a fresh nonce, good for one sign-in within 10 minutes
    POST /api/siwe/login   {message, signature} → {address, chain_id, expires_at}, and the session cookie
    POST /api/siwe/logout  → ends the session (the cookie is cleared; the token is forgotten)
    GET  /api/me           → {address, chain_id, expires_at} of the signed-in customer, or 401

`signed_in_endpoint(fn, what)` makes such an endpoint from `fn(site, address) → dict`.
`require_session(request)` is how a later endpoint (voucher codes, ticket subjects, receipts,
notice consent) gets the signed-in address: it raises a 401 RequestError otherwise, and answers
only for the chain this server serves.
"""

from __future__ import annotations

from datetime import datetime, timezone
from http import HTTPStatus
from typing import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from servicecoin.serve.answers import admit_client, failure, json_answer, posted_json, site_of
from servicecoin.serve.body import Disconnected
from servicecoin.serve.erc1271 import signed_by_contract
from servicecoin.serve.fields import RequestError, require, require_hex
from servicecoin.serve.hosts import request_scheme
from servicecoin.serve.sessions import COOKIE, Session
from servicecoin.serve.site import Site
from servicecoin.serve.siwe import check_message, message_digest, parse_message, recover_signer, utcnow


def _iso(unix: float) -> str:
    return datetime.fromtimestamp(int(unix), timezone.utc).isoformat().replace("+00:00", "Z")


def _session_json(session: Session) -> dict:
    return {"address": session.address, "chain_id": session.chain_id, "expires_at": _iso(session.expires)}


def _scheme(request: Request) -> str:
    site = site_of(request)
    return request_scheme(request.url.scheme, request.client.host if request.client else "",
                          request.headers.get("x-forwarded-proto"), site.settings)


def current_session(request: Request) -> Session:
    """The live session of this request for the served chain, or a 401 RequestError."""
    session = request.app.state.sessions.get(request.cookies.get(COOKIE))
    if session is None or session.chain_id != site_of(request).chain_id:
        raise RequestError("sign in with your wallet first", None, HTTPStatus.UNAUTHORIZED)
    return session


def require_session(request: Request) -> str:
    """The address signed in on this request's session for the served chain, or a 401 RequestError."""
    return current_session(request).address


def signed_in_endpoint(fn: Callable[[Site, str], dict], what: str):
    """A GET endpoint answering `fn(site, address)` (run in a thread) for the signed-in address only: 401 without
    a session, `Cache-Control: no-store`, failures as one line (serve.failures)."""
    async def endpoint(request: Request) -> Response:
        site = site_of(request)
        try:
            address = require_session(request)
            answer = await run_in_threadpool(fn, site, address)
        except Exception as exc:
            return failure(exc, what, site)
        return json_answer(HTTPStatus.OK, answer, {"Cache-Control": "no-store"})
    return endpoint


async def nonce(request: Request) -> Response:
    try:
        admit_client(request)
    except RequestError as exc:
        return failure(exc, "/api/siwe/nonce", site_of(request))
    return json_answer(HTTPStatus.OK, {"nonce": request.app.state.nonces.issue()})


def _verify(request: Request, body: dict) -> Session:
    """Check a sign-in (the nonce is used up by any attempt that names it) and open its session."""
    site = site_of(request)
    text = require(body, "message", str)
    signature = require_hex(body, "signature")
    message = parse_message(text)
    check_message(message, host=request.headers.get("host", ""), scheme=_scheme(request), chain_id=site.chain_id,
                  now=utcnow())
    if not request.app.state.nonces.take(message.nonce):
        raise RequestError("this sign-in message was already used, or its nonce is unknown or too old; sign in again",
                           "message", HTTPStatus.UNAUTHORIZED)
    if recover_signer(text, signature) != message.address and not (
            0 < len(signature) <= 1024 and signed_by_contract(site.chain, message.address, message_digest(text),
                                                              signature, site.settings.gas_cap("erc1271"))):
        raise RequestError("the signature is not the address's in the message", "signature", HTTPStatus.UNAUTHORIZED)
    until = message.expiration_time.timestamp() if message.expiration_time else None
    return request.app.state.sessions.open(message.address, site.chain_id, until)


async def login(request: Request) -> Response:
    site = site_of(request)
    try:
        admit_client(request)
        body = await posted_json(request)
        token, session = await run_in_threadpool(_verify, request, body)
    except Disconnected:
        return Response(status_code=HTTPStatus.REQUEST_TIMEOUT)
    except Exception as exc:
        return failure(exc, "/api/siwe/login", site)
    answer = json_answer(HTTPStatus.OK, _session_json(session))
    answer.set_cookie(COOKIE, token, max_age=max(1, int(session.expires - utcnow().timestamp())), path="/",
                      httponly=True, samesite="strict", secure=_scheme(request) == "https")
    return answer


async def logout(request: Request) -> Response:
    site = site_of(request)
    try:
        admit_client(request)
        await posted_json(request)
    except Disconnected:
        return Response(status_code=HTTPStatus.REQUEST_TIMEOUT)
    except Exception as exc:
        return failure(exc, "/api/siwe/logout", site)
    ended = request.app.state.sessions.close(request.cookies.get(COOKIE))
    answer = json_answer(HTTPStatus.OK, {"signed_out": ended})
    answer.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict", secure=_scheme(request) == "https")
    return answer


async def me(request: Request) -> Response:
    try:
        session = current_session(request)
    except RequestError as exc:
        return failure(exc, "/api/me", site_of(request))
    return json_answer(HTTPStatus.OK, _session_json(session))


ROUTES = [
    Route("/api/siwe/nonce", nonce, methods=["GET"]),
    Route("/api/siwe/login", login, methods=["POST"]),
    Route("/api/siwe/logout", logout, methods=["POST"]),
    Route("/api/me", me, methods=["GET"]),
]
