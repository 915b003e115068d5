"""`svc admin …`: budgets, tiers, transfer policy, pause, discount rate, notice period, roles by name."""

import pytest

from servicecoin.roles import role_id
from servicecoin.token import UNIT
from tests.offchain.admin.adminkit import ADMIN, SHOP_A, SHOP_B, assert_one_error_line


def test_budget_by_name_or_address(svc, contracts):
    token = contracts["RewardToken"]
    svc("merchant", "onboard", "shop-a", SHOP_A.address, "--budget", "10")
    svc("admin", "budget", "shop-a", "2500.50")
    assert token.functions.issuerBudget(SHOP_A.address).call()[0] == 250_050
    svc("admin", "budget", SHOP_B.address, "0")
    assert token.functions.issuerBudget(SHOP_B.address).call()[0] == 0


@pytest.mark.parametrize("points", ["1e3", "1,000", "1.001", "abc", "١٠", str(2**128)])
def test_budget_refuses_bad_points(svc, points):
    assert_one_error_line(svc("admin", "budget", SHOP_A.address, points, ok=False), "POINTS")


def test_tiers_from_arguments(svc_json, contracts):
    out = svc_json("admin", "tiers", "--tier", "Member:0:1x", "--tier", "Gold:500:1.5x", "--tier", "Star:2000.5:20000")
    assert contracts["RewardToken"].functions.tiers().call() == [[0, 500 * UNIT, 200_050], [10_000, 15_000, 20_000]]
    assert any("write Member, Gold, Star there too" in n for n in out["notes"])  # names live in servicecoin.yaml


def test_tiers_from_the_settings_file(svc, contracts, tmp_path):
    settings = tmp_path / "program.yaml"
    settings.write_text("token:\n  tiers:\n    - {name: Base, threshold: 0, multiplier_bps: 10000}\n"
                        "    - {name: Top, threshold: 100, multiplier_bps: 30000}\n"
                        "  tier_eligible: [purchase, feedback]\nbudgets: {operator: 1}\n")
    svc("admin", "tiers", "--from-config", settings)
    token = contracts["RewardToken"]
    assert token.functions.tiers().call() == [[0, 100 * UNIT], [10_000, 30_000]]
    assert token.functions.tierEligibleReasons().call() == 0b11


def test_tier_eligible_reasons_alone(svc, svc_json, contracts):
    before = contracts["RewardToken"].functions.tiers().call()
    out = svc_json("admin", "tiers", "--eligible", "survey,social")
    assert [c["function"] for c in out["calls"]] == ["setTierEligibleReasons"]
    assert contracts["RewardToken"].functions.tierEligibleReasons().call() == (1 << 2) | (1 << 4)
    assert contracts["RewardToken"].functions.tiers().call() == before
    assert_one_error_line(svc("admin", "tiers", "--eligible", "refund", ok=False), "never get the tier multiplier")
    assert_one_error_line(svc("admin", "tiers", "--eligible", "gift", ok=False), "unknown reason 'gift'")
    assert_one_error_line(svc("admin", "tiers", ok=False), "--tier")


@pytest.mark.parametrize("tiers, fragment", [
    (["Member:1:1x"], "must start at 0"),
    (["Member:0:1x", "Gold:0:2x"], "must start above"),
    (["Member:0:0.5x"], "outside"),
    (["Member:0:7x"], "outside"),
    (["Member:0:1x"] * 5, "1 to 4 tiers"),
    (["Member:0"], "NAME:THRESHOLD:MULTIPLIER"),
    (["Member:-1:1x"], "not a number of points"),
    (["Member:0:1.00001x"], "finer than a basis point"),
])
def test_tiers_refused_before_sending(svc, contracts, tiers, fragment):
    before = contracts["RewardToken"].functions.tiers().call()
    args = [a for t in tiers for a in ("--tier", t)]
    assert_one_error_line(svc("admin", "tiers", *args, ok=False), fragment)
    assert contracts["RewardToken"].functions.tiers().call() == before


def test_transfers_open_and_closed(svc, svc_json, contracts):
    token = contracts["RewardToken"]
    svc("admin", "transfers", "open")
    assert token.functions.transfersOpen().call()
    assert svc_json("admin", "transfers", "open")["sent"] == []  # already open: nothing sent
    svc("admin", "transfers", "closed")
    assert not token.functions.transfersOpen().call()


def test_pause_and_unpause_each_contract_or_all(svc, contracts):
    token, vault = contracts["RewardToken"], contracts["RedemptionVault"]
    svc("admin", "pause", "vault")
    assert vault.functions.paused().call() and not token.functions.paused().call()
    svc("admin", "pause")  # all: only the token is left to pause
    assert token.functions.paused().call()
    svc("admin", "unpause", "token")
    assert not token.functions.paused().call() and vault.functions.paused().call()
    svc("admin", "unpause", "all")
    assert not vault.functions.paused().call()
    assert_one_error_line(svc("admin", "pause", "log", ok=False), "has no pause")
    assert_one_error_line(svc("admin", "pause", "everything", ok=False), "unknown contract")


def test_pause_by_an_account_without_the_role_is_refused(svc, contracts):
    result = svc("admin", "pause", "token", "--from", "5", ok=False)
    assert_one_error_line(result, "nothing sent", "AccessControlUnauthorizedAccount")
    assert not contracts["RewardToken"].functions.paused().call()


def test_discount_rate_is_announced_after_the_notice_period(svc, contracts):
    vault = contracts["RedemptionVault"]
    svc("admin", "discount-rate", "150")
    rate, pending, at, *_ = vault.functions.discountTerms().call()
    assert pending == 150 * UNIT and at > 0
    assert_one_error_line(svc("admin", "discount-rate", "0", ok=False), "more than 0")


def test_notice_period_only_grows(svc, contracts):
    vault = contracts["RedemptionVault"]
    svc("admin", "notice-period", "10d")
    assert vault.functions.noticePeriod().call() == 10 * 86_400
    assert_one_error_line(svc("admin", "notice-period", "3d", ok=False), "can only grow")
    assert_one_error_line(svc("admin", "notice-period", "400d", ok=False), "at most 365 days")
    assert_one_error_line(svc("admin", "notice-period", "soon", ok=False), "not a duration")


def test_grant_and_revoke_by_role_name(svc, contracts):
    vault, log = contracts["RedemptionVault"], contracts["ServiceLog"]
    svc("admin", "grant", "merchant", SHOP_A.address)
    assert vault.functions.hasRole(role_id("MERCHANT_ROLE"), SHOP_A.address).call()
    svc("admin", "grant", "AGENT_ROLE", SHOP_A.address, "--contract", "log")
    assert log.functions.hasRole(role_id("AGENT_ROLE"), SHOP_A.address).call()
    svc("admin", "grant", "pauser", SHOP_A.address, "--contract", "vault")
    assert not contracts["RewardToken"].functions.hasRole(role_id("PAUSER_ROLE"), SHOP_A.address).call()
    svc("admin", "revoke", "merchant", SHOP_A.address)
    assert not vault.functions.hasRole(role_id("MERCHANT_ROLE"), SHOP_A.address).call()


@pytest.mark.parametrize("args, fragment", [
    (["grant", "owner", SHOP_A.address], "unknown role 'owner'"),
    (["grant", "merchant", SHOP_A.address, "--contract", "token"], "unknown role 'merchant' on RewardToken"),
    (["grant", "admin", SHOP_A.address], "two steps"),
    (["grant", "issuer", "nope"], "unknown merchant"),
    (["grant", "issuer", "0x12"], "is not an address"),
])
def test_role_refusals_are_one_line(svc, args, fragment):
    assert_one_error_line(svc("admin", *args, ok=False), fragment)


def test_roles_report_from_events_and_handover_state(svc, svc_json, chain, contracts):
    svc("admin", "grant", "issuer", SHOP_A.address)
    svc("admin", "grant", "issuer", SHOP_B.address)
    svc("admin", "revoke", "issuer", SHOP_A.address)
    chain.transact(contracts["RedemptionVault"].functions.beginDefaultAdminTransfer(SHOP_B.address), ADMIN)
    report = svc_json("admin", "roles")
    token = report["RewardToken"]
    assert SHOP_B.address in token["roles"]["ISSUER_ROLE"] and SHOP_A.address not in token["roles"]["ISSUER_ROLE"]
    assert token["roles"]["DEFAULT_ADMIN_ROLE"] == [ADMIN.address] and token["admin"]["admin"] == ADMIN.address
    assert token["roles"]["SPENDER_ROLE"] == [contracts["RedemptionVault"].address]
    assert report["RedemptionVault"]["admin"]["pending_admin"] == SHOP_B.address
    assert report["RedemptionVault"]["admin"]["handover"] in ("waiting", "acceptable")
    assert report["ServiceLog"]["admin"]["pending_admin"] is None
    assert report["RewardToken"]["names"][contracts["RedemptionVault"].address] == "RedemptionVault"
    human = svc("admin", "roles").output
    assert f"handover   to {SHOP_B.address}" in human and "(RedemptionVault)" in human


def test_settings_read_from_the_chain(svc, svc_json):
    svc("admin", "transfers", "open")
    s = svc_json("admin", "settings")
    assert s["transfers_open"] and s["paused"] == {"token": False, "vault": False}
    assert [t["name"] for t in s["tiers"]] == ["Member", "Silver", "Gold", "Platinum"]
    out = svc("admin", "settings").output
    assert "transfers  open" in out and "notice 7 days" in out


def test_discount_caps_windows_and_log_rewards(svc, svc_json, contracts):
    vault, log = contracts["RedemptionVault"], contracts["ServiceLog"]
    svc("admin", "discount-caps", "--per-order", "2500", "--per-day", "20000.50")
    assert tuple(vault.functions.discountTerms().call()[3:]) == (2_500 * UNIT, 2_000_050)
    svc("admin", "window", "refund", "30d")
    svc("admin", "window", "fulfilment", "36h")
    assert vault.functions.refundWindow().call() == 30 * 86_400
    assert vault.functions.fulfilmentWindow().call() == 36 * 3_600
    svc("admin", "log-rewards", "40", "0")
    assert tuple(log.functions.rewards().call()) == (40 * UNIT, 0)
    s = svc_json("admin", "settings")
    assert s["log_rewards"] == {"feedback": 40 * UNIT, "followup": 0} and s["refund_window_s"] == 30 * 86_400
    assert_one_error_line(svc("admin", "window", "refund", "forever", ok=False), "not a duration")
    assert_one_error_line(svc("admin", "discount-caps", "--per-order", "1e3", "--per-day", "1", ok=False), "PER_ORDER")


def test_roles_of_a_deployment_file_without_first_block(svc_json, deployments, record, chain, contracts):
    """Older deployment files lack first_block: the start is the token's creation block, found on the chain."""
    import json

    from servicecoin.admin.program import creation_block, events_start

    first = record()["first_block"]
    older = {k: v for k, v in record().items() if k != "first_block"}
    (deployments / "development.json").write_text(json.dumps(older))
    assert creation_block(chain, contracts["RewardToken"].address, chain.w3.eth.block_number) == first
    assert events_start(chain) == first
    report = svc_json("admin", "roles")
    assert report["RewardToken"]["roles"]["SPENDER_ROLE"] == [contracts["RedemptionVault"].address]


@pytest.mark.parametrize("old_state", ["pruned", "wrong"])
def test_creation_block_when_the_node_old_state_cannot_be_trusted(chain, contracts, record, monkeypatch, old_state):
    """A pruned node raises on old state; anvil after a revert may answer with today's code. Either way the
    creation block is the block of the contract's first log (its constructor's role grant)."""
    from servicecoin.admin.program import creation_block

    def get_code(address, block_identifier=None):
        if old_state == "pruned":
            raise ValueError("missing trie node")
        return b"\x60\x80"

    monkeypatch.setattr(chain.w3.eth, "get_code", get_code)
    assert creation_block(chain, contracts["RewardToken"].address, chain.w3.eth.block_number) == record()["first_block"]
