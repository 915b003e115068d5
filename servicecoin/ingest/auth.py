"""Webhook authentication: HMAC-SHA256 over the timestamp and the body with a shared secret from the environment,
the scheme Zendesk signs its webhooks with (https://developer.zendesk.com/documentation/webhooks/verifying/):

    X-Signature-Timestamp: 2024-12-07T08:26:40Z   (or unix seconds)
    X-Signature: base64(HMAC-SHA256(secret, timestamp ‖ body))    (hex accepted too)

Zendesk's own header names (X-Zendesk-Webhook-Signature, X-Zendesk-Webhook-Signature-Timestamp) are read too.
A request without them, with a wrong signature, or with a timestamp more than `max_skew` seconds from the
clock is refused (401). The secret is read once and never logged or echoed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import time
from datetime import datetime
from http import HTTPStatus

from servicecoin.errors import ConfigError
from servicecoin.serve import RequestError

SECRET_ENV = "SVC_INGEST_SECRET"
MIN_SECRET = 16  # bytes
HEADERS = (("x-signature", "x-signature-timestamp"),
           ("x-zendesk-webhook-signature", "x-zendesk-webhook-signature-timestamp"))


def load_secret(env: str = SECRET_ENV) -> bytes:
    """The shared secret from the environment; one line naming the variable (never the value) when unusable."""
    value = os.environ.get(env, "")
    if len(value.encode()) < MIN_SECRET:
        raise ConfigError(f"set {env} to the webhook signing secret (at least {MIN_SECRET} characters)")
    return value.encode()


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The signature header value for `body` sent at `timestamp`."""
    return base64.b64encode(hmac.new(secret, timestamp.encode() + body, hashlib.sha256).digest()).decode()


def _when(timestamp: str) -> float | None:
    if timestamp.isdigit():
        return float(timestamp)
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _decode(signature: str) -> bytes | None:
    text = signature.strip().removeprefix("sha256=")
    try:
        return bytes.fromhex(text) if len(text) == 64 else base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        return None


def verify(secret: bytes, headers, body: bytes, max_skew: float, now: float | None = None) -> None:
    """Refuse (RequestError 401) an unsigned, wrongly signed or stale request."""
    for sig_name, ts_name in HEADERS:
        signature, timestamp = headers.get(sig_name), headers.get(ts_name)
        if signature is not None or timestamp is not None:
            break
    else:
        raise RequestError("the request is not signed (X-Signature and X-Signature-Timestamp)", None,
                           HTTPStatus.UNAUTHORIZED)
    when = _when(timestamp or "")
    if when is None:
        raise RequestError("the signature timestamp is missing or not a time", None, HTTPStatus.UNAUTHORIZED)
    if abs((time.time() if now is None else now) - when) > max_skew:
        raise RequestError(f"the signature timestamp is more than {max_skew:.0f} s from this server's clock",
                           None, HTTPStatus.UNAUTHORIZED)
    given = _decode(signature or "")
    wanted = hmac.new(secret, timestamp.encode() + body, hashlib.sha256).digest()
    if given is None or not hmac.compare_digest(given, wanted):
        raise RequestError("the signature does not match the body", None, HTTPStatus.UNAUTHORIZED)
