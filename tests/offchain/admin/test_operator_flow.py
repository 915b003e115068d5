"""The issue's "Done when", with `svc` alone: onboard two merchants, set budgets and tiers, pause and
unpause, recover a customer's lost wallet, offboard a merchant."""

from brownie import chain as brownie_chain

from servicecoin.roles import role_id
from servicecoin.token import UNIT
from tests.offchain.admin.adminkit import CUSTOMER, CUSTOMER2, SHOP_A, SHOP_B, assert_one_error_line, held_roles


def _gas(out: dict) -> int:
    return sum(s["gas_used"] for s in out["sent"])


def test_operator_runs_the_program_with_svc_alone(svc, svc_json, contracts):
    token, vault = contracts["RewardToken"], contracts["RedemptionVault"]
    gas = {}
    # two merchants, one command each
    gas["onboard"] = _gas(svc_json("merchant", "onboard", "shop-a", SHOP_A.address, "--budget", "5000"))
    svc_json("merchant", "onboard", "shop-b", SHOP_B.address, "--budget", "2000", "--agent")
    # budgets and tiers
    gas["budget"] = _gas(svc_json("admin", "budget", "shop-a", "8000"))
    gas["tiers"] = _gas(svc_json("admin", "tiers", "--tier", "Member:0:1x", "--tier", "Silver:100:1.5x"))
    assert token.functions.issuerBudget(SHOP_A.address).call()[0] == 8_000 * UNIT
    # the merchant's till credits a customer with its own key (test account 6)
    svc("issue", CUSTOMER.address, "100", "--reason", "purchase", "--ref", "a-0001", "--from", "6")
    svc("issue", CUSTOMER.address, "10", "--reason", "purchase", "--ref", "a-0002", "--from", "6")
    assert token.functions.balanceOf(CUSTOMER.address).call() == 100 * UNIT + 15 * UNIT  # Silver: 1.5x
    # pause everything, and nothing moves; unpause, and it moves again
    gas["pause"] = _gas(svc_json("admin", "pause", "all"))
    assert token.functions.paused().call() and vault.functions.paused().call()
    assert_one_error_line(svc("issue", CUSTOMER.address, "1", "--reason", "purchase", "--ref", "a-0003", "--from", "6",
                              ok=False), "EnforcedPause")
    gas["unpause"] = _gas(svc_json("admin", "unpause", "all"))
    svc("issue", CUSTOMER.address, "1", "--reason", "purchase", "--ref", "a-0003", "--from", "6")
    # the customer lost their wallet: its points, lots and tier move to the new one after the delay
    held = token.functions.balanceOf(CUSTOMER.address).call()
    gas["recovery_start"] = _gas(svc_json("recovery", "start", CUSTOMER.address, CUSTOMER2.address))
    brownie_chain.sleep(token.functions.recoveryDelay().call() + 1)
    brownie_chain.mine()
    gas["recovery_complete"] = _gas(svc_json("recovery", "complete", CUSTOMER.address))
    assert token.functions.balanceOf(CUSTOMER2.address).call() == held
    assert token.functions.tierOf(CUSTOMER2.address).call() == 1  # Silver moved with the lifetime earned
    # offboard one merchant: it keeps no power
    gas["offboard"] = _gas(svc_json("merchant", "offboard", "shop-b"))
    assert held_roles(contracts, SHOP_B.address) == {"RewardToken": [], "RedemptionVault": [], "ServiceLog": [], "Settlement": []}
    assert not token.functions.isAcceptor(SHOP_B.address).call()
    assert token.functions.issuerBudget(SHOP_B.address).call()[0] == 0
    assert vault.functions.hasRole(role_id("MERCHANT_ROLE"), SHOP_A.address).call()
    status = {m["name"]: m["status"] for m in svc_json("merchant", "list") if m["name"]}
    assert status == {"shop-a": "active", "shop-b": "offboarded"}
    print("gas per command (sum of receipts):", gas)
    assert all(g < 16_777_216 for g in gas.values())
