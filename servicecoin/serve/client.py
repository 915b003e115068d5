"""Who a request comes from, for the per-client rate limit: the peer address, or the address a
trusted proxy names in X-Forwarded-For; an IPv6 address counts by its /64 (one subscriber's
network), an IPv4-mapped one as the IPv4 address."""

from __future__ import annotations

import ipaddress
from typing import Iterable

from servicecoin.serve.settings import IPNetwork


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def _trusted(address, proxies: Iterable[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def trusted_peer(peer: str, proxies: Iterable[IPNetwork]) -> bool:
    """Whether the peer at `peer` is one of the trusted proxies (whose forwarding headers count)."""
    address = _address(peer)
    return address is not None and _trusted(address, tuple(proxies))


def client_address(peer: str, forwarded_for: str | None, proxies: Iterable[IPNetwork]):
    """The client's address: `peer`, unless `peer` is a trusted proxy; then the right-most address in
    X-Forwarded-For that is not itself a trusted proxy (what the nearest untrusted hop said). A header
    from anyone else is ignored, so a client cannot pick its own key."""
    proxies = tuple(proxies)
    address = _address(peer)
    if address is None or not forwarded_for or not _trusted(address, proxies):
        return address
    for hop in reversed(forwarded_for.split(",")):
        named = _address(hop)
        if named is None:
            return address  # a malformed chain: count the proxy itself
        if not _trusted(named, proxies):
            return named
        address = named
    return address


def client_key(peer: str, forwarded_for: str | None = None, proxies: Iterable[IPNetwork] = ()) -> str:
    """The rate-limit key of a request: its client's IPv4 address or IPv6 /64."""
    address = client_address(peer, forwarded_for, proxies)
    if address is None:
        return peer
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)
