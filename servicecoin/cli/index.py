"""`svc index [--follow]`: read the contracts' events into the index database."""

from __future__ import annotations

import click

from servicecoin.cli.options import emit, handle_errors, json_option, network_option


def db_option(fn):
    return click.option("--db", "db_url", envvar="SVC_INDEX_DB", default=None,
                        help="Index database: a SQLite path or postgresql://… URL "
                             "(default .servicecoin/<network>/index.sqlite).")(fn)


def open_index(network: str, db_url: str | None, update: bool = True, progress: bool = False):
    """(chain, db) with the index brought up to the chain's head unless `update` is false."""
    from servicecoin.chain import connect
    from servicecoin.config import load_config
    from servicecoin.index import Indexer, open_db, settings_from_config

    chain = connect(network) if update else None
    db = open_db(db_url, network)
    if update:
        Indexer(chain, db, settings_from_config(load_config(), chain.network.local)).run(progress=progress)
    return chain, db


@click.command("index")
@network_option
@db_option
@click.option("--follow", is_flag=True, help="Keep indexing new blocks until interrupted.")
@click.option("--confirmations", type=int, default=None, help="Blocks before one is final (default from servicecoin.yaml).")
@json_option
@handle_errors
def index_cmd(network, db_url, follow, confirmations, as_json):
    """Read the deployed contracts' events into the index (incremental, reorg-safe)."""
    from servicecoin.chain import connect
    from servicecoin.config import load_config
    from servicecoin.index import Indexer, open_db, settings_from_config

    chain = connect(network)
    db = open_db(db_url, network)
    settings = settings_from_config(load_config(), chain.network.local)
    if confirmations is not None:
        settings.confirmations = confirmations
    indexer = Indexer(chain, db, settings)

    def human(d):
        rate = f", {d['events_per_second']:,.0f} events/s" if d["events_per_second"] and d["events"] else ""
        click.echo(f"indexed to block {d['cursor']} (head {d['head']}): {d['events']:,} events in "
                   f"{d['seconds']:.2f}s{rate}" + (f", {d['reorgs']} reorg(s) rolled back" if d["reorgs"] else ""))

    if not follow:
        emit(indexer.run(progress=not as_json).as_dict(), as_json, human)
        return
    click.echo(f"following {network} (Ctrl-C to stop)…", err=True)
    try:
        indexer.follow(on_progress=lambda p: emit(p.as_dict(), as_json, human), progress=not as_json)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


COMMANDS = [index_cmd]
