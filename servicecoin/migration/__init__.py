"""Token migration (`svc migrate token`): every account of a deployed RewardToken moved to a new one through
`migrateAccounts(bytes)`, with the old token paused — exactly once, resumable, reconciled.

    accounts   one account's state as it is carried (lots with epochs, lifetime, qualifying, tier, pending)
    snapshot   the old token at one block: holders (from its Transfer events), states, supply counters
    codec      account states → the packed bytes migrateAccounts takes (the layout in IRewardToken)
    plan       batches in address order, each under a gas target by the node's estimate
    journal    the campaign journal plus the frozen plan, so a resumed run sends what the first planned
    newtoken   the new token's migration calls and its AccountMigrated events
    prepare    checks on both tokens, the epoch clocks, and the plan (new or resumed)
    runner     send / confirm / reconcile with the chain / resume, one batch at a time
    reconcile  the report: every account and supply counter, old against new
"""

from servicecoin.migration.plan import MigrationPlan
from servicecoin.migration.prepare import Prepared, prepare
from servicecoin.migration.reconcile import reconcile
from servicecoin.migration.runner import MigrationMismatch, MigrationResult, run_migration

__all__ = ["MigrationPlan", "Prepared", "prepare", "reconcile", "MigrationMismatch", "MigrationResult",
           "run_migration"]
