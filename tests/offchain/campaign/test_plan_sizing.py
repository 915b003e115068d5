"""Batches sized by the node's gas estimates, under the EIP-7825 cap, and cut the same way on every
resume (journal or not). The chain tests use the production token (validity 12, 30-day epochs) and
customers holding lots from the two previous epochs, whose credit opens a third lot in a fresh storage word:
about 42k gas a credit, where the flat model plans 29k, so 500 of them need ~21M gas in one transaction.
(Dormant customers, whose lots all expired, used to be that case; the token now drops an expired ring in one
step, under the flat model.)"""

import pytest
from brownie import chain as brownie_chain

from servicecoin.campaign.definition import TX_GAS_CAP
from servicecoin.campaign.journal import Journal
from servicecoin.campaign.plan import (
    GAS_HEADROOM, MAX_SPLITS, Batch, issue_batch_data, load_plan, recut, size_for_run, size_plan,
)
from servicecoin.campaign.runner import run_campaign
from servicecoin.token import Reason

from tests.offchain.campaign.campaignkit import people, purchases, write_campaign

EPOCH = 30 * 86_400
VALIDITY = 12
FRESH_WORD = 500


def gas_model(per_recipient):
    """A fake `fits`: a batch costs 50k fixed plus `per_recipient[address]`."""
    calls = []

    def fits(batch):
        calls.append(batch.batch_id)
        return 50_000 + sum(per_recipient[a] for a in batch.recipients) <= TX_GAS_CAP * GAS_HEADROOM
    fits.calls = calls
    return fits


def nothing_issued(ids):
    return set()


# ---------------------------------------------------------------------------------------- offline
def test_cheap_recipients_keep_the_count_cut(tmp_path):
    plan = load_plan(write_campaign(tmp_path, "cheap", purchases("cheap", 1200)))
    sized = size_plan(plan, gas_model({a.address: 27_000 for a in plan.allocations}), nothing_issued)
    assert [len(b.recipients) for b in sized.batches] == [500, 500, 200]
    assert sized.plan_hash == plan.plan_hash


def test_expensive_recipients_are_cut_in_halves_until_each_fits(tmp_path):
    plan = load_plan(write_campaign(tmp_path, "dear", purchases("dear", 600)))
    cost = {a.address: 51_000 if i < 500 else 27_000 for i, a in enumerate(plan.allocations)}
    sized = size_plan(plan, gas_model(cost), nothing_issued)
    assert [len(b.recipients) for b in sized.batches] == [250, 250, 100]
    assert [b.index for b in sized.batches] == [0, 1, 2]
    assert all(50_000 + sum(cost[a] for a in b.recipients) <= TX_GAS_CAP * GAS_HEADROOM for b in sized.batches)
    assert [a for b in sized.batches for a in b.recipients] == [a.address for a in plan.allocations]


def test_a_piece_never_gets_smaller_than_max_splits_allow(tmp_path):
    plan = load_plan(write_campaign(tmp_path, "huge", purchases("huge", 40)))
    sized = size_plan(plan, lambda batch: False, nothing_issued)
    assert [len(b.recipients) for b in sized.batches] == [5] * 2**MAX_SPLITS


def test_the_journal_cut_is_reused_without_asking_the_node(tmp_path):
    plan = load_plan(write_campaign(tmp_path, "rec", purchases("rec", 600)))
    cost = {a.address: 51_000 for a in plan.allocations}
    first = size_plan(plan, gas_model(cost), nothing_issued)

    def never(batch):
        raise AssertionError("a recorded cut must not be re-estimated")
    again = size_plan(plan, never, nothing_issued, [b.hex_id for b in first.batches])
    assert again.plan_hash == first.plan_hash
    assert recut(plan, [b.hex_id for b in first.batches]).plan_hash == first.plan_hash


def test_an_issued_piece_forces_the_same_cut_without_a_journal(tmp_path):
    """The first run cut a base batch in halves and paid the first half; the journal is lost and the
    node now says the whole batch would fit. The resume still cuts it, so the paid half stays paid
    once and only the other half goes out."""
    plan = load_plan(write_campaign(tmp_path, "half", purchases("half", 400)))
    first = size_plan(plan, gas_model({a.address: 51_000 for a in plan.allocations}), nothing_issued)
    assert len(first.batches) == 2
    paid = first.batches[0].batch_id
    resumed = size_plan(plan, lambda batch: True, lambda ids: {paid} & set(ids))
    assert resumed.plan_hash == first.plan_hash


# ---------------------------------------------------------------------------------------- on chain
def advance(epochs):
    brownie_chain.sleep(epochs * EPOCH)
    brownie_chain.mine()


def make_fresh_word(chain, ctoken, addresses):
    """Give every address a lot in each of the two previous epochs: their next credit opens a third lot, which
    the token keeps in a second storage word."""
    assert ctoken.functions.validityEpochs().call() == VALIDITY
    for epoch in range(2):
        for start in range(0, len(addresses), 250):
            chunk = addresses[start:start + 250]
            batch = Batch(0, bytes.fromhex(f"{epoch:04x}{start:08x}".ljust(64, "d")), chunk, [100] * len(chunk))
            tx = {"from": chain.account("operator").address, "to": ctoken.address,
                  "data": issue_batch_data(batch, Reason.COMPENSATION)}
            chain.w3.eth.wait_for_transaction_receipt(chain.w3.eth.send_transaction(tx))
        advance(1)
    assert all(len(ctoken.functions.lotsOf(a).call()) == 2 for a in addresses[:3])


@pytest.fixture
def fresh_word(tmp_path, chain, ctoken):
    """A campaign to FRESH_WORD customers whose credit opens a lot in a fresh storage word, and its plan."""
    rows = purchases("freshword", FRESH_WORD)
    make_fresh_word(chain, ctoken, people("freshword", FRESH_WORD))
    return load_plan(write_campaign(tmp_path, "freshword", rows, batch_size=500))


def sent_gas(chain, journal, key):
    """(gas limit, gas used) of every batch transaction the journal confirmed, from the node."""
    out = []
    for r in journal.batches(key):
        tx = chain.w3.eth.get_transaction(r.tx_hash)
        receipt = chain.w3.eth.get_transaction_receipt(r.tx_hash)
        assert receipt["status"] == 1
        out.append((tx["gas"], receipt["gasUsed"], r.recipients))
    return out


def test_fresh_word_recipients_are_sent_in_batches_under_the_gas_cap(fresh_word, chain, ctoken, journal):
    plan = fresh_word
    assert len(plan.batches) == 1  # the flat 29k model puts all 500 in one transaction …
    issuer = chain.account("operator").address
    whole, half = plan.batches[0], Batch(0, b"\1" * 32, plan.batches[0].recipients[:250], plan.batches[0].amounts[:250])
    half_gas = chain.w3.eth.estimate_gas({"from": issuer, "to": ctoken.address,
                                         "data": issue_batch_data(half, plan.campaign.reason)})
    # … which needs more gas than any transaction may use (anvil's 30M block would still run it)
    assert half_gas * len(whole.recipients) / 250 > TX_GAS_CAP
    print(f"fresh-word credit: {half_gas / 250:,.0f} gas each (estimate of 250)")
    result = run_campaign(chain, plan, journal, ctoken, progress=False)
    assert result.complete and result.recipients == FRESH_WORD
    assert [r.recipients for r in journal.batches(result.campaign_key)] == [250] * 2  # 500 over the cap, 250 under
    for gas_limit, gas_used, recipients in sent_gas(chain, journal, result.campaign_key):
        assert gas_limit <= TX_GAS_CAP and gas_used <= TX_GAS_CAP * GAS_HEADROOM
        assert gas_used / recipients > 38_000  # really the fresh-word case (~42k a credit)
    assert all(len(ctoken.functions.lotsOf(a.address).call()) == 3 for a in plan.allocations)


def test_fresh_word_resume_without_journal_pays_each_batch_once(fresh_word, tmp_path, chain, ctoken, journal):
    """The first piece was paid, then the journal was lost: the resume sends only the rest."""
    plan = fresh_word
    issuer = chain.account("operator").address
    sized = size_for_run(chain.w3, ctoken, issuer, plan)
    assert len(sized.batches) >= 2
    first = sized.batches[0]
    tx = {"from": issuer, "to": ctoken.address, "data": issue_batch_data(first, plan.campaign.reason)}
    chain.w3.eth.wait_for_transaction_receipt(chain.w3.eth.send_transaction(tx))
    paid = {a: ctoken.functions.balanceOf(a).call() for a in first.recipients}
    result = run_campaign(chain, plan, Journal(tmp_path / "fresh.sqlite"), ctoken, progress=False)
    assert result.complete and result.sent_this_run == len(sized.batches) - 1
    assert {a: ctoken.functions.balanceOf(a).call() for a in first.recipients} == paid
    assert all(ctoken.functions.balanceOf(a.address).call() > 0 for a in plan.allocations)
