"""Send a migration plan: exactly once, resumable, one batch at a time.

Each batch goes planned → sent → confirmed (or failed) in the journal, every step committed before the
next action: the signed transaction's hash, nonce and bytes are journaled *before* it is broadcast. A
rerun (after SIGKILL, a node restart, a dropped transaction, or with the journal lost) first reconciles
every unfinished batch with the chain: the new token's `AccountMigrated` events say which accounts it
holds. A batch all of whose accounts are there is confirmed from those events; one with none of them is
sent again (the same signed bytes while their nonce is next, freshly signed once it is not); one with
only some of them stops the run (`MigrationMismatch`). The new token itself refuses an account that
already holds points (`AccountNotEmpty`), so a batch can never be applied twice whatever the journal says.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field

from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, Web3RPCError

from servicecoin.campaign.journal import CONFIRMED, FAILED, PLANNED, SENT, JournalError
from servicecoin.campaign.runner import _fault, raw_receipt, sign_and_journal, tx_known
from servicecoin.chain import Chain, revert_message
from servicecoin.errors import EXIT_FAILURE, ChainError
from servicecoin.migration.journal import MigrationJournal
from servicecoin.migration.newtoken import AccountMigrated, migrated_accounts, migrate_data
from servicecoin.migration.plan import MigrationBatch, MigrationPlan


class MigrationMismatch(ChainError):
    """Some accounts of a batch are on the new token and others are not, or not as planned: the run stops."""

    exit_code = EXIT_FAILURE


@dataclass
class MigrationResult:
    key: str
    batches_total: int
    batches_confirmed: int
    batches_failed: int
    sent_this_run: int
    accounts: int
    points: int
    gas_used: int
    max_batch_gas: int
    complete: bool
    failures: list[str] = field(default_factory=list)


class MigrationRunner:
    def __init__(self, chain: Chain, plan: MigrationPlan, journal: MigrationJournal, key: str, sender,
                 receipt_timeout: float = 120, say=lambda message: None):
        self.chain, self.plan, self.journal, self.key, self.sender = chain, plan, journal, key, sender
        self.w3: Web3 = chain.w3
        self.receipt_timeout = receipt_timeout
        self.say = say
        self.sent = 0

    def run(self) -> MigrationResult:
        run_id = self.journal.start_run(self.key)
        outcome = "interrupted"
        try:
            self._reconcile()
            for batch in self.plan.batches:
                if self._records()[batch.index].status == PLANNED:
                    self._send(batch)
            result = self._result()
            outcome = "complete" if result.complete else "incomplete"
            if result.complete:
                self.journal.finish(self.key)
            return result
        finally:
            self.journal.end_run(run_id, outcome)

    def _records(self) -> dict:
        return {r.idx: r for r in self.journal.batches(self.key)}

    # ------------------------------------------------------------------ reconcile
    def _reconcile(self) -> None:
        """Bring every unfinished batch in line with the new token before anything is sent."""
        on_chain = migrated_accounts(self.chain, self.plan.new)
        latest_nonce = self.w3.eth.get_transaction_count(self.sender.address, "latest")
        for batch in self.plan.batches:
            rec = self._records()[batch.index]
            if rec.status == CONFIRMED:
                continue
            there = [a for a in batch.recipients if a.lower() in on_chain]
            if there:
                self._confirm_from_events(batch, [on_chain[a.lower()] for a in there])
                continue
            if rec.status == FAILED:
                self.journal.mark_planned(self.key, batch.index, note=f"retrying after: {rec.error}")
            elif rec.status == SENT:
                self._resume_sent(batch, rec, latest_nonce)
        self.chain.reset_nonce(self.sender.address)

    def _resume_sent(self, batch: MigrationBatch, rec, latest_nonce: int) -> None:
        """A batch journaled as sent whose accounts are not on the new token yet."""
        tx_hash = bytes.fromhex(rec.tx_hash[2:])
        receipt = self._receipt(tx_hash)
        if receipt is not None and receipt["status"] == 1:
            self._record(batch, receipt)  # mined after the events were read
        elif receipt is not None:
            self.journal.mark_planned(self.key, batch.index, note=f"tx {rec.tx_hash} reverted")
        elif self._known(tx_hash):
            self._wait(batch, tx_hash)  # still waiting to be mined
        elif rec.nonce == latest_nonce and rec.raw_tx:
            try:  # never broadcast, or dropped, and next in line: the same signed bytes
                self.w3.eth.send_raw_transaction(rec.raw_tx)
            except Web3RPCError as exc:
                self.journal.mark_planned(self.key, batch.index, note=f"rebroadcast refused: {exc}")
                return
            self._wait(batch, tx_hash)
        else:  # unknown to the node and not next in line: it can no longer run as it was signed
            self.journal.mark_planned(self.key, batch.index, note=f"tx {rec.tx_hash} dropped")

    def _confirm_from_events(self, batch: MigrationBatch, events: list[AccountMigrated]) -> None:
        if len(events) != len(batch.accounts):
            missing = [a for a in batch.recipients if a.lower() not in {e.account for e in events}]
            message = (f"batch {batch.index}: {len(events)} of its {len(batch.accounts)} accounts are on the new token "
                       f"already, {len(missing)} are not (first: {missing[0]}); the run stops — investigate")
            self.journal.mark_failed(self.key, batch.index, message)
            raise MigrationMismatch(message)
        receipt = self._receipt(bytes.fromhex(events[0].tx_hash[2:]))
        if receipt is None:
            raise ChainError(f"batch {batch.index}: receipt of {events[0].tx_hash} not found")
        self._record(batch, receipt)

    # ------------------------------------------------------------------ send and confirm
    def _send(self, batch: MigrationBatch) -> None:
        data = migrate_data(self.chain, self.plan.new, batch.packed)
        try:
            estimate = self.w3.eth.estimate_gas({"from": self.sender.address, "to": self.plan.new, "data": data})
        except (ContractCustomError, ContractLogicError) as exc:
            reason = revert_message(exc)
            self.journal.mark_failed(self.key, batch.index, f"would revert: {reason}")
            self.say(f"  batch {batch.index} not sent: {reason}")
            return
        tx_hash, raw = sign_and_journal(self.chain, self.chain.chain_id, self.sender, self.plan.new, data, estimate,
                                        self.journal, self.key, batch.index)
        _fault("before_send", batch.index)
        try:
            self.w3.eth.send_raw_transaction(raw)
        except Web3RPCError as exc:
            raise ChainError(f"batch {batch.index}: the node refused the transaction ({exc}); run again to resume") \
                from None
        self.sent += 1
        _fault("after_send", batch.index)
        self._wait(batch, tx_hash)
        _fault("after_confirm", batch.index)

    def _wait(self, batch: MigrationBatch, tx_hash: bytes) -> None:
        deadline = time.monotonic() + self.receipt_timeout
        while (receipt := self._receipt(tx_hash)) is None:
            if time.monotonic() > deadline:
                raise ChainError(f"batch {batch.index}: no receipt for 0x{tx_hash.hex()} in "
                                 f"{self.receipt_timeout:.0f}s; run again to resume")
            time.sleep(0.05)
        if receipt["status"] != 1:
            why = self.chain.why_reverted({"from": self.sender.address, "to": self.plan.new,
                                           "data": migrate_data(self.chain, self.plan.new, batch.packed)},
                                          receipt["blockNumber"])
            self.journal.mark_failed(self.key, batch.index, f"reverted in tx 0x{tx_hash.hex()}" + (f": {why}" if why else ""))
            return
        self._record(batch, receipt)

    def _record(self, batch: MigrationBatch, receipt: dict) -> None:
        """Journal the batch as confirmed once its receipt holds one AccountMigrated per planned account, in
        order, each with the planned pending points."""
        from servicecoin.migration.newtoken import events_in

        events = events_in(receipt, self.plan.new)
        planned = [(a.address.lower(), a.pending_total) for a in batch.accounts]
        if [(e.account, e.pending) for e in events] != planned:
            message = (f"batch {batch.index}: tx {receipt['transactionHash']} migrated {len(events)} account(s), not the "
                       f"{len(planned)} planned; the run stops — investigate")
            self.journal.mark_failed(self.key, batch.index, message)
            raise MigrationMismatch(message)
        self.journal.mark_confirmed(self.key, batch.index, receipt["transactionHash"], receipt["blockNumber"],
                                    receipt["gasUsed"], receipt["effectiveGasPrice"],
                                    [(Web3.to_checksum_address(e.account), e.balance) for e in events])
        self.say(f"  batch {batch.index}: {len(events)} account(s), gas {receipt['gasUsed']:,}")

    def _receipt(self, tx_hash: bytes) -> dict | None:
        return raw_receipt(self.w3, tx_hash)

    def _known(self, tx_hash: bytes) -> bool:
        return tx_known(self.w3, tx_hash)

    def _result(self) -> MigrationResult:
        records = self.journal.batches(self.key)
        confirmed = [r for r in records if r.status == CONFIRMED]
        failed = [r for r in records if r.status == FAILED]
        return MigrationResult(
            self.key, len(records), len(confirmed), len(failed), self.sent, sum(r.recipients for r in confirmed),
            sum(r.points for r in confirmed), sum(r.gas_used or 0 for r in confirmed),
            max((r.gas_used or 0 for r in confirmed), default=0), len(confirmed) == len(records),
            [f"batch {r.idx}: {r.error}" for r in failed])


def run_migration(chain: Chain, plan: MigrationPlan, journal: MigrationJournal, key: str, sender,
                  say=lambda message: None, receipt_timeout: float = 120) -> MigrationResult:
    """Send every batch of `plan` not yet on the new token; safe to call again after any interruption."""
    with journal.lock(plan.campaign.id):
        try:
            return MigrationRunner(chain, plan, journal, key, sender, receipt_timeout, say).run()
        except sqlite3.Error as exc:
            raise JournalError(f"{journal.path}: cannot write the migration journal ({exc}); fix it and run again: "
                               f"batches already migrated are recognised on chain") from None
