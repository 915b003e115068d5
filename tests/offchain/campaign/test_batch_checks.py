"""The runner confirms a batch only from its own BatchIssued event (issuer, recipient count, total):
a batch id squatted by another issuer does not mark a campaign paid, and a used id whose event does
not match the plan stops the run with an error naming the batch."""

import pytest

from servicecoin.campaign.journal import CONFIRMED, Journal
from servicecoin.campaign.plan import load_plan
from servicecoin.campaign.runner import run_campaign
from servicecoin.errors import ChainError
from servicecoin.roles import grant_issuer

from tests.offchain.campaign.campaignkit import people, purchases, write_campaign


def test_a_batch_id_squatted_by_another_issuer_does_not_mark_the_campaign_paid(tmp_path, chain, ctoken, journal):
    plan = load_plan(write_campaign(tmp_path, "squat", purchases("squat", 12), batch_size=5))
    attacker = chain.account("merchant")
    grant_issuer(chain, ctoken, attacker.address, 1)  # any budget at all, one point here
    [decoy] = people("decoy", 1)
    chain.transact(ctoken.functions.issueBatch(plan.batches[1].batch_id, [decoy], [1], int(plan.campaign.reason)),
                   attacker)
    result = run_campaign(chain, plan, journal, ctoken, progress=False)
    assert result.complete and result.sent_this_run == len(plan.batches)
    for alloc in plan.allocations:
        assert ctoken.functions.balanceOf(alloc.address).call() == alloc.points, alloc.address
    assert all(r.status == CONFIRMED for r in journal.batches(result.campaign_key))


def test_a_used_id_whose_event_does_not_match_stops_the_run(tmp_path, chain, ctoken, journal):
    plan = load_plan(write_campaign(tmp_path, "clash", purchases("clash", 12), batch_size=5))
    [decoy] = people("decoy", 1)
    operator = chain.account("operator")  # the issuer's own key used elsewhere with the same id
    chain.transact(ctoken.functions.issueBatch(plan.batches[1].batch_id, [decoy], [1], int(plan.campaign.reason)),
                   operator)
    with pytest.raises(ChainError) as caught:
        run_campaign(chain, plan, journal, ctoken, progress=False)
    message = str(caught.value)
    assert "batch 1" in message and plan.batches[1].hex_id in message
    expected, found = message.split("found")
    assert f"{len(plan.batches[1].recipients)} recipients" in expected and ", 1 recipients" in found
    statuses = {r.idx: r.status for r in journal.batches(Journal.key(plan.campaign.id, ctoken.address))}
    assert statuses[1] != CONFIRMED
