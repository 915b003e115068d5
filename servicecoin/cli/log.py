"""`svc log …`: thin commands over servicecoin.servicelog and the content store."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from servicecoin.cli.options import Address, FilePath, PositiveInt, PrivateKey, UInt, emit, handle_errors, \
    json_option, network_option
from servicecoin.cli.plan import plan_options
from servicecoin.reports.dates import when
from servicecoin.token import UNIT

SEQ = UInt(1, 2**64 - 1)
MAX_BUDGET = 2**128 - 1  # setIssuerBudget's limit, raw units  # a record's sequence number (uint64 on chain)


def _ctx(network):
    from servicecoin.chain import connect
    from servicecoin.contentstore import ContentStore

    return connect(network), ContentStore.for_network(network)


def _print_appended(results, as_json):
    from servicecoin.token import fmt

    data = [r.__dict__ for r in results]

    def human(rows):
        for r in rows:
            reward = f", reward {fmt(r['reward_paid'])} of {fmt(r['reward_due'])} points" if r["reward_due"] else ""
            click.echo(f"#{r['seq']} {r['kind']} ticket {r['ticket']} customer {r['customer']} (tx {r['tx']}){reward}")

    emit(data if len(data) > 1 else data[0], as_json, lambda d: human(d if isinstance(d, list) else [d]))


@click.group("log")
def log_group():
    """The service log: append records, give feedback, show and erase content."""


def _record_command(name: str, kind_name: str, help_text: str, with_outcome: bool = False, with_ref: bool = False):
    @log_group.command(name, help=help_text)
    @click.argument("ticket", type=PositiveInt())
    @click.argument("customer", type=Address())
    @click.option("--text", "-t", default=None, help="What was said or done (kept off chain, salted hash on chain).")
    @click.option("--channel", default=None, help="chat, phone, email, social, in-store (the record goes packed).")
    @click.option("--time", "event_time", type=UInt(0, 2**40 - 1), default=0,
                  help="The help desk's own event time, unix seconds (the record goes packed).")
    @network_option
    @json_option
    @handle_errors
    def command(ticket, customer, text, channel, event_time, network, as_json, outcome=None, ref=0):
        from servicecoin.servicelog import Channel, Entry, Kind, Outcome, append

        chain, store = _ctx(network)
        detail = int(Outcome.parse(outcome, "--outcome: ")) if outcome else 0
        entry = Entry(Kind.parse(kind_name), ticket, customer, text, detail, int(ref or 0),
                      channel=int(Channel.parse(channel, "--channel: ")) if channel else 0, time=event_time)
        with store:
            result = append(chain, entry, store)
        _print_appended([result], as_json)

    if with_outcome:
        command = click.option("--outcome", required=True,
                               type=click.Choice(["reached", "not-reached", "satisfied", "unsatisfied"]))(command)
    if with_ref:
        command = click.option("--ref", required=True, type=SEQ, help="Sequence number of the corrected record.")(command)
    return command


_record_command("open", "opened", "Open TICKET for CUSTOMER (binds the ticket to the customer).")
_record_command("reply", "reply", "Record an agent reply on TICKET.")
_record_command("resolve", "resolved", "Resolve TICKET (the customer may then give feedback).")
_record_command("followup", "followup", "Record a follow-up call on TICKET and its outcome.", with_outcome=True)
_record_command("complaint", "complaint", "Record a complaint on TICKET.")
_record_command("amend", "amendment", "Correct an earlier record of TICKET (nothing is ever edited).", with_ref=True)


@log_group.command("feedback")
@click.argument("ticket", type=PositiveInt())
@click.argument("rating", type=UInt(1, 5))
@click.option("--text", "-t", default=None, help="The customer's words (kept off chain).")
@click.option("--customer-key", envvar="SVC_CUSTOMER_KEY", default=None, type=PrivateKey(),
              help="Customer private key (default on local chains: the test customer account).")
@click.option("--direct", is_flag=True, help="The customer sends the transaction itself instead of a relayer.")
@network_option
@json_option
@handle_errors
def feedback(ticket, rating, text, customer_key, direct, network, as_json):
    """Give feedback on a resolved TICKET: signed by the customer (EIP-712) and relayed gas-free."""
    from servicecoin.servicelog import give_feedback

    chain, store = _ctx(network)
    customer = customer_key or chain.account("customer")
    with store:
        result = give_feedback(chain, customer, ticket, rating, text, store, relayer=None if direct else "relayer")
    _print_appended([result], as_json)


class _NoBar:
    """No progress bar where stderr is not a terminal (its label would be a second line beside an error)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n: int) -> None:
        pass


@log_group.command("batch")
@click.argument("csv_file", type=FilePath(path_type=Path))
@click.option("--batch-size", default=100, show_default=True, type=UInt(1, 500), help="Records per transaction.")
@network_option
@json_option
@handle_errors
def batch(csv_file, batch_size, network, as_json):
    """Append the records of CSV_FILE (kind,ticket,customer,text,outcome,ref) in batches, exactly once:
    run it again after an interruption and it sends only the records not yet on chain."""
    from servicecoin.servicelog import append_file, read_batch_csv

    total = len(read_batch_csv(csv_file))  # every bad line is reported before anything is prepared
    chain, store = _ctx(network)
    bar = click.progressbar(length=total, label="appending", file=sys.stderr) if sys.stderr.isatty() else _NoBar()
    with store, bar:
        done = append_file(chain, csv_file, store, batch_size=batch_size, progress=bar.update)
    results = done.appended
    if as_json:
        click.echo(json.dumps({"batch": done.batch, "already_on_chain": done.already,
                               "appended": [r.__dict__ for r in results]}, indent=2))
        return
    if results:
        click.echo(f"appended {len(results)} records (#{results[0].seq}–#{results[-1].seq}) "
                   f"in {(len(results) + batch_size - 1) // batch_size} transaction(s)")
    if done.already:
        click.echo(f"{done.already} record(s) of {csv_file} were already on chain (an earlier run): not sent again")


@log_group.command("show")
@click.argument("seq", type=SEQ)
@network_option
@json_option
@handle_errors
def show(seq, network, as_json):
    """Print record SEQ with its text and whether the text still matches the commitment."""
    from servicecoin.servicelog import show as do_show

    chain, store = _ctx(network)
    with store:
        data = do_show(chain, seq, store)

    def human(d):
        extra = f" outcome {d['outcome']}" if "outcome" in d else f" rating {d['rating']}" if "rating" in d else ""
        click.echo(f"#{d['seq']} {d['kind']}{extra} ticket {d['ticket']} ({d['ticket_status']})")
        click.echo(f"  customer {d['customer']}  agent {d['agent']}  at {when(d['timestamp'])}  tx {d['tx']}")
        click.echo(f"  commitment {d['commitment']}  content: {d['content']}")
        if d["text"] is not None:
            click.echo(f"  text: {d['text']}")

    emit(data, as_json, human)


@log_group.command("erase")
@click.argument("seq", type=SEQ, required=False)
@click.option("--customer", default=None, type=Address(),
              help="Erase everything held about this customer: destroy their content key (all their texts at once).")
@click.option("--after-restore", is_flag=True,
              help="After restoring the content store or the key store from a backup: apply every erasure again.")
@network_option
@json_option
@handle_errors
def erase(seq, customer, after_restore, network, as_json):
    """Delete the text and salt of record SEQ, or of every record of --customer, leaving a signed tombstone
    (personal data gone; the chain still verifies)."""
    import servicecoin.vault.vouchers  # noqa: F401  registers the voucher codes' eraser
    from servicecoin.errors import ConfigError
    from servicecoin.servicelog.erasure import erase_customer, erase_record, reconcile

    if [seq is not None, customer is not None, after_restore].count(True) != 1:
        raise ConfigError("give one of: SEQ, --customer ADDRESS, --after-restore")
    if after_restore:
        from servicecoin.contentstore import ContentStore

        with ContentStore.for_network(network) as store:
            done = reconcile(store)
        emit(done, as_json, lambda d: click.echo(
            f"erasures applied again: {d['keys_destroyed']} key(s) destroyed, {d['rows_erased']} row(s) emptied, "
            f"{d['tombstones_copied']} tombstone(s) copied back"))
        return
    chain, store = _ctx(network)
    with store:
        if customer is not None:
            done = erase_customer(chain, store, customer)
            emit(done.to_json(), as_json, lambda d: click.echo(
                f"erased customer {d['customer']}: {d['keys_destroyed']} content key(s) destroyed, "
                f"{d['rows_erased']} row(s) emptied, {len(d['tombstones'])} tombstone(s) signed by "
                f"{d['tombstones'][0]['signer']}" + "".join(f"; {n}: {k}" for n, k in d["others"].items())))
            return
        t = erase_record(chain, store, seq)
    emit({"seq": seq, "tombstone": t.to_json()}, as_json, lambda d: click.echo(
        f"erased the content of record {seq}; the commitment on chain now reveals nothing (tombstone signed by "
        f"{t.signer})"))


@log_group.command("export")
@click.argument("out", type=FilePath(path_type=Path))
@click.option("--texts", type=FilePath(path_type=Path), default=None,
              help="Also write the texts and salts held here (a content export for 'svc verify-log --texts').")
@network_option
@handle_errors
def export(out, texts, network):
    """Write every record (from the chain's events) to OUT as JSON: an archive copy for auditors."""
    from servicecoin.servicelog import fetch_records, log_contract, log_versions, with_heads
    from servicecoin.servicelog.records import export_contents

    chain, store = _ctx(network)
    log = log_contract(chain)
    records = with_heads([r for v in log_versions(chain, log) for r in fetch_records(chain, v)])
    out.write_text(json.dumps([r.to_json() for r in records], indent=2) + "\n")
    click.echo(f"wrote {len(records)} records to {out}")
    if texts:
        with store:
            rows = export_contents(store, log.address)
        texts.write_text(json.dumps(rows, indent=1) + "\n")
        click.echo(f"wrote {len(rows)} texts to {texts}: personal data, hand it over only to whoever may read it")


@log_group.command("upgrade")
@click.option("--budget", type=UInt(0, MAX_BUDGET // UNIT), default=None,
              help="Whole points the new log may issue (default: servicecoin.yaml log.budget).")
@click.option("--agent", "agents", multiple=True, type=Address(),
              help="Grant AGENT_ROLE on the new log to this address (repeatable; default: the agents revoked on "
                   "the old log, else the agent key).")
@plan_options()
@network_option
@json_option
@handle_errors
def upgrade(budget, agents, signer, unsigned, yes, network, as_json):
    """Move the program to a new log version: stop the old log (its agents revoked, its budget 0), deploy a
    log continuing it from its head and count, and record it in deployments/<network>.json. Run it again
    after an interruption: it goes on where it stopped and never deploys a second new log."""
    from servicecoin.chain import connect
    from servicecoin.cli.plan import carry_out, confirm_or_stop
    from servicecoin.config import load_config
    from servicecoin.errors import ConfigError, ServiceCoinError
    from servicecoin.servicelog.upgrade import begin, finish, forget, prepare

    config = load_config()
    chain = connect(network)
    up = prepare(chain, config, budget, list(agents))
    if unsigned and not up.plan.calls:
        raise ConfigError("--unsigned: the old log is already stopped; run without --unsigned to deploy the new "
                          "log (the deployer key sends the deployment)")
    begin(up)
    try:
        stop = carry_out(chain, up.plan, signer=signer, yes=yes, unsigned=unsigned, as_json=as_json,
                         report=not as_json)
    except ServiceCoinError:
        forget(up)
        raise
    if unsigned:
        if not as_json:
            click.echo("then: once these are sent, run 'svc log upgrade' again to deploy the new log")
        else:
            emit(stop, True, None)
        return
    if not up.plan.calls and not up.done and not yes and not chain.network.local:
        confirm_or_stop(f"deploy the new log from {chain.account('deployer').address} on {network} "
                        f"(chain {chain.chain_id})?", as_json)
    done = finish(up, config)
    emit({**done, "stop": stop}, as_json, lambda d: click.echo(
        f"{'deployed' if d['deployed'] else 'recorded'} ServiceLog {d['new_log']}: continues "
        f"{d['old_log']} after record {d['continues_at']}, budget {d['issuer_budget']} points, AGENT_ROLE to "
        f"{', '.join(d['agents'])}; deployments/{network}.json names it (previous_logs: "
        f"{', '.join(d['previous_logs'])})"))


COMMANDS = [log_group]  # `svc verify-log` is in cli/audit.py
