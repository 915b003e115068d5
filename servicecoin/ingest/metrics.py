"""The service's Prometheus metrics (the prometheus-client package), in a registry of its own; with a `watch`
(servicecoin.watch), the keys' ETH and the issuer budgets too (watch.metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from servicecoin.watch.metrics import StatusCollector

ACK_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class Metrics:
    def __init__(self, queue=None, watch=None):
        self.registry = r = CollectorRegistry()
        if watch is not None:
            r.register(StatusCollector(watch))
        self.requests = Counter("ingest_requests", "Webhook requests by result", ["result"], registry=r)
        self.ack = Histogram("ingest_ack_seconds", "Time from request to answer of an accepted event",
                             buckets=ACK_BUCKETS, registry=r)
        self.confirmed = Counter("ingest_records_confirmed", "Records confirmed on chain", registry=r)
        self.batches = Counter("ingest_batches", "Batches sent", registry=r)
        self.gas = Counter("ingest_gas_used", "Gas used by the batches", registry=r)
        if queue is not None:
            states = Gauge("ingest_events", "Events in the queue by state", ["state"], registry=r)
            for state in ("queued", "sent", "confirmed", "parked"):
                states.labels(state).set_function(lambda s=state: queue.counts().get(s, 0))

    def batch(self, records: int, gas: int) -> None:
        self.confirmed.inc(records)
        self.batches.inc()
        self.gas.inc(gas)

    def exposition(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
