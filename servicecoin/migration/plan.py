"""The migration's batches: the snapshot's accounts in address order, cut into `migrateAccounts` calls
whose gas (the node's estimate) stays under TARGET_GAS, well below the 16,777,216 cap of a transaction.

Accounts are first grouped by a gas model (a fixed cost per account and per lot), then every group is
estimated by the node and halved until it fits. The plan is made once, from the snapshot kept in the
journal, so a resumed run sends exactly the batches the first run planned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from eth_utils import keccak

from servicecoin.campaign.definition import TX_GAS_CAP
from servicecoin.errors import ConfigError
from servicecoin.migration.accounts import AccountState
from servicecoin.migration.snapshot import Snapshot

TARGET_GAS = 12_000_000  # per batch by the node's estimate: room for the estimate's error under TX_GAS_CAP
# The grouping model (raw gas, deliberately high): an account's fresh words, and each lot or pending credit.
MODEL_ACCOUNT, MODEL_LOT, MODEL_PENDING, MODEL_TX = 60_000, 22_500, 45_000, 60_000

Encoder = Callable[[list[AccountState]], bytes]
Estimator = Callable[[bytes], int]  # calldata argument (the packed accounts) → gas of migrateAccounts(packed)


@dataclass(frozen=True)
class Named:
    """What the campaign journal keys a run by (its `campaign.id`)."""

    id: str


@dataclass
class MigrationBatch:
    index: int
    accounts: list[AccountState]
    packed: bytes
    estimated_gas: int

    @property
    def batch_id(self) -> bytes:
        return keccak(self.packed)

    @property
    def hex_id(self) -> str:
        return "0x" + self.batch_id.hex()

    @property
    def recipients(self) -> list[str]:
        return [a.address for a in self.accounts]

    @property
    def total(self) -> int:
        """Points the batch moves: live balances and pending credits."""
        return sum(a.balance + a.pending_total for a in self.accounts)


@dataclass
class MigrationPlan:
    campaign: Named  # the journal's run id: migrate-<old token>
    old: str
    new: str
    snapshot: Snapshot
    batches: list[MigrationBatch]

    @property
    def plan_hash(self) -> str:
        digest = keccak(b"".join([self.old.lower().encode(), self.new.lower().encode(),
                                  self.snapshot.block.to_bytes(32, "big"), *(b.batch_id for b in self.batches)]))
        return "0x" + digest.hex()

    @property
    def accounts(self) -> int:
        return sum(len(b.accounts) for b in self.batches)

    @property
    def estimated_gas(self) -> int:
        return sum(b.estimated_gas for b in self.batches)


def run_id(old: str) -> str:
    return f"migrate-{old.lower()}"


def model_gas(account: AccountState) -> int:
    return MODEL_ACCOUNT + MODEL_LOT * len(account.lots) + MODEL_PENDING * len(account.pending)


def groups(accounts: list[AccountState], target: int = TARGET_GAS) -> list[list[AccountState]]:
    """Consecutive accounts whose modelled gas stays under `target`."""
    out: list[list[AccountState]] = []
    current: list[AccountState] = []
    used = MODEL_TX
    for account in accounts:
        cost = model_gas(account)
        if current and used + cost > target:
            out.append(current)
            current, used = [], MODEL_TX
        current.append(account)
        used += cost
    if current:
        out.append(current)
    return out


def fit(accounts: list[AccountState], encode: Encoder, estimate: Estimator, target: int) -> list[tuple[list, bytes, int]]:
    """`accounts` as one batch if the node's estimate is under `target`, else halved until each part is."""
    packed = encode(accounts)
    gas = estimate(packed)
    if gas <= target:
        return [(accounts, packed, gas)]
    if len(accounts) == 1:
        raise ConfigError(f"{accounts[0].address}: migrating this account alone needs {gas:,} gas, over the "
                          f"{target:,} a batch may use")
    half = len(accounts) // 2
    return fit(accounts[:half], encode, estimate, target) + fit(accounts[half:], encode, estimate, target)


def make_plan(snapshot: Snapshot, new: str, encode: Encoder, estimate: Estimator, target: int = TARGET_GAS,
              shift: int = 0, done: set[str] = frozenset()) -> MigrationPlan:
    """Batches for every account of `snapshot` (lot epochs moved by `shift` for the new token's clock) but
    those in `done` (lower-case addresses the new token already holds: a run whose journal was lost)."""
    if target > TX_GAS_CAP:
        raise ConfigError(f"batch gas target {target:,} is over the transaction cap {TX_GAS_CAP:,}")
    accounts = [a.shifted(shift) for a in sorted(snapshot.accounts, key=lambda a: a.address.lower())
                if a.address.lower() not in done]
    batches: list[MigrationBatch] = []
    for group in groups(accounts, target):
        for part, packed, gas in fit(group, encode, estimate, target):
            batches.append(MigrationBatch(len(batches), part, packed, gas))
    return MigrationPlan(Named(run_id(snapshot.token)), snapshot.token, new, snapshot, batches)
