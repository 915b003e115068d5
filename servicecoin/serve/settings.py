"""The `serve:` settings of servicecoin.yaml: rate limits, trusted proxies, the deadline margin, the
failed-relay budgets, the daily per-customer relay quota (serve.quota) and the gas caps that keep `svc serve`'s relayer from being drained, and the
names, deadlines and connection cap of the HTTP server itself. Every setting is optional; a wrong
one is a ConfigError naming it."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from servicecoin.errors import ConfigError
from servicecoin.serve.quota import WEI, CustomerQuota

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
WHERE = "servicecoin.yaml: serve"


@dataclass(frozen=True)
class Window:
    """At most `count` events per `seconds` (a sliding window)."""

    count: int
    seconds: float


@dataclass(frozen=True)
class ServeSettings:
    client_limit: Window | None = Window(30, 60.0)  # relayed requests per client (IPv6 by /64); None: off
    customer_limit: Window | None = Window(10, 60.0)  # relayed requests per signing customer; None: off
    trusted_proxies: tuple[IPNetwork, ...] = ()  # peers whose X-Forwarded-For is believed
    max_tracked: int = 100_000  # entries each limit table keeps at most (least recently used go first)
    deadline_margin: int = 120  # seconds a signature must stay valid past the wall clock and the latest block
    failed_per_customer: Window = Window(3, 3600.0)  # relays that failed after the signature checked out
    failed_total: Window = Window(30, 3600.0)  # the same, all customers together: beyond it the relay pauses
    gas_caps: dict[str, int] = field(default_factory=lambda: dict(GAS_CAPS))
    hosts: tuple[str, ...] = ()  # names the Host header may carry; empty: 127.0.0.1, localhost and the bind address
    request_deadline: float = 10.0  # seconds a client has to send a whole request (headers and body)
    max_connections: int = 100  # open connections at most; more are answered 503 and closed
    keep_alive: int = 5  # seconds an idle keep-alive connection stays open
    customer_quota: CustomerQuota | None = CustomerQuota(2_000_000, 2 * 10**16)  # per customer per UTC day; None: off

    def gas_cap(self, kind: str) -> int:
        return self.gas_caps[kind]

    @classmethod
    def from_config(cls, section: Any) -> ServeSettings:
        """Settings from the `serve:` section (a dict, or None for the defaults)."""
        if section is None:
            return cls()
        if not isinstance(section, dict):
            raise ConfigError(f"{WHERE}: must be a mapping")
        unknown = set(section) - KEYS
        if unknown:
            raise ConfigError(f"{WHERE}: unknown setting '{sorted(unknown)[0]}' (known: {', '.join(sorted(KEYS))})")
        base = cls()
        caps = section.get("gas_caps", {}) or {}
        if not isinstance(caps, dict) or set(caps) - set(GAS_CAPS):
            raise ConfigError(f"{WHERE}.gas_caps: a mapping of {', '.join(GAS_CAPS)} to gas")
        return cls(
            client_limit=_window(section, "client_rate_limit", base.client_limit, optional=True),
            customer_limit=_window(section, "customer_rate_limit", base.customer_limit, optional=True),
            trusted_proxies=tuple(_network(p) for p in section.get("trusted_proxies") or ()),
            max_tracked=_positive(section, "max_tracked", base.max_tracked),
            deadline_margin=_positive(section, "deadline_margin_s", base.deadline_margin),
            failed_per_customer=_window(section, "failed_relays_per_customer", base.failed_per_customer),
            failed_total=_window(section, "failed_relays_total", base.failed_total),
            gas_caps={**GAS_CAPS, **{k: _positive(caps, k, GAS_CAPS[k], f"{WHERE}.gas_caps") for k in caps}},
            hosts=_hosts(section.get("hosts")),
            request_deadline=_positive(section, "request_deadline_s", int(base.request_deadline)),
            max_connections=_positive(section, "max_connections", base.max_connections),
            keep_alive=_positive(section, "keep_alive_s", base.keep_alive),
            customer_quota=_quota(section.get("relay_quota_per_customer", base.customer_quota)),
        )


# Gas a relayed transaction may use at most, by relay kind; "erc1271" bounds the view call that asks a
# contract wallet whether it signed (before any transaction).
GAS_CAPS = {"feedback": 250_000, "redeem": 300_000, "erc1271": 100_000}
KEYS = {"client_rate_limit", "customer_rate_limit", "trusted_proxies", "max_tracked", "deadline_margin_s",
        "failed_relays_per_customer", "failed_relays_total", "gas_caps", "hosts", "request_deadline_s",
        "max_connections", "keep_alive_s", "relay_quota_per_customer"}


def _positive(section: dict, key: str, default: int, where: str = WHERE) -> int:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"{where}.{key}: must be a whole number above 0")
    return value


def _window(section: dict, key: str, default: Window | None, optional: bool = False) -> Window | None:
    """`{count: N, seconds: S}`; `off` (false) turns an optional limit off."""
    value = section.get(key, default)
    if value is default:
        return default
    if value is False and optional:
        return None
    if not isinstance(value, dict) or set(value) != {"count", "seconds"}:
        raise ConfigError(f"{WHERE}.{key}: must be {{count: N, seconds: S}}{' or false' if optional else ''}")
    count = _positive(value, "count", 0, f"{WHERE}.{key}")
    seconds = value["seconds"]
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
        raise ConfigError(f"{WHERE}.{key}.seconds: must be a number above 0")
    return Window(count, float(seconds))


def _quota(value: Any) -> CustomerQuota | None:
    """`{gas: N, eth: X}` (either or both) per customer per UTC day; false: off."""
    where = f"{WHERE}.relay_quota_per_customer"
    if value is False:
        return None
    if isinstance(value, CustomerQuota):
        return value
    if not isinstance(value, dict) or not value or set(value) - {"gas", "eth"}:
        raise ConfigError(f"{where}: must be {{gas: N, eth: X}} (either or both) or false")
    gas = _positive(value, "gas", 1, where) if "gas" in value else None
    eth = value.get("eth")
    if "eth" in value and (isinstance(eth, bool) or not isinstance(eth, (int, float)) or not 0 < eth < 10**6):
        raise ConfigError(f"{where}.eth: must be a number of ETH above 0")
    return CustomerQuota(gas, round(eth * WEI) if eth is not None else None)


def _network(text: Any) -> IPNetwork:
    try:
        return ipaddress.ip_network(str(text), strict=False)
    except ValueError:
        raise ConfigError(f"{WHERE}.trusted_proxies: '{text}' is not an IP address or network") from None


def _hosts(value: Any) -> tuple[str, ...]:
    """Host names (or IP addresses) the server answers to, lower case, without brackets or port."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(h, str) and h.strip() for h in value):
        raise ConfigError(f"{WHERE}.hosts: must be a list of host names, e.g. [points.example.org]")
    return tuple(h.strip().strip("[]").lower() for h in value)
