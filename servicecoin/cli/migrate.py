"""`svc migrate token|reconcile`: move every account of a deployed RewardToken to a new one (docs/migration.md)."""

from __future__ import annotations

import sys

import click

from servicecoin.campaign.definition import TX_GAS_CAP
from servicecoin.cli.options import Address, FilePath, UInt, emit, handle_errors, json_option, network_option
from servicecoin.cli.plan import plan_options
from servicecoin.migration.plan import TARGET_GAS
from servicecoin.errors import EXIT_FAILURE, ConfigError, ServiceCoinError


def _tokens(fn):
    fn = click.option("--journal", "journal_path", type=FilePath(dir_okay=False),
                      help="SQLite journal (default: .servicecoin/<network>/migrations.sqlite).")(fn)
    fn = click.option("--new", "new", type=Address(), required=True, help="The new RewardToken (migration open).")(fn)
    return click.option("--old", "old", type=Address(), default=None,
                        help="The RewardToken to migrate from (default: the one in deployments/<network>.json).")(fn)


def _open(network: str, old: str | None, journal_path: str | None):
    from servicecoin.chain import connect
    from servicecoin.migration.journal import MigrationJournal, default_path

    chain = connect(network)
    old = old or chain.deployment()["contracts"]["RewardToken"]
    return chain, old, MigrationJournal(journal_path or default_path(network))


def _confirm(chain, question: str, yes: bool, as_json: bool) -> None:
    """Ask before sending on a live network (not with --yes; local networks just send)."""
    if yes or chain.network.local:
        return
    try:
        confirmed = click.confirm(question, default=False, err=as_json)
    except click.Abort:
        confirmed = False
    if not confirmed:
        raise ServiceCoinError("nothing sent: not confirmed (--yes skips the question)")


def _pause_plan(chain, old: str):
    from servicecoin.admin.actions import Plan
    from servicecoin.migration.snapshot import reader

    plan = Plan("pause the old token before its migration")
    plan.add(reader(chain, old), "RewardToken", "pause", description=f"pause {old}: no credit, spend or transfer "
                                                                     f"from now on (reading goes on)")
    return plan


def _batch_plan(chain, prepared, finish: bool):
    """The batches not yet on the new token (and finishMigration with --finish) as a plan of calls."""
    from servicecoin.admin.actions import Plan
    from servicecoin.migration.newtoken import migrated_accounts, migration_contract

    done = migrated_accounts(chain, prepared.plan.new)
    contract = migration_contract(chain, prepared.plan.new)
    plan = Plan(f"migrate {prepared.plan.accounts:,} accounts from {prepared.plan.old} to {prepared.plan.new}")
    for b in prepared.plan.batches:
        if not all(a.lower() in done for a in b.recipients):
            plan.add(contract, "RewardToken", "migrateAccounts", b.packed,
                     description=f"batch {b.index}: {len(b.accounts)} accounts, {b.total / 100:,.2f} points "
                                 f"(≈ {b.estimated_gas:,} gas)")
    if finish:
        plan.add(contract, "RewardToken", "finishMigration", description="close the migration for good")
    return plan


def _summary(prepared) -> dict:
    p = prepared.plan
    return {"old_token": p.old, "new_token": p.new, "snapshot_block": p.snapshot.block, "resumed": prepared.resumed,
            "accounts": p.accounts, "points": sum(b.total for b in p.batches), "batches": len(p.batches),
            "estimated_gas": p.estimated_gas, "max_batch_estimate": max((b.estimated_gas for b in p.batches), default=0),
            "epoch_shift": prepared.shift,
            "acceptors": sum(1 for a in p.snapshot.accounts if a.acceptor_balance is not None)}


def _print_reconciliation(r: dict) -> None:
    from servicecoin.reports.tables import Table, count, points, render_text

    accounts = Table(f"accounts ({r['accounts_checked']:,}; {r['accounts_wrong']:,} wrong)",
                     ["account", "balance old", "new", "lifetime old", "new", "tier", "pending old", "new", "check"],
                     [[a["address"], points(a["old"]["balance"]), points(a["new"]["balance"]),
                       points(a["old"]["lifetime"]), points(a["new"]["lifetime"]),
                       f"{a['old']['tier']}→{a['new']['tier']}", points(a["old"]["pending"]), points(a["new"]["pending"]),
                       "ok" if a["ok"] else "WRONG: " + ", ".join(a["differences"])] for a in r["accounts"]],
                     align="lrrrrrrrl")
    figures = Table("supply counters", ["figure", "old", "new", "check"],
                    [[c["figure"], count(c["old"]) if "identity" in c["figure"] else points(c["old"]),
                      count(c["new"]) if "identity" in c["figure"] else points(c["new"]), "ok" if c["ok"] else "WRONG"]
                     for c in r["counters"]], align="lrrl",
                    note="identity: 1 = totalIssued = supply + pending + expired + burned + cancelled holds")
    history = Table("counters (old history beside the new token's)", ["counter", "old", "new"],
                    [[h["figure"], points(h["old"]), points(h["new"])] for h in r["history"]])
    click.echo(f"reconciliation at block {r['block']}: {r['old_token']} → {r['new_token']}")
    for table in (accounts, figures, history):
        click.echo("\n".join(render_text(table)))
    click.echo("reconciled: every account and counter matches" if r["reconciled"]
               else f"NOT reconciled: {r['differences']} difference(s)")


@click.group()
def migrate():
    """Move a running program to a new RewardToken (docs/migration.md)."""


@migrate.command("token")
@_tokens
@click.option("--finish", is_flag=True, help="Call finishMigration once every account is reconciled.")
@click.option("--batch-gas", type=UInt(100_000, TX_GAS_CAP), default=TARGET_GAS, show_default=True,
              help="Gas per migrateAccounts batch by the node's estimate (a first run plans with it; a resumed run "
                   "keeps its batches).")
@plan_options("deployer")
@network_option
@json_option
@handle_errors
def token_cmd(old, new, journal_path, finish, batch_gas, signer, unsigned, yes, network, as_json):
    """Pause the old token, move every account to the new one in batches (exactly once; run again to
    resume), then reconcile every account and supply counter."""
    from servicecoin.admin.actions import check, send
    from servicecoin.cli.plan import carry_out, signer_address
    from servicecoin.migration import prepare, reconcile, run_migration
    from servicecoin.migration.prepare import is_paused
    from servicecoin.vault import resolve_signer

    chain, old, journal = _open(network, old, journal_path)
    sender = signer_address(chain, signer, unsigned)
    paused_now = None
    if not is_paused(chain, old):
        pause = _pause_plan(chain, old)
        if unsigned:
            carry_out(chain, pause, signer=signer, yes=yes, unsigned=unsigned, as_json=as_json)
            click.echo("the old token is not paused yet: run this again once the pause is executed", err=True)
            return
        account = resolve_signer(chain, signer)
        check(chain, pause, account.address)
        _confirm(chain, f"pause {old} on {chain.network.id} from {account.address}?", yes, as_json)
        paused_now = send(chain, pause, account)[0]["tx"]
    prepared = prepare(chain, old, new, journal, sender, target=batch_gas)
    data = {"plan": _summary(prepared), "paused_in": paused_now}
    if unsigned:
        carry_out(chain, _batch_plan(chain, prepared, finish), signer=signer, yes=yes, unsigned=unsigned,
                  as_json=as_json)
        return
    account = resolve_signer(chain, signer)
    _confirm(chain, f"migrate {prepared.plan.accounts:,} accounts in {len(prepared.plan.batches)} transaction(s) from "
                    f"{account.address} on {chain.network.id}?", yes, as_json)
    say = (lambda m: None) if as_json else (lambda m: click.echo(m, err=True))
    result = run_migration(chain, prepared.plan, journal, prepared.key, account, say=say)
    report = reconcile(chain, prepared.plan.snapshot, new, prepared.shift)
    data.update(result=result.__dict__, reconciliation=report, finished=None)
    if finish and result.complete and report["reconciled"]:
        from servicecoin.admin.actions import Plan
        from servicecoin.migration.newtoken import migration_contract

        close = Plan("close the migration")
        close.add(migration_contract(chain, new), "RewardToken", "finishMigration", description="close the migration")
        data["finished"] = send(chain, close, account)[0]["tx"]

    def human(d):
        s = d["plan"]
        click.echo(f"migration {s['old_token']} → {s['new_token']} (snapshot at block {s['snapshot_block']}"
                   f"{', resumed' if s['resumed'] else ''}): {s['accounts']:,} accounts, {s['batches']} batch(es)")
        r = d["result"]
        click.echo(f"  batches confirmed {r['batches_confirmed']}/{r['batches_total']}, sent this run "
                   f"{r['sent_this_run']}, gas {r['gas_used']:,} (largest batch {r['max_batch_gas']:,})")
        for failure in r["failures"]:
            click.echo(f"  FAILED {failure}")
        _print_reconciliation(d["reconciliation"])
        if d["finished"]:
            click.echo(f"  migration closed (finishMigration) in tx {d['finished']}")

    emit(data, as_json, human)
    if not (result.complete and report["reconciled"]):
        sys.exit(EXIT_FAILURE)


@migrate.command("reconcile")
@_tokens
@network_option
@json_option
@handle_errors
def reconcile_cmd(old, new, journal_path, network, as_json):
    """The reconciliation report of a migration the journal holds: every account and counter, old against new."""
    from servicecoin.migration import reconcile
    from servicecoin.migration.codec import encode
    from servicecoin.migration.prepare import epoch_shift

    chain, old, journal = _open(network, old, journal_path)
    plan = journal.stored_plan(old, new, encode)
    if plan is None:
        raise ConfigError(f"{journal.path}: no migration from {old} to {new}; run 'svc migrate token' first")
    report = reconcile(chain, plan.snapshot, new, epoch_shift(chain, old, new))
    emit(report, as_json, _print_reconciliation)
    if not report["reconciled"]:
        sys.exit(EXIT_FAILURE)


COMMANDS = [migrate]
