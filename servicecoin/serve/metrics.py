"""GET /metrics of `svc serve`, in Prometheus text format (the prometheus-client package): the keys' ETH (the
relayer's first) and the issuer budgets (servicecoin.watch, with the `status:` thresholds), and the relay quota
(serve.quota): `relay_quota_customers_over` and `relay_quota_spent_wei_total` for today.
The registry is built on the first scrape; the chain is read at most every 15 s however often it is scraped."""

from __future__ import annotations

from http import HTTPStatus

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from servicecoin.serve.site import Site


class QuotaCollector:
    """Today's relay spending, from the site's quota book (none when no quota is set)."""

    def __init__(self, site: Site):
        self.site = site

    def describe(self):
        return []

    def collect(self):
        try:
            book = self.site.guard.quota_book(self.site.chain)
        except Exception:  # noqa: BLE001  the node down (the chain's scope is read once): no figures this time
            book = None
        spent = GaugeMetricFamily("relay_quota_spent_wei", "Wei the relayer spent today on customers' requests")
        over = GaugeMetricFamily("relay_quota_customers_over", "Customers over today's relay quota")
        if book is not None:
            total, customers_over = book.today_totals()
            spent.add_metric([], total)
            over.add_metric([], customers_over)
        yield spent
        yield over


def registry_of(site: Site) -> CollectorRegistry:
    from servicecoin.errors import ConfigError
    from servicecoin.watch import StatusSettings, Watch
    from servicecoin.watch.metrics import StatusCollector
    from servicecoin.watch.settings import load_status_settings

    def watch():
        try:
            settings = load_status_settings()
        except ConfigError:
            settings = StatusSettings()  # `svc serve` checked the section at start; a later edit does not stop /metrics
        return Watch.for_deployment(site.chain, settings, site.record)

    registry = CollectorRegistry()
    registry.register(StatusCollector(watch))
    registry.register(QuotaCollector(site))
    return registry


async def metrics(request: Request) -> Response:
    state = request.app.state
    registry = getattr(state, "metrics", None)
    if registry is None:
        registry = state.metrics = registry_of(state.site)
    data = await run_in_threadpool(generate_latest, registry)
    return Response(data, HTTPStatus.OK, media_type=CONTENT_TYPE_LATEST)


ROUTES = [Route("/metrics", metrics, methods=["GET"])]
