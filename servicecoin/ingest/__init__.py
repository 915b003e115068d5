"""Help-desk ingestion (`svc agent serve`): webhooks of help-desk events in, records on the service log out,
exactly once (docs/ingest.md).

    queue.py     the durable queue (group commit; fsynced before the answer), the customer table
    backend.py   where it lives: a SQLite file (WAL, synchronous=FULL) or a PostgreSQL database (a URL)
    mapping.py   the generic JSON event and the Zendesk ticket-event mapping
    auth.py      HMAC-SHA256 signatures with a timestamp
    tickets.py   the service's ticket state; which queued events the next batch takes, held or parked
    flusher.py   batches to the chain, exactly once across crashes
    metrics.py   Prometheus metrics
    settings.py  the `agent:` section of servicecoin.yaml
    app.py       the Starlette app (POST /events, GET /events/{id}, /health, /metrics)
    service.py   a running service: queue, flusher thread and server together

Importing the package registers the queue's eraser with servicelog.erasure, so `svc log erase --customer`
empties the customer's texts and lookup rows in the queue too.
"""

from __future__ import annotations

from pathlib import Path

from servicecoin.ingest import queue
from servicecoin.ingest.backend import is_url
from servicecoin.ingest.settings import AgentSettings
from servicecoin.paths import PROJECT_ROOT, data_dir
from servicecoin.servicelog.erasure import register_eraser


def queue_path(network: str, settings: AgentSettings | None = None, given: str | None = None) -> Path | str:
    """The queue of `network`: `given` (--queue) or `agent.queue`, a file (relative to the project) or a
    `postgresql://` URL; by default .servicecoin/<network>/ingest/queue.sqlite."""
    chosen = given or (settings.queue if settings is not None else None)
    if is_url(chosen):
        return chosen
    if given:
        return Path(given)
    if chosen:
        path = Path(chosen)
        return path if path.is_absolute() else PROJECT_ROOT / path
    return data_dir(network) / "ingest" / "queue.sqlite"


def _erase(network: str, address: str) -> int:
    from servicecoin.config import load_config
    from servicecoin.errors import ConfigError

    try:
        settings = AgentSettings.from_config(load_config().get("agent"))
    except ConfigError:
        settings = None
    return queue.erase_customer(queue_path(network, settings), address)


register_eraser("ingest queue", _erase)

__all__ = ["AgentSettings", "queue_path"]
