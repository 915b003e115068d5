"""The plan: points per customer and reason, aggregated per address, cut into batches with deterministic ids.

The same campaign id and the same valid rows always give the same base batches (rows grouped by their
reason, `issueBatch` taking one reason; within a reason recipients sorted by address, cut by count and by
a flat gas model), and a batch id is the hash of the campaign id, the reason and the batch's content. The
token accepts a batch id once, so a batch can never pay twice. A campaign whose rows all carry the
campaign's reason plans exactly as before rows could carry their own.

What a credit costs depends on the recipient's account (a dormant customer whose lots all expired
costs nearly twice a new holder), so before a run `size_plan` asks the node (eth_estimateGas) and cuts
a base batch in halves, recursively, until each piece fits under the EIP-7825 cap with a margin. The
pieces are always the same halves (a fixed tree under each base batch), and a piece whose id is known
— in the journal, or issued on chain — is kept as it is, so a resume cuts exactly as the first run did,
with or without its journal.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

from eth_abi import encode
from eth_utils import keccak
from web3.exceptions import ContractCustomError, ContractLogicError, Web3RPCError

from servicecoin.campaign.definition import TX_GAS_CAP, Campaign, load_campaign
from servicecoin.campaign.input import BadRow, InputCheck, InputRow, read_rows
from servicecoin.errors import ConfigError
from servicecoin.token import Reason

# Flat gas model for the base batches and offline figures (RewardToken.issueBatch: ~25–27k per new
# holder plus the call's fixed cost). It is not a bound: a dormant customer costs ~50k (see size_plan).
GAS_FIXED = 80_000
GAS_PER_RECIPIENT = 29_000
GAS_HEADROOM = 0.9  # keep 10% under TX_GAS_CAP: a batch's estimate must stay under TX_GAS_CAP * GAS_HEADROOM
MAX_SPLITS = 3  # a base batch is cut into at most 2**3 pieces (≤ 65 recipients: room for 200k gas each)
BATCH_ID_DOMAIN = "servicecoin.campaign.v1"


@dataclass
class Allocation:
    """What one customer gets for one reason, and the rows that earned it."""

    address: str
    points: int  # raw base units (before tier multipliers)
    rows: list[InputRow] = field(default_factory=list)
    reason: Reason = Reason.CAMPAIGN

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
    reason: Reason = Reason.CAMPAIGN

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

    def allocation(self, address: str, reason: Reason | None = None) -> Allocation | None:
        """The allocation of `address` for `reason`; without a reason, the address's only one, or all its
        allocations summed (an address paid for several reasons)."""
        found = self._by_address().get(address, [])
        if reason is not None:
            return next((a for a in found if a.reason == reason), None)
        if len(found) <= 1:
            return found[0] if found else None
        return Allocation(address, sum(a.points for a in found), [r for a in found for r in a.rows], found[0].reason)

    def _by_address(self) -> dict[str, list[Allocation]]:
        cache = getattr(self, "_cache", None)
        if cache is None:
            cache = {}
            for a in self.allocations:
                cache.setdefault(a.address, []).append(a)
            self._cache = cache
        return cache

    @property
    def reasons(self) -> list[Reason]:
        """The reasons the plan pays, in batch order."""
        return sorted({a.reason for a in self.allocations})

    def summary(self) -> dict:
        return {
            "campaign": self.campaign.id,
            "name": self.campaign.name,
            "reason": self.campaign.reason.name.lower(),
            "rows_valid": self.rows,
            "rows_skipped": len(self.skipped),
            "recipients": len(self.allocations),
            "reasons": {r.name.lower(): sum(a.points for a in self.allocations if a.reason == r) for r in self.reasons},
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


def _batch(index: int, campaign: Campaign, chunk: list[Allocation]) -> Batch:
    """A batch of allocations that share one reason."""
    reason = chunk[0].reason
    recipients = [a.address for a in chunk]
    amounts = [a.points for a in chunk]
    return Batch(index, batch_id(campaign.id, reason, recipients, amounts), recipients, amounts, reason)


def base_chunks(campaign: Campaign, allocations: list[Allocation]) -> list[list[Allocation]]:
    """The allocations (ordered by reason, then address) cut into base batches: one reason per batch, at
    most max_batch recipients each."""
    size = max_batch(campaign.batch_size)
    chunks: list[list[Allocation]] = []
    for reason in sorted({a.reason for a in allocations}):
        group = [a for a in allocations if a.reason == reason]
        chunks += [group[start:start + size] for start in range(0, len(group), size)]
    return chunks


def _pieces(campaign: Campaign, chunk: list[Allocation], depth: int = 0):
    """The fixed tree of halves under a base batch: (batch, left subtree, right subtree) or (batch,)."""
    node = _batch(0, campaign, chunk)
    if depth == MAX_SPLITS or len(chunk) < 2:
        return (node,)
    mid = len(chunk) // 2
    return (node, _pieces(campaign, chunk[:mid], depth + 1), _pieces(campaign, chunk[mid:], depth + 1))


def _tree_ids(tree) -> Iterable[bytes]:
    yield tree[0].batch_id
    for sub in tree[1:]:
        yield from _tree_ids(sub)


def size_plan(plan: Plan, fits: Callable[[Batch], bool], issued: Callable[[list[bytes]], set[bytes]],
              recorded: Iterable[str] = ()) -> Plan:
    """Cut each base batch of `plan` into halves until every piece `fits` (its gas estimate is under
    the cap with a margin).

    A piece whose id is `recorded` (the journal's batch ids, hex) or `issued` on chain (one call for all
    candidate ids) is kept whole, and a piece with such a piece below it is cut: a resume therefore
    sends exactly the batches of the first run, journal or not, and never asks `fits` about them.
    A single recipient, or a piece MAX_SPLITS halvings deep, is kept whatever `fits` says.
    """
    campaign = plan.campaign
    trees = [_pieces(campaign, chunk) for chunk in base_chunks(campaign, plan.allocations)]
    known = {bytes.fromhex(h[2:] if h.startswith("0x") else h) for h in recorded}
    candidates = [i for tree in trees for i in _tree_ids(tree) if i not in known]
    known |= issued(candidates) if candidates else set()

    def cut(tree) -> list[Batch]:
        node, below = tree[0], tree[1:]
        if node.batch_id in known or not below:
            return [node]
        if any(i in known for sub in below for i in _tree_ids(sub)) or not fits(node):
            return cut(below[0]) + cut(below[1])
        return [node]

    batches = [replace(b, index=i) for i, b in enumerate(b for tree in trees for b in cut(tree))]
    return replace(plan, batches=batches)


def recut(plan: Plan, recorded: Iterable[str]) -> Plan:
    """`plan` cut as a journal recorded it (its batch ids, hex), without the chain: for reports."""
    return size_plan(plan, lambda batch: True, lambda ids: set(), recorded)


def estimate_fits(w3, token_address: str, issuer: str) -> Callable[[Batch], bool]:
    """Whether a batch's eth_estimateGas is under TX_GAS_CAP * GAS_HEADROOM. A batch that would revert
    whatever its size (budget, pause) is left whole for the run to report; a node that refuses the
    estimate itself (over its gas cap) asks for smaller pieces."""
    limit = int(TX_GAS_CAP * GAS_HEADROOM)

    def fits(batch: Batch) -> bool:
        tx = {"from": issuer, "to": token_address, "data": issue_batch_data(batch)}
        try:
            return w3.eth.estimate_gas(tx) <= limit
        except (ContractCustomError, ContractLogicError):
            return True
        except Web3RPCError:
            return False

    return fits


def issued_on_chain(w3, token, issuer: str) -> Callable[[list[bytes]], set[bytes]]:
    """The ids among many that `issuer` has used on the token (ids are scoped by issuer), asked in
    JSON-RPC batches of 500 calls."""
    def issued(ids: list[bytes]) -> set[bytes]:
        found: set[bytes] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            with w3.batch_requests() as batch:
                for i in chunk:
                    batch.add(token.functions.batchIssuedAt(issuer, i))
                answers = batch.execute()
            found |= {i for i, used_at in zip(chunk, answers) if used_at}
        return found

    return issued


def size_for_run(w3, token, issuer: str, plan: Plan, recorded: Iterable[str] = ()) -> Plan:
    """`plan` cut by the node's gas estimates (see size_plan), for a run by `issuer` on `token`."""
    return size_plan(plan, estimate_fits(w3, token.address, issuer),
                     issued_on_chain(w3, token, issuer), recorded)


def make_plan(campaign: Campaign, checked: InputCheck) -> Plan:
    """Aggregate valid rows per reason and address (sorted by reason, then address) and cut them into
    batches of one reason each."""
    by_key: dict[tuple[int, str], Allocation] = {}
    for row in checked.rows:
        alloc = by_key.setdefault((int(row.reason), row.address), Allocation(row.address, 0, reason=row.reason))
        alloc.points += row.points
        alloc.rows.append(row)
    allocations = sorted(by_key.values(), key=lambda a: (int(a.reason), a.address.lower()))
    batches = [_batch(i, campaign, chunk) for i, chunk in enumerate(base_chunks(campaign, allocations))]
    return Plan(campaign, allocations, batches, list(checked.bad), len(checked.rows))


def load_plan(campaign_path: str | Path, input_path: str | Path | None = None) -> Plan:
    """Campaign file + input CSV (the file's `input:` unless given) → validated rows → plan."""
    campaign = load_campaign(campaign_path)
    source = input_path or campaign.input
    if source is None:
        raise ConfigError(f"{campaign.where('input')}: no input CSV (set 'input:' or pass --input)")
    return make_plan(campaign, read_rows(source, campaign))


ISSUE_BATCH = keccak(text="issueBatch(bytes32,address[],uint256[],uint8)")[:4]


def issue_batch_data(batch: Batch, reason: int | None = None) -> str:
    """Calldata of `issueBatch` for `batch` with its reason (or `reason`: tests that want another one),
    encoded directly (web3's contract encoder re-checksums every address several times: most of the run's
    time for 500-recipient batches)."""
    reason = batch.reason if reason is None else reason
    args = [batch.batch_id, [bytes.fromhex(a[2:]) for a in batch.recipients], batch.amounts, int(reason)]
    return "0x" + (ISSUE_BATCH + encode(["bytes32", "address[]", "uint256[]", "uint8"], args)).hex()
