"""The plan: points per customer, aggregated per address, cut into batches with deterministic ids.

The same campaign id and the same valid rows always give the same batches (recipients sorted by
address, cut by count and by a gas model), and a batch id is the hash of the campaign id and the
batch's content. The token accepts a batch id once, so a batch can never pay twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from eth_abi import encode
from eth_utils import keccak

from servicecoin.campaign.definition import TX_GAS_CAP, Campaign, load_campaign
from servicecoin.campaign.input import BadRow, InputCheck, InputRow, read_rows
from servicecoin.errors import ConfigError

# Gas model used to size batches (measured on RewardToken.issueBatch: ~25–27k per new holder plus
# the call's fixed cost); generous so that a batch always fits under the EIP-7825 cap.
GAS_FIXED = 80_000
GAS_PER_RECIPIENT = 29_000
GAS_HEADROOM = 0.9  # keep 10% under TX_GAS_CAP
BATCH_ID_DOMAIN = "servicecoin.campaign.v1"


@dataclass
class Allocation:
    """What one customer gets, and the rows that earned it."""

    address: str
    points: int  # raw base units (before tier multipliers)
    rows: list[InputRow] = field(default_factory=list)

    def why(self) -> str:
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row.action] = counts.get(row.action, 0) + 1
        return ", ".join(f"{a} ×{n}" if n > 1 else a for a, n in counts.items())


@dataclass
class Batch:
    index: int
    batch_id: bytes
    recipients: list[str]
    amounts: list[int]

    @property
    def total(self) -> int:
        return sum(self.amounts)

    @property
    def gas_model(self) -> int:
        return estimate_batch_gas(len(self.recipients))

    @property
    def hex_id(self) -> str:
        return "0x" + self.batch_id.hex()


@dataclass
class Plan:
    campaign: Campaign
    allocations: list[Allocation]
    batches: list[Batch]
    skipped: list[BadRow]
    rows: int  # valid rows

    @property
    def total(self) -> int:
        return sum(a.points for a in self.allocations)

    @property
    def plan_hash(self) -> str:
        """Fingerprint of everything that is sent: a journal refuses a different plan for the same campaign."""
        h = hashlib.sha256()
        for b in self.batches:
            h.update(b.batch_id)
        return h.hexdigest()

    @property
    def estimated_gas(self) -> int:
        return sum(b.gas_model for b in self.batches)

    def allocation(self, address: str) -> Allocation | None:
        return self._by_address().get(address)

    def _by_address(self) -> dict[str, Allocation]:
        cache = getattr(self, "_cache", None)
        if cache is None:
            cache = {a.address: a for a in self.allocations}
            self._cache = cache
        return cache

    def summary(self) -> dict:
        return {
            "campaign": self.campaign.id,
            "name": self.campaign.name,
            "reason": self.campaign.reason.name.lower(),
            "rows_valid": self.rows,
            "rows_skipped": len(self.skipped),
            "recipients": len(self.allocations),
            "points": self.total,
            "budget": self.campaign.budget,
            "within_budget": self.total <= self.campaign.budget,
            "batches": len(self.batches),
            "transactions": len(self.batches),
            "gas_model": self.estimated_gas,
        }


def estimate_batch_gas(recipients: int) -> int:
    return GAS_FIXED + GAS_PER_RECIPIENT * recipients


def max_batch(batch_size: int) -> int:
    """Recipients per batch: the configured size, lowered if the gas model says it would not fit."""
    by_gas = (int(TX_GAS_CAP * GAS_HEADROOM) - GAS_FIXED) // GAS_PER_RECIPIENT
    return max(1, min(batch_size, by_gas))


def batch_id(campaign_id: str, reason: int, recipients: list[str], amounts: list[int]) -> bytes:
    """keccak256(abi.encode(domain, campaign id, reason, recipients, amounts))."""
    return keccak(encode(["string", "string", "uint8", "address[]", "uint256[]"],
                         [BATCH_ID_DOMAIN, campaign_id, int(reason), [bytes.fromhex(a[2:]) for a in recipients], amounts]))


def make_plan(campaign: Campaign, checked: InputCheck) -> Plan:
    """Aggregate valid rows per address (sorted) and cut them into batches."""
    by_address: dict[str, Allocation] = {}
    for row in checked.rows:
        alloc = by_address.setdefault(row.address, Allocation(row.address, 0))
        alloc.points += row.points
        alloc.rows.append(row)
    allocations = sorted(by_address.values(), key=lambda a: a.address.lower())
    size = max_batch(campaign.batch_size)
    batches = []
    for start in range(0, len(allocations), size):
        chunk = allocations[start:start + size]
        recipients = [a.address for a in chunk]
        amounts = [a.points for a in chunk]
        batches.append(Batch(len(batches), batch_id(campaign.id, campaign.reason, recipients, amounts), recipients, amounts))
    return Plan(campaign, allocations, batches, list(checked.bad), len(checked.rows))


def load_plan(campaign_path: str | Path, input_path: str | Path | None = None) -> Plan:
    """Campaign file + input CSV (the file's `input:` unless given) → validated rows → plan."""
    campaign = load_campaign(campaign_path)
    source = input_path or campaign.input
    if source is None:
        raise ConfigError(f"{campaign.where('input')}: no input CSV (set 'input:' or pass --input)")
    return make_plan(campaign, read_rows(source, campaign))


ISSUE_BATCH = keccak(text="issueBatch(bytes32,address[],uint256[],uint8)")[:4]


def issue_batch_data(batch: Batch, reason: int) -> str:
    """Calldata of `issueBatch` for `batch`, encoded directly (web3's contract encoder re-checksums
    every address several times: most of the run's time for 500-recipient batches)."""
    args = [batch.batch_id, [bytes.fromhex(a[2:]) for a in batch.recipients], batch.amounts, int(reason)]
    return "0x" + (ISSUE_BATCH + encode(["bytes32", "address[]", "uint256[]", "uint8"], args)).hex()
