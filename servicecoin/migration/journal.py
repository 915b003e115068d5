"""The migration journal: the campaign journal (batches planned → sent → confirmed | failed, one runner
at a time) plus the run's frozen plan — the snapshot of the old token and how its accounts were cut into
batches — so that a resumed run sends exactly what the first one planned, whatever the old token's
clock has done since.

Default file: .servicecoin/<network>/migrations.sqlite. A run is keyed `migrate-<old token>@<new token>`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from servicecoin.campaign.journal import Journal, JournalError
from servicecoin.migration.plan import Encoder, MigrationBatch, MigrationPlan, Named, run_id
from servicecoin.migration.snapshot import Snapshot
from servicecoin.paths import data_dir

PLANS = """
CREATE TABLE IF NOT EXISTS migration_plans (
    key TEXT PRIMARY KEY, old_token TEXT NOT NULL, new_token TEXT NOT NULL, plan TEXT NOT NULL, created_at REAL NOT NULL
);
"""


def default_path(network: str) -> Path:
    return data_dir(network) / "migrations.sqlite"


class MigrationJournal(Journal):
    def __init__(self, path: str | Path):
        super().__init__(path)
        self.db.executescript(PLANS)

    def run_key(self, old: str, new: str) -> str:
        return self.key(run_id(old), new)

    def stored_plan(self, old: str, new: str, encode: Encoder) -> MigrationPlan | None:
        """The plan a first run froze for this pair of tokens, rebuilt (no node asked), or None."""
        row = self.db.execute("SELECT plan FROM migration_plans WHERE key = ?", (self.run_key(old, new),)).fetchone()
        if row is None:
            return None
        doc = json.loads(row[0])
        snapshot = Snapshot.from_json(doc["snapshot"])
        by_address = {a.address: a.shifted(doc["shift"]) for a in snapshot.accounts}
        batches = []
        for i, b in enumerate(doc["batches"]):
            accounts = [by_address[a] for a in b["addresses"]]
            batches.append(MigrationBatch(i, accounts, encode(accounts), int(b["gas"])))
        plan = MigrationPlan(Named(run_id(old)), snapshot.token, new, snapshot, batches)
        if plan.plan_hash != doc["plan_hash"]:
            raise JournalError(f"{self.path}: the stored migration plan of {old} does not rebuild to the same batches "
                               f"(the packing changed?); finish with the svc version that began the run")
        return plan

    def freeze(self, plan: MigrationPlan, shift: int, chain_id: int, network: str) -> str:
        """Store the plan (once) and open its batches in the campaign tables; returns the run key."""
        key = self.run_key(plan.old, plan.new)
        doc = {"snapshot": plan.snapshot.to_json(), "shift": shift, "plan_hash": plan.plan_hash,
               "batches": [{"addresses": b.recipients, "gas": b.estimated_gas} for b in plan.batches]}
        with self.transaction():
            self.db.execute("INSERT OR IGNORE INTO migration_plans VALUES (?,?,?,?,?)",
                            (key, plan.old, plan.new, json.dumps(doc), time.time()))
        return self.open_campaign(plan, plan.new, chain_id, network)
