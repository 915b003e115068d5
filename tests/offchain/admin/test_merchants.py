"""`svc merchant onboard|offboard|list` against the chain: every power given in one command, every power
taken away, and the list read from the chain."""

import pytest
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError

from servicecoin.chain import revert_message
from servicecoin.roles import role_id
from servicecoin.token import UNIT, Reason
from servicecoin.vault import get_item
from tests.offchain.admin.adminkit import ADMIN, CUSTOMER, OPERATOR, SHOP_A, SHOP_B, assert_one_error_line, held_roles

ISSUER, MERCHANT = role_id("ISSUER_ROLE"), role_id("MERCHANT_ROLE")


def _list_item(chain, vault, merchant):
    receipt = chain.transact(vault.functions.listItem(0, merchant.address, 100 * UNIT, 10, 0, "ipfs://gift", b"\1" * 32),
                             merchant)
    return vault.events.ItemListed().process_receipt(receipt)[0]["args"]["itemId"]


def test_onboard_gives_issuer_budget_acceptor_and_merchant_role(svc, contracts, record):
    svc("merchant", "onboard", "shop-a", SHOP_A.address, "--budget", "5000")
    token, vault = contracts["RewardToken"], contracts["RedemptionVault"]
    assert token.functions.hasRole(ISSUER, SHOP_A.address).call()
    assert token.functions.issuerBudget(SHOP_A.address).call() == [5_000 * UNIT, 0, 5_000 * UNIT]
    assert token.functions.isAcceptor(SHOP_A.address).call()
    assert vault.functions.hasRole(MERCHANT, SHOP_A.address).call()
    assert record()["merchants"]["shop-a"]["address"] == SHOP_A.address


def test_onboarded_merchant_can_issue_and_list_items(svc, chain, contracts):
    svc("merchant", "onboard", "shop-a", SHOP_A.address, "--budget", "50")
    token = contracts["RewardToken"]
    chain.transact(token.functions.issue(CUSTOMER.address, 50 * UNIT, Reason.PURCHASE, b"\0" * 32), SHOP_A)
    assert _list_item(chain, contracts["RedemptionVault"], SHOP_A) == 1
    refused = svc("issue", CUSTOMER.address, "1", "--reason", "purchase", "--ref", "r1", "--from", "6", ok=False)
    assert_one_error_line(refused, "OverBudget")


def test_onboarding_again_is_idempotent(svc_json):
    svc_json("merchant", "onboard", "shop-a", SHOP_A.address, "--budget", "5000")
    again = svc_json("merchant", "onboard", "shop-a", SHOP_A.address, "--budget", "5000")
    assert again["sent"] == [] and "nothing to send" in again["notes"][0]


def test_onboard_with_agent_grants_the_log_role(svc, contracts):
    svc("merchant", "onboard", "shop-a", SHOP_A.address, "--budget", "1", "--agent")
    assert "AGENT_ROLE" in held_roles(contracts, SHOP_A.address)["ServiceLog"]


@pytest.mark.parametrize("args, fragment", [
    (["Shop A", SHOP_A.address, "--budget", "1"], "merchant name 'Shop A'"),
    (["shop-a", "0x1234", "--budget", "1"], "is not an address"),
    (["shop-a", SHOP_A.address, "--budget", "1e3"], "is not a number of points"),
    (["shop-a", SHOP_A.address, "--budget", "-5"], "is not a number of points"),
    (["shop-a", SHOP_A.address, "--budget", "1.005"], "more than 2 decimals"),
    (["shop-a", "0x" + "00" * 20, "--budget", "1"], "zero address"),
    (["shop-a", ADMIN.address, "--budget", "1"], "is the program admin"),
])
def test_onboard_refuses_bad_input_in_one_line(svc, contracts, args, fragment):
    assert_one_error_line(svc("merchant", "onboard", *args, ok=False), fragment)
    assert not contracts["RewardToken"].functions.hasRole(ISSUER, SHOP_A.address).call()


def test_onboard_refuses_a_name_or_address_already_taken(svc):
    svc("merchant", "onboard", "shop-a", SHOP_A.address, "--budget", "1")
    assert_one_error_line(svc("merchant", "onboard", "shop-a", SHOP_B.address, "--budget", "1", ok=False),
                          "already", SHOP_A.address)
    assert_one_error_line(svc("merchant", "onboard", "shop-b", SHOP_A.address, "--budget", "1", ok=False),
                          "already merchant 'shop-a'")


def test_onboard_refuses_a_customer_holding_points_as_acceptor(svc, chain, contracts):
    chain.transact(contracts["RewardToken"].functions.issue(SHOP_A.address, 5 * UNIT, 0, b"\0" * 32), OPERATOR)
    assert_one_error_line(svc("merchant", "onboard", "shop-a", SHOP_A.address, "--budget", "1", ok=False),
                          "holds 5.00 points", "--no-acceptor")
    svc("merchant", "onboard", "shop-a", SHOP_A.address, "--budget", "1", "--no-acceptor")
    assert not contracts["RewardToken"].functions.isAcceptor(SHOP_A.address).call()


def _refusal(call, sender) -> str:
    """The decoded error `call` reverts with from `sender`, or "" when it would go through."""
    try:
        call.call({"from": sender})
    except (ContractCustomError, ContractLogicError) as exc:
        return revert_message(exc)
    return ""


def test_offboard_removes_every_power(svc, chain, contracts, record):
    token, vault, log = contracts["RewardToken"], contracts["RedemptionVault"], contracts["ServiceLog"]
    svc("merchant", "onboard", "shop-a", SHOP_A.address, "--budget", "5000", "--agent")
    svc("admin", "grant", "pauser", "shop-a")  # token and vault
    svc("admin", "grant", "spender", "shop-a")
    item = _list_item(chain, vault, SHOP_A)
    assert set(held_roles(contracts, SHOP_A.address)["RewardToken"]) == {"ISSUER_ROLE", "PAUSER_ROLE", "SPENDER_ROLE"}
    powers = [token.functions.issue(CUSTOMER.address, 1, 0, b"\0" * 32), token.functions.pause(),
              vault.functions.updateItem(item, 10, 0, True, "", b"\0" * 32), vault.functions.pause(),
              vault.functions.listItem(0, SHOP_A.address, 100, 1, 0, "", b"\0" * 32),
              log.functions.append((0, 0, 0, 77, CUSTOMER.address, b"\1" * 32))]
    assert [_refusal(p, SHOP_A.address) for p in powers] == [""] * len(powers)

    svc("merchant", "offboard", "shop-a")

    assert held_roles(contracts, SHOP_A.address) == {"RewardToken": [], "RedemptionVault": [], "ServiceLog": [], "Settlement": []}
    assert token.functions.issuerBudget(SHOP_A.address).call()[0] == 0
    assert not token.functions.isAcceptor(SHOP_A.address).call()
    assert vault.functions.item(item).call()[8] is False  # inactive
    kept = get_item(chain, item, vault)  # stock, tier and metadata as they were
    assert (kept.stock, kept.min_tier, kept.metadata_uri, kept.metadata_hash) == (10, 0, "ipfs://gift", "0x" + "01" * 32)
    assert "offboarded_block" in record()["merchants"]["shop-a"]
    refusals = [_refusal(p, SHOP_A.address) for p in powers]
    assert all(r.startswith(("AccessControlUnauthorizedAccount", "NotMerchant", "NotItemMerchant")) for r in refusals), \
        refusals
    # the admin deactivated its item: a merchant onboarded again cannot switch it back on
    svc("merchant", "onboard", "shop-a", SHOP_A.address, "--budget", "1")
    assert _refusal(powers[2], SHOP_A.address).startswith("DeactivatedByAdmin")


def test_offboard_of_an_acceptor_holding_points_needs_burn_points(svc, chain, contracts):
    token = contracts["RewardToken"]
    svc("merchant", "onboard", "shop-a", SHOP_A.address, "--budget", "100")
    chain.transact(token.functions.issue(SHOP_A.address, 12 * UNIT, 0, b"\0" * 32), OPERATOR)  # an acceptor's balance
    assert_one_error_line(svc("merchant", "offboard", "shop-a", ok=False), "holds 12.00 points", "--burn-points")
    assert token.functions.hasRole(ISSUER, SHOP_A.address).call()  # nothing was sent
    burned = token.functions.totalBurned().call()
    svc("merchant", "offboard", "shop-a", "--burn-points")
    assert token.functions.balanceOf(SHOP_A.address).call() == 0
    assert token.functions.totalBurned().call() == burned + 12 * UNIT


def test_offboard_items_to_moves_items_to_another_merchant(svc, chain, contracts):
    vault = contracts["RedemptionVault"]
    svc("merchant", "onboard", "shop-a", SHOP_A.address, "--budget", "1")
    svc("merchant", "onboard", "shop-b", SHOP_B.address, "--budget", "1")
    item = _list_item(chain, vault, SHOP_A)
    svc("merchant", "offboard", "shop-a", "--items-to", "shop-b")
    kind, merchant, *_, active = vault.functions.item(item).call()
    assert merchant == SHOP_B.address and active


def test_offboard_cancels_a_handover_of_the_admin_role_to_it(svc, chain, contracts):
    token = contracts["RewardToken"]
    svc("merchant", "onboard", "shop-a", SHOP_A.address, "--budget", "1")
    chain.transact(token.functions.beginDefaultAdminTransfer(SHOP_A.address), ADMIN)
    svc("merchant", "offboard", "shop-a")
    assert token.functions.pendingDefaultAdmin().call()[0] == "0x" + "00" * 20


def test_offboard_refuses_the_admin_and_unknown_names(svc):
    assert_one_error_line(svc("merchant", "offboard", ADMIN.address, ok=False), "default admin")
    assert_one_error_line(svc("merchant", "offboard", "nobody", ok=False), "unknown merchant 'nobody'")


def test_list_reads_powers_from_the_chain(svc, svc_json, contracts, chain):
    svc("merchant", "onboard", "shop-a", SHOP_A.address, "--budget", "5000")
    svc("merchant", "onboard", "shop-b", SHOP_B.address, "--budget", "10")
    # a role granted by hand, outside svc, shows too
    chain.transact(contracts["RedemptionVault"].functions.revokeRole(MERCHANT, SHOP_B.address), ADMIN)
    rows = {(r["name"] or r["address"]): r for r in svc_json("merchant", "list")}
    assert rows["shop-a"]["status"] == "active"
    assert rows["shop-a"]["roles"]["token"] == ["ISSUER_ROLE"] and rows["shop-a"]["roles"]["vault"] == ["MERCHANT_ROLE"]
    assert rows["shop-a"]["budget"]["allowance"] == 5_000 * UNIT and rows["shop-a"]["acceptor"]
    assert rows["shop-b"]["roles"]["vault"] == []
    # the deploy-time merchant key holds MERCHANT_ROLE without a name: listed from the role events
    deploy_merchant = Web3.to_checksum_address(chain.deployment()["accounts"]["merchant"])
    assert rows[deploy_merchant]["roles"]["vault"] == ["MERCHANT_ROLE"]
    svc("merchant", "offboard", "shop-a")
    rows = {(r["name"] or r["address"]): r for r in svc_json("merchant", "list")}
    assert rows["shop-a"]["status"] == "offboarded"
    human = svc("merchant", "list").output
    assert "shop-a" in human and "offboarded" in human
