"""`svc admin handover begin|accept|cancel`: the admin role moves in two steps, after the delay."""

from brownie import chain as brownie_chain

from tests.offchain.admin.adminkit import ADMIN, SHOP_A, assert_one_error_line


def test_handover_to_a_new_admin_after_the_delay(svc, svc_json, contracts):
    svc("admin", "handover", "begin", SHOP_A.address)
    assert all(c.functions.pendingDefaultAdmin().call()[0] == SHOP_A.address for c in contracts.values())
    early = svc("admin", "handover", "accept", "--from", "6", ok=False)
    assert_one_error_line(early, "nothing sent", "AccessControlEnforcedDefaultAdminDelay")
    brownie_chain.sleep(contracts["RewardToken"].functions.defaultAdminDelay().call() + 1)
    brownie_chain.mine()
    assert svc_json("admin", "roles")["RewardToken"]["admin"]["handover"] == "acceptable"
    assert_one_error_line(svc("admin", "handover", "accept", ok=False), "AccessControlInvalidDefaultAdmin")
    accepted = svc_json("admin", "handover", "accept", "--from", "6")
    assert all(c.functions.defaultAdmin().call() == SHOP_A.address for c in contracts.values())
    # separate roles the old admin keeps (svc deploy grants it PAUSER_ROLE and RECOVERY_ROLE): said
    assert any("keeps PAUSER_ROLE, RECOVERY_ROLE on RewardToken" in n for n in accepted["notes"]), accepted["notes"]
    assert_one_error_line(svc("admin", "transfers", "open", ok=False), "AccessControlUnauthorizedAccount")
    svc("admin", "revoke", "pauser", ADMIN.address, "--from", "6")
    assert_one_error_line(svc("admin", "pause", ok=False), "AccessControlUnauthorizedAccount")


def test_cancel_a_handover_of_one_contract(svc, contracts):
    svc("admin", "handover", "begin", SHOP_A.address, "--contract", "vault")
    assert contracts["RedemptionVault"].functions.pendingDefaultAdmin().call()[0] == SHOP_A.address
    assert contracts["RewardToken"].functions.pendingDefaultAdmin().call()[1] == 0
    svc("admin", "handover", "cancel")
    assert contracts["RedemptionVault"].functions.pendingDefaultAdmin().call()[1] == 0
    assert contracts["RedemptionVault"].functions.defaultAdmin().call() == ADMIN.address
    assert_one_error_line(svc("admin", "handover", "accept", "--from", "6", ok=False), "no handover is scheduled")
    assert_one_error_line(svc("admin", "handover", "begin", "0x" + "00" * 20, ok=False), "renounce")
