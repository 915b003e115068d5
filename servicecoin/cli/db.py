"""`svc db start|stop|status|url`: the local PostgreSQL under .servicecoin/postgres/ (localdb.py), for the
index once it outgrows SQLite. Commands use it when given its URL: --db URL or SVC_INDEX_DB=URL."""

from __future__ import annotations

import sys
from dataclasses import replace

import click

from servicecoin.cli.options import UInt, emit, handle_errors, json_option
from servicecoin.errors import EXIT_NODE_DOWN


def _data(st) -> dict:
    return {"running": st.running, "pid": st.pid, "url": st.url, "port": st.port, "version": st.version,
            "data_dir": str(st.data_dir)}


@click.group("db")
def db():
    """The local PostgreSQL (a cluster under .servicecoin/postgres, loopback only)."""


@db.command("start")
@click.option("--port", type=UInt(1, 65535), envvar="SVC_DB_PORT", default=None,
              help="Port to listen on (default: the one used before, else 5432 if free, else any free one).")
@json_option
@handle_errors
def db_start(port, as_json):
    """Start the local PostgreSQL (creating it on first use), or reuse the one running; prints its URL."""
    from servicecoin import localdb

    ld = replace(localdb.DEFAULT, port=port) if port else localdb.DEFAULT
    before = localdb.status(ld)
    st = localdb.start(ld)
    verb = "already running" if before.running else "started"
    emit(_data(st), as_json, lambda d: click.echo(
        f"local PostgreSQL {verb}: {d['url']} (version {d['version']}, pid {d['pid']})\n"
        f"use it with: export SVC_INDEX_DB=$(svc db url)   (or --db URL on any index, statement or report command)"))


@db.command("stop")
@handle_errors
def db_stop():
    """Stop the local PostgreSQL; its data is kept for the next start."""
    from servicecoin import localdb

    click.echo("local PostgreSQL stopped" if localdb.stop(localdb.DEFAULT) else "local PostgreSQL was not running")


@db.command("status")
@json_option
@handle_errors
def db_status(as_json):
    """Whether the local PostgreSQL runs, and its URL (exit code 3 when it does not run)."""
    from servicecoin import localdb

    st = localdb.status(localdb.DEFAULT)
    emit(_data(st), as_json, lambda d: click.echo(
        f"running at {d['url']} (version {d['version']}, pid {d['pid']})" if d["running"] else "not running"))
    if not st.running:
        sys.exit(EXIT_NODE_DOWN)


@db.command("url")
@click.option("--database", default="servicecoin", show_default=True,
              help="Database on the local cluster, created if missing (one per network's index).")
@handle_errors
def db_url(database):
    """Print the URL of a database on the running local PostgreSQL: export SVC_INDEX_DB=$(svc db url)."""
    from servicecoin import localdb

    click.echo(localdb.database_url(localdb.DEFAULT, database))


COMMANDS = [db]
