"""What every `svc` command shares: the --network and --json options, one-line errors, and output."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from functools import wraps

import click
from web3.exceptions import Web3Exception

from servicecoin.errors import ServiceCoinError


class FilePath(click.Path):
    """click.Path that refuses a name the operating system cannot take (a NUL byte) as a usage error,
    where click.Path's own os.stat would end in a traceback."""

    def convert(self, value, param, ctx):
        if "\0" in str(value):
            self.fail(f"{value!r} is not a file name (it holds a NUL byte)", param, ctx)
        return super().convert(value, param, ctx)


def network_option(fn):
    return click.option(
        "--network", "network", default="svc-local", show_default=True, envvar="SVC_NETWORK",
        help="Network id from networks.yaml (svc-local, development, ganache, svc-live).",
    )(fn)


def json_option(fn):
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")(fn)


def handle_errors(fn):
    """Turn a failure the operator can act on into one clear line on stderr and exit code 1.

    ServiceCoinError messages already say what and where. Failures from below are named by their
    source: the file system or the network (OSError, which includes requests' connection errors and
    timeouts), the SQLite journal or index, and the node (web3). Set SVC_DEBUG=1 for the traceback.
    """

    @wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ServiceCoinError as exc:
            _fail(exc, f"error: {exc}")
        except sqlite3.Error as exc:
            _fail(exc, f"error: database: {exc}")
        except Web3Exception as exc:
            _fail(exc, f"error: node: {exc.args[0] if exc.args else exc}")
        except OSError as exc:
            where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
            _fail(exc, f"error: {where}{exc.strerror or exc}")

    return wrapper


def _fail(exc: BaseException, line: str) -> None:
    if os.environ.get("SVC_DEBUG"):
        raise exc
    click.echo(line, err=True)
    sys.exit(1)


def emit(data, as_json: bool, human) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        human(data)
