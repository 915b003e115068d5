"""`svc index [--follow]`: read the contracts' events into the index database."""

from __future__ import annotations

import sys

import click

from servicecoin.cli.options import StrictType, UInt, control_character, emit, handle_errors, json_option, network_option
from servicecoin.errors import EXIT_FAILURE, quoted

BLOCK = UInt(0, 2**63 - 1)


class IndexDb(StrictType):
    """--db: a postgresql://… URL, or a SQLite file (sqlite:///PATH or PATH) in a folder that exists (a
    mistyped folder is an error, not a new tree of folders)."""

    name = "database"

    def convert(self, value, param, ctx):
        from pathlib import Path

        text = str(value)
        if text.startswith(("postgresql://", "postgres://")):
            return text
        what = control_character(text)
        if what:
            self.fail(f"{quoted(text)} is not a file name (it holds {what})", param, ctx)
        path = text.removeprefix("sqlite:///")
        if not path or path == ":memory:":
            self.fail(f"{quoted(text)} is not a database file", param, ctx)
        folder = Path(path).parent
        try:
            if not folder.is_dir():
                self.fail(f"{quoted(text)}: folder {quoted(folder, 80)} does not exist", param, ctx)
            if Path(path).is_dir():
                self.fail(f"{quoted(text)} is a folder, not a database file", param, ctx)
        except OSError as exc:  # a name too long for the file system
            self.fail(f"{quoted(text)}: {exc.strerror}", param, ctx)
        return text


def db_option(fn):
    return click.option("--db", "db_url", envvar="SVC_INDEX_DB", default=None, type=IndexDb(),
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


@click.group("index", invoke_without_command=True)
@network_option
@db_option
@click.option("--follow", is_flag=True, help="Keep indexing new blocks until interrupted.")
@click.option("--confirmations", type=UInt(0, 1_000_000), default=None, help="Blocks before one is final (default from servicecoin.yaml).")
@json_option
@click.pass_context
@handle_errors
def index_cmd(ctx, network, db_url, follow, confirmations, as_json):
    """Read the deployed contracts' events into the index (incremental, reorg-safe).

    `svc index verify` checks the index against the chain."""
    if ctx.invoked_subcommand is not None:
        return
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


@index_cmd.command("verify")
@network_option
@db_option
@click.option("--quick", is_flag=True, help="Only recompute the service records' hash chain (and, with a node, "
                                            "compare it and the token's counters with the chain).")
@click.option("--from", "from_block", type=BLOCK, default=None, help="First block to re-derive (default: the start).")
@click.option("--to", "to_block", type=BLOCK, default=None, help="Last block to re-derive (default: the cursor).")
@click.option("--no-node", "no_node", is_flag=True, help="With --quick: check the index alone, ask no node.")
@json_option
@handle_errors
def verify_cmd(network, db_url, quick, from_block, to_block, no_node, as_json):
    """Check the index against the chain; name every row that differs (exit 1 on a difference).

    Without --quick, the index is re-derived from the chain into a scratch database (all of it, or
    blocks --from..--to, taking the lots before --from from the index) and compared row by row."""
    from servicecoin.chain import connect
    from servicecoin.errors import ConfigError
    from servicecoin.index import open_db
    from servicecoin.index.verify import quick_check, verify_range

    db = open_db(db_url, network)
    if db.meta("token") is None:
        raise ConfigError(f"index database {db.url}: empty; run 'svc index' first")
    chain = None if (quick and no_node) else connect(network)
    check = quick_check(db, chain) if quick else verify_range(chain, db, from_block, to_block)

    def human(c):
        for note in c["notes"]:
            click.echo(f"note: {note}")
        for d in check.differences:
            click.echo(d.line())
        click.echo(check.summary() if check.ok else f"{len(check.differences)} difference(s) between the index "
                                                     f"and the chain (block {check.block})")

    emit(check.as_dict(), as_json, human)
    if not check.ok:
        sys.exit(EXIT_FAILURE)


COMMANDS = [index_cmd]
