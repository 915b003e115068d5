"""Send a campaign plan: exactly once, resumable, with a progress bar.

Every batch goes planned → sent → confirmed (or failed) in the journal, each step committed
before the next action: the signed transaction's hash and nonce are journaled *before* it is
broadcast. A rerun (after SIGKILL, a node restart, an RPC error, a dropped transaction, or with
the journal lost) first reconciles each unfinished batch with the chain: `batchIssuedAt(issuer,
batchId)` says whether this issuer used the id, and the `BatchIssued` event of that block gives its
receipt. The token refuses an id its issuer used, so nothing can be paid twice whatever the journal
says. A batch counts as paid only when its event matches the plan (issuer, recipient count, total,
and each credit's recipient and amount); a mismatch stops the run with `BatchMismatch`.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import sys
import time
from dataclasses import dataclass, field

from eth_utils import keccak
from tqdm import tqdm
from web3 import Web3
from web3.exceptions import (
    ContractCustomError, ContractLogicError, ProviderConnectionError, TimeExhausted, TransactionNotFound, Web3RPCError,
)

from servicecoin.campaign.definition import TX_GAS_CAP
from servicecoin.campaign.journal import CONFIRMED, FAILED, PLANNED, SENT, Journal, JournalError
from servicecoin.campaign.plan import Batch, Plan, issue_batch_data, size_for_run
from servicecoin.campaign.preflight import check_chain_rules, resolve_token
from servicecoin.chain import Chain, revert_message
from servicecoin.errors import EXIT_BAD_INPUT, EXIT_FAILURE, ChainError, ConfigError, NodeUnreachable, \
    ServiceCoinError
from servicecoin.roles import role_id
from servicecoin.token import fmt

TRANSFER_TOPIC = keccak(text="Transfer(address,address,uint256)")
BATCH_ISSUED_TOPIC = keccak(text="BatchIssued(bytes32,address,uint8,uint256,uint256)")
ZERO_TOPIC = b"\0" * 32
# Connection-level failures: the node is down or restarting; the run waits and reconciles.
TRANSIENT = (OSError, ProviderConnectionError, TimeExhausted)
FAULT_ENV = "SVC_CAMPAIGN_FAULT"  # fault injection for the crash tests: "<point>:<batch index>[:stop]"


def _receipt_of(raw: dict | None) -> dict | None:
    """A JSON-RPC receipt (hex strings) as plain ints and strings; logs stay raw."""
    if raw is None:
        return None
    return {
        "transactionHash": raw["transactionHash"], "status": int(raw["status"], 16),
        "blockNumber": int(raw["blockNumber"], 16), "blockHash": raw["blockHash"], "gasUsed": int(raw["gasUsed"], 16),
        "effectiveGasPrice": int(raw.get("effectiveGasPrice") or "0x0", 16), "logs": raw["logs"],
    }


def raw_receipt(w3: Web3, tx_hash: bytes, error: type[Exception] = ChainError) -> dict | None:
    """The receipt straight from JSON-RPC (web3's formatters cost ~0.3 s for 500 logs); None before it is
    mined; `error` when the node answers with an error."""
    answer = w3.provider.make_request("eth_getTransactionReceipt", ["0x" + tx_hash.hex()])
    if answer.get("error"):
        raise error(f"eth_getTransactionReceipt: {answer['error']}")
    return _receipt_of(answer.get("result"))


def tx_known(w3: Web3, tx_hash: bytes) -> bool:
    """Whether the node knows the transaction (mined or waiting)."""
    try:
        w3.eth.get_transaction(tx_hash)
        return True
    except TransactionNotFound:
        return False


def sign_and_journal(chain: Chain, chain_id: int, signer, to: str, data: str, estimate: int, journal: Journal, key: str,
                     index: int) -> tuple[bytes, bytes]:
    """Sign batch `index`'s transaction (gas: the estimate + 10% + 30,000, at most TX_GAS_CAP; the next nonce)
    and journal it as sent — hash, nonce and signed bytes — before anyone broadcasts it. Returns (hash, bytes)."""
    tx = {"to": to, "data": data, "value": 0, "chainId": chain_id,
          "gas": min(int(estimate * 1.1) + 30_000, TX_GAS_CAP), "nonce": chain.next_nonce(signer.address),
          **chain.fee_fields()}
    signed = signer.sign_transaction(tx)
    tx_hash, raw = bytes(signed.hash), bytes(signed.raw_transaction)
    journal.mark_sent(key, index, "0x" + tx_hash.hex(), tx["nonce"], raw)
    return tx_hash, raw


class BatchMismatch(ChainError):
    """A batch id this issuer used on chain does not hold the planned batch: the run stops."""

    exit_code = EXIT_FAILURE  # not a refusal: the chain accepted another transaction under the id


class InvalidInput(ServiceCoinError):
    """The input has bad rows and the run was not told --skip-invalid."""

    exit_code = EXIT_BAD_INPUT


class _Retry(Exception):
    """Something changed under the run (receipt vanished, tx dropped): reconcile and go on."""


def _fault(point: str, index: int) -> None:
    """Kill this process with SIGKILL at a named point, when SVC_CAMPAIGN_FAULT asks for it (tests);
    with a ":stop" suffix, stop it with SIGSTOP instead (the test resumes it with SIGCONT)."""
    spec = os.environ.get(FAULT_ENV)
    if spec and spec.removesuffix(":stop") == f"{point}:{index}":
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGSTOP if spec.endswith(":stop") else signal.SIGKILL)


BAR_COLUMNS = 80  # the progress line never gets wider than this (nor than the terminal)


def progress_bar(campaign_id: str, total: int, done: int, disable: bool) -> tqdm:
    """One line on stderr, at most 80 columns: campaign, percent, bar, confirmed recipients, batches,
    elapsed and time left. It starts at what earlier runs confirmed (their pace is not this run's)."""
    width = min(BAR_COLUMNS, shutil.get_terminal_size((BAR_COLUMNS, 24)).columns) - 1  # no wrap at the edge
    name = campaign_id if len(campaign_id) <= 16 else campaign_id[:15] + "…"
    return tqdm(total=total, initial=done, desc=name, disable=disable, file=sys.stderr, ncols=width,
                smoothing=0.1, bar_format="{desc} {percentage:3.0f}%|{bar}| {n:,}/{total:,} paid{postfix} {elapsed}<{remaining}")


# ---------------------------------------------------------------------------------------- run
@dataclass
class RunResult:
    campaign_key: str
    batches_total: int
    batches_confirmed: int
    batches_failed: int
    sent_this_run: int
    recipients: int
    minted: int
    gas_used: int
    cost_wei: int
    duration: float
    complete: bool
    failures: list[str] = field(default_factory=list)


@dataclass
class _InFlight:
    batch: Batch
    tx_hash: bytes


class Runner:
    def __init__(self, chain: Chain, plan: Plan, token, journal: Journal, *, progress: bool = True,
                 max_in_flight: int = 4, receipt_timeout: float = 120, rpc_patience: float = 120):
        self.chain, self.plan, self.token, self.journal = chain, plan, token, journal
        self.w3: Web3 = chain.w3
        self.issuer = chain.account("operator")
        self.confirmations = plan.campaign.confirmations
        self.max_in_flight = max(1, max_in_flight)
        self.receipt_timeout = receipt_timeout
        self.rpc_patience = rpc_patience
        self.show_progress = progress
        self.chain_id = chain.chain_id
        self.key = ""
        self.sent = 0
        self.bar = None

    # ------------------------------------------------------------------ main loop
    def run(self) -> RunResult:
        started = time.monotonic()
        self.key = self.journal.open_campaign(self.plan, self.token.address, self.chain_id, self.chain.network.id)
        run_id = self.journal.start_run(self.key)
        outcome = "interrupted"
        total = sum(len(b.recipients) for b in self.plan.batches)
        self.bar = progress_bar(self.plan.campaign.id, total, self._confirmed_recipients(), not self.show_progress)
        try:
            last_progress = time.monotonic()
            while True:
                try:
                    self._reconcile()
                    self._refresh_bar()
                    self._send_all()
                    if self._verify():
                        break
                    last_progress = time.monotonic()
                except (_Retry, Web3RPCError, *TRANSIENT) as exc:  # a JSON-RPC error object is node trouble too
                    if time.monotonic() - last_progress > self.rpc_patience:
                        raise NodeUnreachable(f"network {self.chain.network.id}: no progress for "
                                              f"{self.rpc_patience:.0f}s: {str(exc)[:200]}") from None
                    self.bar.write(f"  node trouble ({type(exc).__name__}: {str(exc)[:120]}); reconciling and resuming")
                    time.sleep(1)
                    self.chain.reset_nonce(self.issuer.address)
            result = self._result(started)
            outcome = "complete" if result.complete else "incomplete"
            if result.complete:
                self.journal.finish(self.key)
            return result
        finally:
            self.bar.close()
            self.journal.end_run(run_id, outcome)

    def _records(self) -> dict[int, object]:
        return {r.idx: r for r in self.journal.batches(self.key)}

    def _confirmed_recipients(self) -> int:
        return sum(r.recipients for r in self._records().values() if r.status == CONFIRMED)

    def _refresh_bar(self) -> None:
        """The bar counts recipients of confirmed batches only (the journal says which), never sent ones."""
        records = self._records()
        done = sum(r.recipients for r in records.values() if r.status == CONFIRMED)
        confirmed = sum(1 for r in records.values() if r.status == CONFIRMED)
        self.bar.set_postfix_str(f"batch {confirmed}/{len(records)}", refresh=False)
        if done > self.bar.n:
            self.bar.update(done - self.bar.n)  # through update, so the rate and time left stay right
        else:
            self.bar.n = done  # a batch requeued (reorg, node reset) goes back
            self.bar.refresh()

    # ------------------------------------------------------------------ reconcile
    def _reconcile(self) -> None:
        """Bring every unfinished batch in line with the chain before sending anything."""
        self.in_flight: list[_InFlight] = []
        records = self._records()
        latest_nonce = self.w3.eth.get_transaction_count(self.issuer.address, "latest")
        for batch in self.plan.batches:
            rec = records[batch.index]
            if rec.status == CONFIRMED:
                continue
            used_at = self._used_at(batch.batch_id)
            if used_at:
                self._confirm_from_chain(batch, used_at, rec.tx_hash)
                continue
            if rec.status == FAILED:
                self.journal.mark_planned(self.key, batch.index, note=f"retrying after: {rec.error}")
            elif rec.status == SENT:
                tx_hash = bytes.fromhex(rec.tx_hash[2:])
                receipt = self._receipt(tx_hash)
                if receipt is not None:  # mined but reverted (used_at is 0)
                    self.journal.mark_planned(self.key, batch.index, note=f"tx {rec.tx_hash} reverted")
                elif self._known(tx_hash):
                    self.in_flight.append(_InFlight(batch, tx_hash))
                elif rec.nonce is not None and rec.nonce == latest_nonce and rec.raw_tx:
                    # Never broadcast, or dropped, and next in line: the signed tx is still valid. With a
                    # higher nonce it would wait behind a gap (a restarted node lost earlier blocks):
                    # re-sign it instead; the batch id keeps it paid once either way.
                    try:
                        self.w3.eth.send_raw_transaction(rec.raw_tx)
                        self.in_flight.append(_InFlight(batch, tx_hash))
                    except Web3RPCError as exc:
                        self.journal.mark_planned(self.key, batch.index, note=f"rebroadcast refused: {exc}")
                else:
                    self.journal.mark_planned(self.key, batch.index, note=f"tx {rec.tx_hash} dropped")
        self.chain.reset_nonce(self.issuer.address)

    def _used_at(self, batch_id: bytes) -> int:
        """The block in which this run's issuer used `batch_id`, or 0."""
        return self.token.functions.batchIssuedAt(self.issuer.address, batch_id).call()

    def _receipt(self, tx_hash: bytes) -> dict | None:
        return raw_receipt(self.w3, tx_hash, _Retry)

    def _known(self, tx_hash: bytes) -> bool:
        return tx_known(self.w3, tx_hash)

    def _confirm_from_chain(self, batch: Batch, used_at: int, tx_hex: str | None) -> None:
        """The batch is paid on chain: find its receipt (the journal's tx, or the BatchIssued log)."""
        receipt = self._receipt(bytes.fromhex(tx_hex[2:])) if tx_hex else None
        if receipt is None or receipt["status"] != 1 or receipt["blockNumber"] != used_at:
            issuer_topic = "0x" + bytes(12).hex() + self.issuer.address[2:].lower()
            logs = self.w3.eth.get_logs({"address": self.token.address, "fromBlock": used_at, "toBlock": used_at,
                                         "topics": ["0x" + BATCH_ISSUED_TOPIC.hex(), "0x" + batch.batch_id.hex(),
                                                    issuer_topic]})
            if not logs:
                raise _Retry(f"batch {batch.index} used at block {used_at} but its BatchIssued log is missing")
            receipt = self._receipt(bytes(logs[0]["transactionHash"]))
        self._record_receipt(batch, receipt)

    # ------------------------------------------------------------------ send and confirm
    def _send_all(self) -> None:
        records = self._records()
        for batch in self.plan.batches:
            if records[batch.index].status != PLANNED or any(f.batch.index == batch.index for f in self.in_flight):
                continue
            while len(self.in_flight) >= self.max_in_flight:
                self._confirm(self.in_flight.pop(0))
            self._send(batch)
        while self.in_flight:
            self._confirm(self.in_flight.pop(0))

    def _send(self, batch: Batch) -> None:
        data = issue_batch_data(batch)
        try:
            estimate = self.w3.eth.estimate_gas({"from": self.issuer.address, "to": self.token.address, "data": data})
        except (ContractCustomError, ContractLogicError) as exc:
            reason = revert_message(exc)
            if reason.startswith("BatchAlreadyUsed"):
                raise _Retry(f"batch {batch.index} was issued meanwhile")
            self.journal.mark_failed(self.key, batch.index, f"would revert: {reason}")
            self.bar.write(f"  batch {batch.index} not sent: {reason}")
            return
        tx_hash, raw = sign_and_journal(self.chain, self.chain_id, self.issuer, self.token.address, data, estimate,
                                        self.journal, self.key, batch.index)
        _fault("before_send", batch.index)
        try:
            self.w3.eth.send_raw_transaction(raw)
        except Web3RPCError as exc:  # nonce too low/high, underpriced, already known…: reconcile
            raise _Retry(f"batch {batch.index}: node refused the transaction: {exc}") from None
        self.sent += 1
        _fault("after_send", batch.index)
        self.in_flight.append(_InFlight(batch, tx_hash))

    def _confirm(self, flight: _InFlight) -> None:
        batch = flight.batch
        deadline = time.monotonic() + self.receipt_timeout
        while (receipt := self._receipt(flight.tx_hash)) is None:
            if time.monotonic() > deadline:
                raise _Retry(f"batch {batch.index}: no receipt for 0x{flight.tx_hash.hex()} in {self.receipt_timeout:.0f}s")
            time.sleep(0.05)
        if self.confirmations > 1:
            target = receipt["blockNumber"] + self.confirmations - 1
            deadline = time.monotonic() + self.receipt_timeout
            while self.w3.eth.block_number < target:
                if time.monotonic() > deadline:
                    raise _Retry(f"batch {batch.index}: waiting for {self.confirmations} confirmations")
                time.sleep(0.5)
            again = self._receipt(flight.tx_hash)
            if again is None or again["blockHash"] != receipt["blockHash"]:
                raise _Retry(f"batch {batch.index}: its block was replaced (reorg)")
        if receipt["status"] != 1:
            used_at = self._used_at(batch.batch_id)
            if used_at:  # another transaction paid this batch (a concurrent or journal-less run)
                self._confirm_from_chain(batch, used_at, None)
            else:
                why = self.chain.why_reverted({"from": self.issuer.address, "to": self.token.address,
                                               "data": issue_batch_data(batch)},
                                              receipt["blockNumber"])
                self.journal.mark_failed(self.key, batch.index,
                                         f"reverted in tx 0x{flight.tx_hash.hex()}" + (f": {why}" if why else ""))
            return
        self._record_receipt(batch, receipt)
        _fault("after_confirm", batch.index)

    def _record_receipt(self, batch: Batch, receipt: dict) -> None:
        """Journal the batch as confirmed with what each recipient got (its mint Transfer), once its
        BatchIssued event matches the plan."""
        token = self.token.address.lower()
        transfer, zero = "0x" + TRANSFER_TOPIC.hex(), "0x" + ZERO_TOPIC.hex()
        credits = [
            (Web3.to_checksum_address("0x" + log["topics"][2][-40:]), int(log["data"], 16))
            for log in receipt["logs"]
            if log["address"].lower() == token and len(log["topics"]) == 3
            and log["topics"][0] == transfer and log["topics"][1] == zero
        ]
        self._check_batch(batch, receipt, credits)
        self.journal.mark_confirmed(self.key, batch.index, receipt["transactionHash"], receipt["blockNumber"],
                                    receipt["gasUsed"], receipt["effectiveGasPrice"], credits)
        self._refresh_bar()

    def _check_batch(self, batch: Batch, receipt: dict, credits: list[tuple[str, int]]) -> None:
        """The receipt's BatchIssued event must be this batch's: our issuer, the planned recipient count
        and total (at least the total when tier multipliers apply), and each credit to the planned
        recipient. Otherwise the id was used for something else: journal it as failed and stop."""
        token, topic = self.token.address.lower(), "0x" + BATCH_ISSUED_TOPIC.hex()
        events = [log for log in receipt["logs"] if log["address"].lower() == token and len(log["topics"]) == 4
                  and log["topics"][0] == topic and bytes.fromhex(log["topics"][1][2:]) == batch.batch_id]
        found = None
        if len(events) == 1:
            data = bytes.fromhex(events[0]["data"][2:])
            found = (Web3.to_checksum_address("0x" + events[0]["topics"][2][-40:]),
                     int.from_bytes(data[:32], "big"), int.from_bytes(data[32:64], "big"))
        tiers = self.plan.campaign.tier_multipliers
        matches = (
            found is not None and found[0] == self.issuer.address and found[1] == len(batch.recipients)
            and (found[2] >= batch.total if tiers else found[2] == batch.total)
            and [a for a, _ in credits] == [Web3.to_checksum_address(a) for a in batch.recipients] and sum(m for _, m in credits) == found[2]
            and all(m >= p if tiers else m == p for (_, m), p in zip(credits, batch.amounts))
        )
        if matches:
            return
        expected = (f"issuer {self.issuer.address}, {len(batch.recipients)} recipients, total "
                    f"{'at least ' if tiers else ''}{fmt(batch.total)}")
        seen = (f"issuer {found[0]}, {found[1]} recipients, total {fmt(found[2])}" if found
                else f"{len(events)} BatchIssued events for the id")
        if found and found[:2] == (self.issuer.address, len(batch.recipients)):
            seen += " (credits to other recipients or amounts)"
        message = (f"batch {batch.index} ({batch.hex_id}) was used in tx {receipt['transactionHash']} (block "
                   f"{receipt['blockNumber']}) but does not match the plan: expected {expected}; found {seen}. "
                   f"Another transaction of this issuer used the id: the run stops; investigate before resuming")
        self.journal.mark_failed(self.key, batch.index, message)
        raise BatchMismatch(message)

    def _verify(self) -> bool:
        """Every confirmed batch is still on chain (a node reset or reorg may drop blocks); requeue the rest."""
        done = True
        for rec in self.journal.batches(self.key):
            if rec.status == CONFIRMED:
                if not self._used_at(bytes.fromhex(rec.batch_id[2:])):
                    self.journal.mark_planned(self.key, rec.idx, note=f"block {rec.block} no longer on chain")
                    done = False
            elif rec.status in (PLANNED, SENT):
                done = False
        return done

    def _result(self, started: float) -> RunResult:
        records = self.journal.batches(self.key)
        confirmed = [r for r in records if r.status == CONFIRMED]
        failed = [r for r in records if r.status == FAILED]
        return RunResult(
            self.key, len(records), len(confirmed), len(failed), self.sent,
            sum(r.recipients for r in confirmed), sum(r.minted or 0 for r in confirmed),
            sum(r.gas_used or 0 for r in confirmed), sum((r.gas_used or 0) * (r.gas_price or 0) for r in confirmed),
            time.monotonic() - started, len(confirmed) == len(records),
            [f"batch {r.idx}: {r.error}" for r in failed],
        )


def run_campaign(chain: Chain, plan: Plan, journal: Journal, token=None, *, skip_invalid: bool = False,
                 progress: bool = True, max_in_flight: int = 4, receipt_timeout: float = 120,
                 rpc_patience: float = 120) -> RunResult:
    """Send every batch of `plan` not yet paid; safe to call again after any interruption."""
    if plan.skipped and not skip_invalid:
        shown = "\n  ".join(str(b) for b in plan.skipped[:20])
        more = f"\n  … and {len(plan.skipped) - 20} more" if len(plan.skipped) > 20 else ""
        raise InvalidInput(f"{len(plan.skipped)} bad row(s); fix them or run with --skip-invalid:\n  {shown}{more}")
    if plan.total > plan.campaign.budget:
        raise ConfigError(f"{plan.campaign.where('budget')}: planned {fmt(plan.total)} points exceed the budget of "
                          f"{fmt(plan.campaign.budget)}")
    if not plan.batches:
        raise ConfigError(f"{plan.campaign.path}: nothing to send (no valid rows)")
    token = token if token is not None else resolve_token(chain, plan.campaign.token)
    check_chain_rules(chain, token, plan)
    issuer = chain.account("operator").address
    if not token.functions.hasRole(role_id("ISSUER_ROLE"), issuer).call():
        raise ChainError(f"{issuer} lacks ISSUER_ROLE on {token.address}")
    with journal.lock(plan.campaign.id):
        recorded = [r.batch_id for r in journal.batches(journal.key(plan.campaign.id, token.address))]
        plan = size_for_run(chain.w3, token, issuer, plan, recorded)
        runner = Runner(chain, plan, token, journal, progress=progress, max_in_flight=max_in_flight,
                        receipt_timeout=receipt_timeout, rpc_patience=rpc_patience)
        try:
            return runner.run()
        except sqlite3.Error as exc:  # a full disk or a broken file: nothing is paid twice on a rerun
            raise JournalError(f"{journal.path}: cannot write the campaign journal ({exc}); fix it and run "
                               f"again: batches already paid are recognised on chain") from None


__all__ = ["BatchMismatch", "InvalidInput", "JournalError", "RunResult", "run_campaign"]
