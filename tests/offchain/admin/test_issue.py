"""`svc issue ADDRESS POINTS --reason … --ref …`: one credit for a till, with strict points and a reference
paid once."""

import pytest
from web3.logs import DISCARD

from servicecoin.admin.credit import credit_ref
from servicecoin.token import UNIT, Reason
from tests.offchain.admin.adminkit import CUSTOMER, CUSTOMER2, OPERATOR, assert_one_error_line


def test_issue_credits_with_reason_and_ref(svc_json, chain, contracts):
    token = contracts["RewardToken"]
    out = svc_json("issue", CUSTOMER.address, "12.50", "--reason", "referral", "--ref", "till-7/0001")
    receipt = chain.w3.eth.get_transaction_receipt(out["sent"][0]["tx"])
    ev = token.events.Issued().process_receipt(receipt, errors=DISCARD)[0]["args"]
    assert (ev["to"], ev["issuer"], ev["reason"], ev["baseAmount"]) == (CUSTOMER.address, OPERATOR.address,
                                                                        Reason.REFERRAL, 1_250)
    assert ev["ref"] == credit_ref("till-7/0001")
    assert token.functions.balanceOf(CUSTOMER.address).call() == ev["amount"]
    issued = [e for e in out["sent"][0]["events"] if e["event"] == "Issued"]  # what a till reads back
    assert issued[0]["args"]["amount"] == str(ev["amount"]) and issued[0]["args"]["ref"] == "0x" + ev["ref"].hex()


def test_a_repeated_ref_is_not_paid_twice(svc, svc_json, contracts):
    token = contracts["RewardToken"]
    svc("issue", CUSTOMER.address, "10", "--reason", "purchase", "--ref", "sale-1")
    balance = token.functions.balanceOf(CUSTOMER.address).call()
    retry = svc_json("issue", CUSTOMER.address, "10", "--reason", "purchase", "--ref", "sale-1")
    assert retry["sent"] == [] and "already paid" in retry["notes"][0]
    assert token.functions.balanceOf(CUSTOMER.address).call() == balance
    for other in (["issue", CUSTOMER2.address, "10", "--reason", "purchase", "--ref", "sale-1"],
                  ["issue", CUSTOMER.address, "11", "--reason", "purchase", "--ref", "sale-1"],
                  ["issue", CUSTOMER.address, "10", "--reason", "survey", "--ref", "sale-1"]):
        assert_one_error_line(svc(*other, ok=False), "--ref 'sale-1' was already used")
    assert token.functions.balanceOf(CUSTOMER.address).call() == balance
    svc("issue", CUSTOMER.address, "10", "--reason", "purchase", "--ref", "sale-2")
    assert token.functions.balanceOf(CUSTOMER.address).call() > balance


@pytest.mark.parametrize("address, points, reason, fragment", [
    (CUSTOMER.address, "10", "bribe", "unknown reason 'bribe'"),
    ("0x1234", "10", "purchase", "is not an address"),
    ("0x" + "00" * 20, "10", "purchase", "zero address"),
    (CUSTOMER.address, "0", "purchase", "more than 0"),
    (CUSTOMER.address, "0.00", "purchase", "more than 0"),
    (CUSTOMER.address, "1.234", "purchase", "more than 2 decimals"),
    (CUSTOMER.address, "1e3", "purchase", "not a number of points"),
    (CUSTOMER.address, "1_000", "purchase", "not a number of points"),
    (CUSTOMER.address, "١٠", "purchase", "not a number of points"),
    (CUSTOMER.address, " ", "purchase", "not a number of points"),
    (CUSTOMER.address, "3000000000000", "purchase", "more than one credit can hold"),
])
def test_bad_input_is_one_line_and_pays_nothing(svc, contracts, address, points, reason, fragment):
    supply = contracts["RewardToken"].functions.totalIssued().call()
    assert_one_error_line(svc("issue", address, points, "--reason", reason, "--ref", "x", ok=False), fragment)
    assert contracts["RewardToken"].functions.totalIssued().call() == supply


def test_over_budget_and_paused_are_chain_refusals(svc, contracts):
    result = svc("issue", CUSTOMER.address, "10", "--reason", "purchase", "--ref", "r", "--from", "7", ok=False)
    assert_one_error_line(result, "nothing sent", "AccessControlUnauthorizedAccount")
    svc("admin", "pause", "token")
    assert_one_error_line(svc("issue", CUSTOMER.address, "10", "--reason", "purchase", "--ref", "r", ok=False),
                          "EnforcedPause")


def test_issue_unsigned_writes_the_credit_for_the_issuer(svc, tmp_path, contracts):
    out = tmp_path / "credit.json"
    svc("issue", CUSTOMER.address, "5", "--reason", "compensation", "--ref", "ticket-9", "--unsigned", out)
    assert contracts["RewardToken"].functions.balanceOf(CUSTOMER.address).call() == 0
    assert out.exists() and out.with_name("credit.safe.json").exists()
    assert UNIT == 100
