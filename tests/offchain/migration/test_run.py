"""A migration end to end on brownie's anvil: every account moves once, with its lots in their epochs,
lifetime and tier; a run killed half-way (svc in a subprocess, at the campaign fault points) resumes
without migrating an account twice or skipping one; the reconciliation catches a difference."""

import json
import os
import subprocess
import sys

import pytest

from servicecoin.chain import dev_account
from servicecoin.migration import prepare, reconcile, run_migration
from servicecoin.migration.journal import MigrationJournal
from servicecoin.migration.newtoken import migrated_accounts
from servicecoin.paths import PROJECT_ROOT

from tests.offchain.migration.migrationkit import credit, has_migration, old_program

pytestmark = pytest.mark.skipif(not has_migration(), reason="the built RewardToken has no migrateAccounts yet "
                                                            "(issue 14's token, branch token14)")
ADMIN = ["--from", "0x" + bytes(dev_account(0).key).hex()]  # the deployer: admin of both tokens
SMALL = 400_000  # gas per batch: a few accounts each, so a run has several batches


def lots(token, who):
    return [(int(e), int(a)) for e, a, _ in token.functions.lotsOf(who).call()]


def migrate(chain, journal, old, new, target=SMALL):
    sender = chain.account("deployer")
    prepared = prepare(chain, old.address, new.address, journal, sender.address, target=target)
    return prepared, run_migration(chain, prepared.plan, journal, prepared.key, sender)


def test_every_account_moves_once_with_its_lots_and_the_report_reconciles(chain, journal):
    old, new, customers = old_program(chain)
    prepared, result = migrate(chain, journal, old, new)
    assert len(prepared.plan.batches) > 1 and result.complete and result.batches_failed == 0
    assert result.max_batch_gas < SMALL
    for who in customers:
        assert lots(new, who) == lots(old, who), who
        assert new.functions.lifetimeEarned(who).call() == old.functions.lifetimeEarned(who).call()
        assert new.functions.tierOf(who).call() == old.functions.tierOf(who).call()
    report = reconcile(chain, prepared.plan.snapshot, new.address, prepared.shift)
    assert report["reconciled"], [r for r in report["accounts"] if not r["ok"]] + report["counters"]
    assert report["accounts_checked"] == len(customers)
    again = run_migration(chain, prepared.plan, journal, prepared.key, chain.account("deployer"))
    assert again.sent_this_run == 0 and again.complete


def test_a_second_run_with_a_lost_journal_sends_nothing_twice(chain, tmp_path):
    old, new, customers = old_program(chain)
    first = MigrationJournal(tmp_path / "one.sqlite")
    migrate(chain, first, old, new)
    lost = MigrationJournal(tmp_path / "two.sqlite")  # a new journal: the accounts on chain are not planned again
    prepared, result = migrate(chain, lost, old, new)
    assert prepared.plan.batches == [] and result.sent_this_run == 0 and result.complete
    assert len(migrated_accounts(chain, new.address)) == len(customers)
    assert reconcile(chain, prepared.plan.snapshot, new.address, prepared.shift)["reconciled"]


def test_the_reconciliation_catches_a_difference(chain, journal):
    old, new, customers = old_program(chain)
    prepared, _ = migrate(chain, journal, old, new)
    credit(chain, new, customers[3], 77, ref=b"\x77" * 32)  # the new token moved on: one account differs
    report = reconcile(chain, prepared.plan.snapshot, new.address, prepared.shift)
    assert not report["reconciled"]
    wrong = [r for r in report["accounts"] if not r["ok"]]
    assert [r["address"] for r in wrong] == [customers[3]]
    assert "balance" in wrong[0]["differences"] and "lots" in wrong[0]["differences"]
    assert not next(c for c in report["counters"] if c["figure"].startswith("live supply"))["ok"]


def svc(args, fault=None):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("SVC_CAMPAIGN_FAULT", None)
    if fault:
        env["SVC_CAMPAIGN_FAULT"] = fault
    cmd = [sys.executable, "-c", "from servicecoin.cli import main; main()", *args, "--network", "development"]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, cwd=PROJECT_ROOT)


@pytest.mark.parametrize("fault", ["before_send:1", "after_send:1", "after_confirm:2"])
def test_a_run_killed_half_way_resumes_without_double_migrating_or_skipping(chain, tmp_path, fault):
    old, new, customers = old_program(chain, n=12)
    args = ["migrate", "token", "--old", old.address, "--new", new.address, "--journal", str(tmp_path / "j.sqlite"),
            "--batch-gas", str(SMALL), *ADMIN]
    killed = svc(args, fault)
    assert killed.returncode == -9, killed.stderr
    assert 0 < len(migrated_accounts(chain, new.address)) < len(customers) or fault.startswith("before_send")
    again = svc([*args, "--json"])
    assert again.returncode == 0, again.stderr
    data = json.loads(again.stdout)
    assert data["plan"]["resumed"] and data["reconciliation"]["reconciled"]
    events = new.events.AccountMigrated.get_logs(from_block=0)
    assert sorted(e["args"]["account"] for e in events) == sorted(customers)  # each exactly once, nobody skipped
    for who in customers:
        assert lots(new, who) == lots(old, who)


def test_reconcile_command_exits_1_on_a_difference(chain, tmp_path):
    old, new, customers = old_program(chain, n=4)
    args = ["--old", old.address, "--new", new.address, "--journal", str(tmp_path / "j.sqlite")]
    assert svc(["migrate", "token", *args, *ADMIN]).returncode == 0
    ok = svc(["migrate", "reconcile", *args, "--json"])
    assert ok.returncode == 0 and json.loads(ok.stdout)["reconciled"]
    credit(chain, new, customers[0], 5, ref=b"\x55" * 32)
    bad = svc(["migrate", "reconcile", *args])
    assert bad.returncode == 1 and "NOT reconciled" in bad.stdout and "WRONG" in bad.stdout


def test_the_index_of_the_new_token_keeps_each_migrated_lot_in_its_epoch(chain, journal, db):
    from servicecoin.index import Indexer, IndexSettings, ledger

    old, new, customers = old_program(chain, n=5)
    migrate(chain, journal, old, new)
    Indexer(chain, db, IndexSettings(confirmations=0), contracts={"RewardToken": new.address}, log=lambda m: None).run()
    now = chain.w3.eth.get_block(int(db.meta("cursor")))["timestamp"]
    for who in customers:
        indexed = [(l["epoch"], l["amount"]) for l in ledger.lots(db, who.lower(), now)]
        assert indexed == lots(new, who) == lots(old, who), who
    assert db.scalar("SELECT COUNT(*) FROM migrations") == len(customers)
