"""Masking the secret parts of node URLs in text meant for a log: userinfo, the query string, and
path segments that look like API keys (https://eth-sepolia.g.alchemy.com/v2/KEY → …/v2/***).
Requests and web3 errors carry the full URL; nothing that leaves `svc serve` should."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit

MASK = "***"
URL = re.compile(r"""[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'"<>()\[\]{},]+""")
# A path segment that looks like a key: 16+ characters of a token alphabet, or any segment with both
# letters and at least 6 digits (ids and keys mixed with a few words stay visible when short).
KEYLIKE = re.compile(r"^(?=.*\d)[A-Za-z0-9_\-.~=+]{16,}$|^(?=(?:.*\d){6})(?=.*[A-Za-z])[A-Za-z0-9_\-.~=+]{8,}$")


def _secret_segment(segment: str) -> bool:
    return bool(KEYLIKE.match(unquote(segment)))


def mask_url(url: str) -> str:
    """`url` with its userinfo, query, fragment and key-like path segments replaced by ***."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return MASK
    if ":" in host:
        host = f"[{host}]"
    userinfo = f"{MASK}@" if "@" in parts.netloc else ""
    path = "/".join(MASK if _secret_segment(s) else s for s in parts.path.split("/"))
    query = f"?{MASK}" if parts.query else ""
    fragment = f"#{MASK}" if parts.fragment else ""
    return f"{parts.scheme}://{userinfo}{host}{port}{path}{query}{fragment}"


def secrets_of(url: str) -> list[str]:
    """The secret parts of `url` (as written and URL-quoted), to scrub from text that may quote them
    without the rest of the URL (requests' 'Max retries exceeded with url: /v2/KEY?…')."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url] if url else []
    found = [s for s in parts.path.split("/") if s and _secret_segment(s)]
    found += [p for p in (parts.query, parts.fragment, parts.netloc.rpartition("@")[0]) if p]
    found += [p for piece in (parts.username, parts.password) if piece for p in (piece, unquote(piece))]
    found += [quote(s, safe="") for s in list(found)] + [unquote(s) for s in list(found)]
    return sorted({s for s in found if len(s) >= 3}, key=len, reverse=True)


def redact(text: str, urls: list[str] | tuple[str, ...] = ()) -> str:
    """`text` with every URL in it masked, and every secret part of `urls` replaced by *** wherever it
    stands alone."""
    for url in urls:
        for secret in secrets_of(url):
            text = text.replace(secret, MASK)
    return URL.sub(lambda m: mask_url(m.group(0)), text)
