"""`svc agent serve|parked|customers`: help-desk ingestion (servicecoin/ingest, docs/ingest.md)."""

from __future__ import annotations

import csv
import sys

import click

import servicecoin.ingest  # noqa: F401  registers the queue's eraser for `svc log erase --customer`
from servicecoin.cli.options import Address, FilePath, emit, handle_errors, json_option, network_option


def _settings():
    from servicecoin.config import load_config
    from servicecoin.ingest import AgentSettings
    from servicecoin.serve import ServeSettings

    config = load_config() or {}
    return AgentSettings.from_config(config.get("agent")), ServeSettings.from_config(config.get("serve"))


def _say(message: str) -> None:
    click.echo(message)
    sys.stdout.flush()


@click.group("agent")
def agent():
    """Help-desk events in: the ingestion service and its queue."""


@agent.command("serve")
@network_option
@click.option("--port", type=click.IntRange(0, 65535), default=None, help="Port (default: agent.port, 8090).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--log", "log_address", type=Address(), default=None, help="The ServiceLog address (default: the deployment's).")
@click.option("--queue", "queue_file", type=FilePath(dir_okay=False), default=None, help="The queue: a SQLite file or a "
              "postgresql:// URL (default: agent.queue or .servicecoin/<network>/ingest/queue.sqlite).")
@click.option("--verbose", is_flag=True, help="Log every request.")
@click.option("--no-flusher", is_flag=True, help="Only take events; `svc agent flush` sends them, in its own process.")
@handle_errors
def agent_serve(network, port, host, log_address, queue_file, verbose, no_flusher):
    """Take help-desk webhooks and put their events on the service log until Ctrl-C."""

    from servicecoin.chain import connect
    from servicecoin.contentstore import ContentStore
    from servicecoin.ingest import auth, queue_path
    from servicecoin.ingest.backend import shown
    from servicecoin.ingest.service import Service
    from servicecoin.servicelog.records import log_contract
    from servicecoin.watch.settings import load_status_settings

    settings, limits = _settings()
    status = load_status_settings()  # a wrong `status:` section stops here, in one line
    secret = auth.load_secret(settings.secret_env)  # a missing secret stops here, naming the variable only
    chain = connect(network)
    log = log_contract(chain, log_address)
    path = queue_path(network, settings, queue_file)
    service = Service(chain, log, lambda: ContentStore.for_network(network), path, settings, secret, limits, host,
                      settings.port if port is None else port, _say, verbose=verbose, flusher=not no_flusher,
                      status=status)
    _say(f"agent serving help-desk events for {network} at http://{host}:{service.server_address[1]}/ "
         f"(log {log.address}, queue {shown(path)}); press Ctrl-C to stop")
    try:
        service.serve_forever()
    except KeyboardInterrupt:
        pass


@agent.command("flush")
@network_option
@click.option("--log", "log_address", type=Address(), default=None, help="The ServiceLog address (default: the deployment's).")
@click.option("--queue", "queue_file", type=FilePath(dir_okay=False), default=None, help="The queue file or postgresql:// URL.")
@handle_errors
def agent_flush(network, log_address, queue_file):
    """Send the queue to the chain until Ctrl-C (for `svc agent serve --no-flusher`; one flusher per queue)."""
    import threading

    from servicecoin.chain import connect
    from servicecoin.contentstore import ContentStore
    from servicecoin.ingest import queue_path
    from servicecoin.ingest.backend import shown
    from servicecoin.ingest.flusher import FlushSettings, Flusher
    from servicecoin.servicelog.records import log_contract

    settings = _settings()[0]
    chain = connect(network)
    path = queue_path(network, settings, queue_file)
    flusher = Flusher(chain, log_contract(chain, log_address), lambda: ContentStore.for_network(network), path,
                      FlushSettings(settings.flush_every_s, settings.flush_records, settings.hold_s, settings.reorder_s),
                      say=_say)
    _say(f"flushing {shown(path)} to {flusher.log.address}; press Ctrl-C to stop")
    try:
        flusher.run(threading.Event())
    except KeyboardInterrupt:
        pass
    finally:
        flusher.close()


@agent.command("parked")
@network_option
@click.option("--queue", "queue_file", type=FilePath(dir_okay=False), default=None, help="The queue file or postgresql:// URL.")
@json_option
@handle_errors
def agent_parked(network, queue_file, as_json):
    """List the parked events with their reasons."""

    from servicecoin.ingest import queue, queue_path

    path = queue_path(network, _settings()[0], queue_file)
    q = queue.EventQueue(path)
    try:
        rows = q.parked()
    finally:
        q.close()
    emit(rows, as_json, lambda rs: click.echo("\n".join(
        f"{r['id']}  ticket {r['ticket']}  time {r['time']}: {r['reason']}" for r in rs) or "no parked events"))


@agent.command("customers")
@network_option
@click.argument("file", type=FilePath(exists=True, dir_okay=False))
@click.option("--queue", "queue_file", type=FilePath(dir_okay=False), default=None, help="The queue file or postgresql:// URL.")
@handle_errors
def agent_customers(network, file, queue_file):
    """Load the customer table: a CSV with columns user (the help desk's user id) and address."""

    from servicecoin.errors import ConfigError
    from servicecoin.ingest import queue, queue_path
    from servicecoin.ingest.backend import shown
    from servicecoin.ingest.mapping import ADDRESS

    pairs = []
    with open(file, newline="", encoding="utf-8") as fp:
        for row in csv.DictReader(fp):
            if not ADDRESS.match(row.get("address") or "") or not row.get("user"):
                raise ConfigError(f"{file}: line {len(pairs) + 2}: needs a user and an address 0x…")
            pairs.append((row["user"].strip(), row["address"].lower()))
    path = queue_path(network, _settings()[0], queue_file)
    q = queue.EventQueue(path)
    try:
        click.echo(f"{q.load_customers(pairs)} customers loaded into {shown(path)}")
    finally:
        q.close()


COMMANDS = [agent]
