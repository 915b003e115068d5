"""Which names `svc serve` answers to, and where a request's page came from.

A browser sends the name it looked up in the Host header. A DNS-rebinding page (a name of the
attacker's that now resolves to 127.0.0.1) therefore arrives with the attacker's name, and is
refused before anything else runs; so a same-origin check (Origin against Host) means something.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from servicecoin.serve.client import trusted_peer
from servicecoin.serve.settings import ServeSettings

DEFAULT_HOSTS = ("127.0.0.1", "localhost")
ANY_ADDRESS = ("0.0.0.0", "::", "")


def allowed_hosts(settings: ServeSettings, bind: str = "127.0.0.1") -> frozenset[str]:
    """The configured names (servicecoin.yaml `serve.hosts`), else 127.0.0.1, localhost and the bind address."""
    if settings.hosts:
        return frozenset(settings.hosts)
    names = set(DEFAULT_HOSTS)
    if bind.strip("[]") not in ANY_ADDRESS:
        names.add(bind.strip("[]").lower())
    return frozenset(names)


def host_name(host: str) -> str:
    """The name in a Host header value, lower case, without port or IPv6 brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def host_allowed(host: str | None, allowed: frozenset[str]) -> bool:
    return bool(host) and host_name(host) in allowed


def request_scheme(scheme: str, peer: str, forwarded_proto: str | None, settings: ServeSettings) -> str:
    """`scheme`, or what a trusted proxy says in X-Forwarded-Proto (a TLS proxy in front)."""
    if forwarded_proto and trusted_peer(peer, settings.trusted_proxies):
        proto = forwarded_proto.split(",")[0].strip().lower()
        if proto in ("http", "https"):
            return proto
    return scheme


def same_origin(origin: str | None, host: str) -> bool:
    """Whether a request's Origin header (absent: not a cross-site browser request) names `host`."""
    return not origin or urlsplit(origin).netloc.lower() == host.lower()
