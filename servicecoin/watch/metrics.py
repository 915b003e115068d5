"""The watched figures as Prometheus gauges (prometheus-client), for the /metrics of `svc serve` and
`svc agent serve`: read from the chain at most every `ttl` seconds, however often /metrics is scraped.

    svc_key_eth{name, address}                        ETH held
    svc_key_low{name, address}                        1 below status.min_eth
    svc_budget_remaining_points{name, issuer}         whole points left of the issuer's allowance
    svc_budget_remaining_share{name, issuer}          remaining / allowance
    svc_budget_low{name, issuer}                      1 below status.min_budget_share
    svc_status_up                                     1 when the last read from the chain worked
"""

from __future__ import annotations

import logging
import threading
import time

from prometheus_client.core import GaugeMetricFamily

from servicecoin.token import UNIT

LOG = logging.getLogger("servicecoin.status")
TTL = 15.0


class StatusCollector:
    """A collector over a Watch (or a function that builds one on first use)."""

    def __init__(self, watch, ttl: float = TTL):
        self._watch, self.ttl = watch, ttl
        self._at, self._last, self._up = -ttl, None, 0
        self._lock = threading.Lock()

    def _read(self) -> dict | None:
        with self._lock:
            if time.monotonic() - self._at >= self.ttl:
                self._at = time.monotonic()
                try:
                    if callable(self._watch):
                        self._watch = self._watch()
                    self._last, self._up = self._watch.read(), 1
                except Exception as exc:  # noqa: BLE001  the node down: the gauges say so, /metrics still answers
                    LOG.warning("status gauges not read: %s", str(exc).splitlines()[0][:200] if str(exc) else exc)
                    self._up = 0
            return self._last

    def describe(self):
        return []  # no reads at registration

    def collect(self):
        status = self._read()
        up = GaugeMetricFamily("svc_status_up", "1 when the keys and budgets were last read from the chain")
        up.add_metric([], self._up)
        yield up
        eth = GaugeMetricFamily("svc_key_eth", "ETH held by a watched key", labels=["name", "address"])
        key_low = GaugeMetricFamily("svc_key_low", "1 when a key holds less than status.min_eth", labels=["name", "address"])
        left = GaugeMetricFamily("svc_budget_remaining_points", "Points left of an issuer's budget", labels=["name", "issuer"])
        share = GaugeMetricFamily("svc_budget_remaining_share", "Remaining share of an issuer's budget",
                                  labels=["name", "issuer"])
        budget_low = GaugeMetricFamily("svc_budget_low", "1 when a budget is below status.min_budget_share",
                                       labels=["name", "issuer"])
        for k in (status or {}).get("keys", []):
            eth.add_metric([k["name"], k["address"]], k["eth"])
            key_low.add_metric([k["name"], k["address"]], int(k["low"]))
        for b in (status or {}).get("budgets", []):
            left.add_metric([b["name"], b["issuer"]], b["remaining"] / UNIT)
            share.add_metric([b["name"], b["issuer"]], b["share"])
            budget_low.add_metric([b["name"], b["issuer"]], int(b["low"]))
        yield from (eth, key_low, left, share, budget_low)
