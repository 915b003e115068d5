"""`svc`: the command-line front door. Thin command groups over functions tests call directly."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from functools import wraps

import click
from web3.exceptions import Web3Exception

from servicecoin.errors import ServiceCoinError


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


@click.group()
def cli():
    """ServiceCoin: customer-service reward points on Ethereum."""


# --------------------------------------------------------------------------- chain
@cli.group()
def chain():
    """The persistent local chain (anvil, state saved under .servicecoin/chain)."""


@chain.command("start")
@handle_errors
def chain_start():
    """Start the local chain, or reuse the one running."""
    from servicecoin import localchain

    before = localchain.status()
    st = localchain.start()
    verb = "already running" if before.running else "started"
    click.echo(f"local chain {verb}: {st.url} (chain id {st.chain_id}, block {st.block}, pid {st.pid})")


@chain.command("stop")
@handle_errors
def chain_stop():
    """Stop the local chain; its state is saved and reloaded by the next start."""
    from servicecoin import localchain

    click.echo("local chain stopped" if localchain.stop() else "local chain was not running")


@chain.command("status")
@json_option
@handle_errors
def chain_status(as_json):
    """Whether the local chain runs, and where."""
    from servicecoin import localchain

    st = localchain.status()
    data = {"running": st.running, "pid": st.pid, "url": st.url, "block": st.block, "chain_id": st.chain_id,
            "state_file": str(st.state_file)}
    emit(data, as_json, lambda d: click.echo(
        f"running at {d['url']} (chain id {d['chain_id']}, block {d['block']}, pid {d['pid']})" if d["running"]
        else "not running"))
    if not st.running:
        sys.exit(3)


# --------------------------------------------------------------------------- deploy
@cli.command()
@network_option
@handle_errors
def deploy(network):
    """Deploy and wire every contract; writes deployments/<network>.json."""
    from servicecoin.chain import connect
    from servicecoin.deploy import deploy as do_deploy
    from servicecoin.paths import deployment_file

    record = do_deploy(connect(network))
    for name, address in record["contracts"].items():
        click.echo(f"{name}: {address}")
    click.echo(f"wrote {deployment_file(network)}")


# --------------------------------------------------------------------------- balance
@cli.command()
@click.argument("address")
@network_option
@json_option
@handle_errors
def balance(address, network, as_json):
    """Live balance, tier and lots of ADDRESS."""
    from servicecoin.account import account_summary
    from servicecoin.chain import connect
    from servicecoin.token import fmt

    data = account_summary(connect(network), address)

    def human(d):
        click.echo(f"{d['address']}: {fmt(d['balance'])} points, tier {d['tier_name']} "
                   f"(lifetime {fmt(d['lifetime'])})")
        for lot in d["lots"]:
            click.echo(f"  {fmt(lot['amount']):>14} expire {lot['expires']}")

    emit(data, as_json, human)


def _register_groups() -> None:
    """Add the command groups defined in the other modules of this package (one noun each)."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for command in getattr(module, "COMMANDS", []):
            cli.add_command(command)


_register_groups()


def main():
    cli(prog_name="svc")


if __name__ == "__main__":
    main()
