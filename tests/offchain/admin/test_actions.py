"""The plan machinery under every admin command: calls in words and in full, simulation before sending,
and a plan that fails half way says what was sent."""

import pytest

from servicecoin.admin.actions import Plan, check, send
from servicecoin.errors import ChainError
from servicecoin.roles import role_id
from tests.offchain.admin.adminkit import ADMIN, SHOP_A


def test_a_call_shows_contract_function_and_arguments(contracts):
    plan = Plan("t")
    call = plan.add(contracts["RewardToken"], "RewardToken", "grantRole", role_id("ISSUER_ROLE"), SHOP_A.address,
                    description="let shop-a credit points")
    assert call.signature() == f"RewardToken.grantRole(role=ISSUER_ROLE, account={SHOP_A.address})"
    assert call.to_json()["args"] == {"role": "0x" + role_id("ISSUER_ROLE").hex(), "account": SHOP_A.address}
    assert call.to_json()["data"].startswith("0x2f2ff15d")  # grantRole(bytes32,address)


def test_check_names_the_call_that_would_be_refused_and_sends_nothing(chain, contracts):
    token = contracts["RewardToken"]
    plan = Plan("t")
    plan.add(token, "RewardToken", "setTransfersOpen", True, description="open")
    plan.add(token, "RewardToken", "setIssuerBudget", SHOP_A.address, 2**130, description="too much")
    with pytest.raises(ChainError, match=r"nothing sent: call 2 of 2, RewardToken.setIssuerBudget.*AmountTooLarge"):
        check(chain, plan, ADMIN.address)
    assert not token.functions.transfersOpen().call()


def test_a_plan_failing_half_way_says_what_was_sent(chain, contracts):
    token = contracts["RewardToken"]
    plan = Plan("t")
    plan.add(token, "RewardToken", "pause", description="pause")
    plan.add(token, "RewardToken", "pause", description="pause again")  # each passes the check alone
    check(chain, plan, ADMIN.address)
    with pytest.raises(ChainError, match=r"call 2 of 2 \(RewardToken.pause\).*EnforcedPause.*; call 1 was sent"):
        send(chain, plan, ADMIN)
    assert token.functions.paused().call()


def test_a_bound_function_joins_a_plan_as_it_is(contracts):
    """Another module's bare contract call (e.g. a recovery's start call) joins a plan unchanged."""
    token = contracts["RewardToken"]
    plan = Plan("t")
    call = plan.add_call(token.functions.setIssuerBudget(SHOP_A.address, 5), "RewardToken", description="budget")
    assert (call.function, call.args, call.to) == ("setIssuerBudget", {"issuer": SHOP_A.address, "allowance": 5},
                                                   token.address)
    assert call.data == token.functions.setIssuerBudget(SHOP_A.address, 5)._encode_transaction_data()
