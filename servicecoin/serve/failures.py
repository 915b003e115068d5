"""What a client is told when a request fails, and what the operator's log gets.

A refusal the client can act on (a RequestError, a decoded revert) is answered in words, with any
node URL masked. Anything else — the node down or answering 401/404/429, a missing key, a bug — is
answered with a generic 502/503/500 and no details: requests and web3 errors carry the full RPC URL,
API key included. The details go to the `servicecoin.serve` log, with the URL's secrets masked.
"""

from __future__ import annotations

import logging
import traceback
from http import HTTPStatus

import requests
from web3.exceptions import ProviderConnectionError, Web3RPCError

from servicecoin.errors import ConfigError, ServiceCoinError
from servicecoin.serve.fields import RequestError
from servicecoin.serve.redact import mask_url, redact

LOG = logging.getLogger("servicecoin.serve")
NODE_DOWN = "the chain node is unavailable; try again later"
NOT_RELAYING = "this server cannot relay at the moment; try again later"
INTERNAL = "the server failed to handle the request; try again later"
# Failures of the node or of the way to it (never the client's fault, never shown in detail).
NODE_ERRORS = (requests.exceptions.RequestException, ProviderConnectionError, Web3RPCError, ConnectionError,
               TimeoutError)


def log_failure(what: str, exc: BaseException, secret_urls: list[str]) -> None:
    """Write `exc` with its traceback to the log, naming the node; every URL and secret in it masked."""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    node = f" (node {mask_url(secret_urls[0])})" if secret_urls else ""
    LOG.error("%s failed%s: %s", what, node, redact(text, secret_urls))


def failure_answer(exc: BaseException, what: str, secret_urls: list[str]) -> tuple[int, dict]:
    """The HTTP status and JSON body for `exc`, raised while handling `what` (logged when it is not the
    client's to act on)."""
    if isinstance(exc, RequestError):
        body = {"error": redact(str(exc), secret_urls), **({"field": exc.field} if exc.field else {})}
        return exc.status, body
    if isinstance(exc, ConfigError):  # the operator's settings or keys, not the client's request
        log_failure(what, exc, secret_urls)
        return HTTPStatus.SERVICE_UNAVAILABLE, {"error": NOT_RELAYING}
    if isinstance(exc, ServiceCoinError):  # the chain refused: a decoded revert the customer can read
        return HTTPStatus.UNPROCESSABLE_ENTITY, {"error": redact(str(exc), secret_urls)}
    log_failure(what, exc, secret_urls)
    if isinstance(exc, NODE_ERRORS):
        return HTTPStatus.BAD_GATEWAY, {"error": NODE_DOWN}
    return HTTPStatus.INTERNAL_SERVER_ERROR, {"error": INTERNAL}
