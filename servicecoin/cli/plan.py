"""What every command that changes the program shares: its plan of calls is shown, confirmed on live
networks, then sent — or written unsigned for a key held elsewhere (a Safe multisig, a hardware wallet).

A command decorated with `plan_command` checks its values, connects (`connect()`), builds an `actions.Plan`
and returns it (or `(plan, after)`, where `after(result)` runs once it was carried out); `carry_out` does the rest.
The options:
    --yes            do not ask (live networks ask before sending; local ones just send)
    --unsigned FILE  write the transactions instead of sending them: FILE (to, value, data, a description,
                     the chain id) and FILE's `.safe.json` twin (Safe Transaction Builder batch); no key needed
    --from SIGNER    who signs: a role (deployer, operator, …), an account number on local chains or a
                     private key; with --unsigned, the address that will send them (default: the admin)
"""

from __future__ import annotations

import re
from functools import wraps
from typing import NamedTuple

import click

from servicecoin.cli.options import FilePath, emit, handle_errors, json_option, network_option

ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


def plan_options(default_signer: str = "deployer", ask: bool = True):
    """--from, --unsigned and (for commands that ask on live networks) --yes."""
    def wrap(fn):
        fn = click.option("--from", "signer", default=default_signer, show_default=True,
                          help="Signer: a role, an account number (local chains) or a private key; with --unsigned, "
                               "the address that will send.")(fn)
        fn = click.option("--unsigned", "unsigned", type=FilePath(dir_okay=False), default=None,
                          help="Write the transactions to this JSON file (and a Safe Transaction Builder batch "
                               "beside it) instead of sending them.")(fn)
        if ask:
            fn = click.option("--yes", is_flag=True, help="Do not ask before sending on a live network.")(fn)
        return fn
    return wrap


class Options(NamedTuple):
    signer: str
    unsigned: str | None
    yes: bool
    network: str
    as_json: bool


class Connection:
    """The network a command runs on, connected at the first call: a command checks its values first, so a
    bad value is reported without asking the node anything."""

    def __init__(self, network: str):
        self.network = network
        self.chain = None

    def __call__(self):
        if self.chain is None:
            from servicecoin.chain import connect

            self.chain = connect(self.network)
        return self.chain


def plan_command(default_signer: str = "deployer", ask: bool = True):
    """Make `fn(connect, options, **arguments) -> Plan | (Plan, after)` a command with --from, --unsigned,
    [--yes,] --network and --json whose plan is carried out (asking first on live networks when `ask`). `fn`
    checks its values, then calls `connect()` for the chain, and builds the plan."""
    def wrap(fn):
        @wraps(fn)
        def command(signer, unsigned, network, as_json, yes=False, **arguments):
            connection = Connection(network)
            built = fn(connection, Options(signer, unsigned, yes, network, as_json), **arguments)
            plan, after = built if isinstance(built, tuple) else (built, None)
            result = carry_out(connection(), plan, signer=signer, yes=yes, unsigned=unsigned, as_json=as_json,
                               ask=ask, default_signer=default_signer)
            if after is not None:
                after(result)

        return plan_options(default_signer, ask)(network_option(json_option(handle_errors(command))))
    return wrap


def view_command(human):
    """Make `fn(chain, **arguments) -> data` a read-only command with --network and --json; `human(data)` prints."""
    def wrap(fn):
        @wraps(fn)
        def command(network, as_json, **arguments):
            from servicecoin.chain import connect

            emit(fn(connect(network), **arguments), as_json, human)

        return network_option(json_option(handle_errors(command)))
    return wrap


def _show(plan, err: bool) -> None:
    click.echo(f"{plan.title}:", err=err)
    for n, c in enumerate(plan.calls, 1):
        click.echo(f"  {n}. {c.description}", err=err)
        click.echo(f"     {c.contract} {c.to}: {c.signature().split('.', 1)[1]}", err=err)
    for note in plan.notes:
        click.echo(f"  note: {note}", err=err)


def signer_address(chain, signer: str, unsigned: str | None) -> str:
    """The address that will send: --from as an address, else the key --from names (with --unsigned on a
    live network, where no key is at hand, give the address)."""
    from servicecoin.account import checksum
    from servicecoin.errors import ConfigError
    from servicecoin.vault import resolve_signer

    if ADDRESS.match(signer.strip()):
        return checksum(signer.strip(), "--from: ")
    if unsigned and not chain.network.uses_test_keys:
        raise ConfigError("--from: with --unsigned on a live network, give the address that will send the transactions")
    return resolve_signer(chain, signer).address


def _unsigned_sender(chain, plan, signer: str, default: str) -> str:
    """Who sends an unsigned plan: --from when given as an address (or a test role on local chains), else
    the default admin of the first contract called."""
    if ADDRESS.match(signer.strip()) or chain.network.uses_test_keys or signer != default:
        return signer_address(chain, signer, "unsigned")
    first = chain.w3.eth.contract(address=plan.calls[0].to, abi=plan.calls[0].fn.contract_abi)
    return first.functions.defaultAdmin().call()


def confirm_or_stop(question: str, err: bool = False) -> None:
    """Ask `question` (default no); anything but yes stops the command with nothing sent."""
    from servicecoin.errors import ServiceCoinError

    try:
        confirmed = click.confirm(question, default=False, err=err)
    except click.Abort:
        confirmed = False
    if not confirmed:
        raise ServiceCoinError("nothing sent: not confirmed (--yes skips the question)")


def carry_out(chain, plan, *, signer: str, yes: bool, unsigned: str | None, as_json: bool,
              ask: bool = True, default_signer: str = "deployer", report: bool = True) -> dict:
    """Show `plan`, ask on a live network (unless `yes` or not `ask`), then send it or write it unsigned.
    Returns (and prints, unless not `report`: a command that goes on prints it all) what happened; a refusal
    found by simulation sends nothing."""
    from servicecoin.admin.actions import check, send, write_unsigned
    from servicecoin.vault import resolve_signer

    result = {"title": plan.title, "network": chain.network.id, "calls": [c.to_json() for c in plan.calls],
              "notes": plan.notes, "sent": []}
    if not plan.calls:
        if report:
            emit(result, as_json, lambda d: _show(plan, False))
        return result
    if unsigned:
        sender = _unsigned_sender(chain, plan, signer, default_signer)
        check(chain, plan, sender)
        path, safe_path = write_unsigned(unsigned, chain, plan, sender)
        result["unsigned"] = {"file": str(path), "safe_batch": str(safe_path), "from": sender,
                              "chainId": chain.chain_id}

        def human(d):
            _show(plan, False)
            click.echo(f"not sent: {len(plan.calls)} transaction(s) for {sender} on chain {chain.chain_id} written to "
                       f"{path}; Safe Transaction Builder batch: {safe_path}")

        if report:
            emit(result, as_json, human)
        return result
    account = resolve_signer(chain, signer)
    check(chain, plan, account.address)
    if ask and not yes and not chain.network.local:
        _show(plan, as_json)
        confirm_or_stop(f"send {len(plan.calls)} transaction(s) from {account.address} on {chain.network.id}?",
                        as_json)
    result["from"] = account.address
    result["sent"] = send(chain, plan, account)

    def human(d):
        click.echo(f"{plan.title}: {len(d['sent'])} transaction(s) from {account.address}")
        for s in d["sent"]:
            click.echo(f"  {s['description']}\n     tx {s['tx']} block {s['block']} gas {s['gas_used']:,}")
        for note in plan.notes:
            click.echo(f"  note: {note}")

    if report:
        emit(result, as_json, human)
    return result
