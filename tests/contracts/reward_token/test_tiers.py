"""Tiers: lifetime earned, thresholds, multipliers, eligible reasons."""

from tests.tokenkit import NOREF, REASON, batch_id, plain, reverts_with


def set_tiers(token, admin):
    token.setTiers([0, 1_000, 5_000], [10_000, 11_000, 15_000], {"from": admin})


def test_default_tier_table_is_one_base_tier(token):
    assert plain(token.tiers()) == [[0], [10_000]]


def test_set_tiers_emits_and_reads_back(token, admin):
    tx = token.setTiers([0, 1_000, 5_000], [10_000, 11_000, 15_000], {"from": admin})
    assert plain(tx.events["TiersSet"]["thresholds"]) == [0, 1_000, 5_000]
    assert plain(token.tiers()) == [[0, 1_000, 5_000], [10_000, 11_000, 15_000]]


def test_tier_follows_lifetime_not_balance(token, admin, issuer, alice, merchant):
    set_tiers(token, admin)
    token.issue(alice, 1_000, REASON["feedback"], NOREF, {"from": issuer})
    assert token.tierOf(alice) == 1
    token.transfer(merchant, 1_000, {"from": alice})
    assert token.balanceOf(alice) == 0
    assert token.lifetimeEarned(alice) == 1_000
    assert token.tierOf(alice) == 1


def test_multiplier_applies_to_eligible_reason(token, admin, issuer, alice):
    set_tiers(token, admin)
    token.issue(alice, 5_000, REASON["feedback"], NOREF, {"from": issuer})
    tx = token.issue(alice, 100, REASON["purchase"], NOREF, {"from": issuer})
    assert tx.events["Issued"]["amount"] == 150 and tx.events["Issued"]["baseAmount"] == 100
    assert token.balanceOf(alice) == 5_150


def test_multiplier_skips_ineligible_reason(token, admin, issuer, alice):
    set_tiers(token, admin)
    token.issue(alice, 5_000, REASON["feedback"], NOREF, {"from": issuer})
    tx = token.issue(alice, 100, REASON["compensation"], NOREF, {"from": issuer})
    assert tx.events["Issued"]["amount"] == 100


def test_multiplier_uses_tier_before_the_credit(token, admin, issuer, alice):
    set_tiers(token, admin)
    tx = token.issue(alice, 2_000, REASON["purchase"], NOREF, {"from": issuer})
    assert tx.events["Issued"]["amount"] == 2_000
    assert token.tierOf(alice) == 1


def test_batch_applies_each_recipients_multiplier(token, admin, issuer, alice, bob):
    set_tiers(token, admin)
    token.issue(alice, 5_000, REASON["feedback"], NOREF, {"from": issuer})
    tx = token.issueBatch(batch_id("t"), [alice, bob], [100, 100], REASON["campaign"], {"from": issuer})
    assert tx.events["BatchIssued"]["total"] == 250
    assert token.balanceOf(bob) == 100


def test_refund_does_not_count_toward_lifetime(token, admin, issuer, alice):
    set_tiers(token, admin)
    token.issue(alice, 900, REASON["refund"], NOREF, {"from": issuer})
    assert token.lifetimeEarned(alice) == 0
    assert token.tierOf(alice) == 0


def test_set_eligible_reasons(token, admin, issuer, alice):
    set_tiers(token, admin)
    tx = token.setTierEligibleReasons(1 << REASON["feedback"], {"from": admin})
    assert tx.events["TierEligibleReasonsSet"]["mask"] == 2
    token.issue(alice, 5_000, REASON["purchase"], NOREF, {"from": issuer})
    assert token.issue(alice, 100, REASON["purchase"], NOREF, {"from": issuer}).events["Issued"]["amount"] == 100
    assert token.issue(alice, 100, REASON["feedback"], NOREF, {"from": issuer}).events["Issued"]["amount"] == 150


def test_refund_can_never_be_eligible(token, admin):
    with reverts_with("InvalidReason"):
        token.setTierEligibleReasons(1 << REASON["refund"], {"from": admin})


def test_invalid_tier_tables_revert(token, admin):
    bad = [
        ([], []),
        ([1], [10_000]),  # first threshold not 0
        ([0, 5, 5], [10_000, 10_000, 10_000]),  # not ascending
        ([0, 1], [10_000, 9_999]),  # below 1x
        ([0, 1], [10_000, 65_536]),  # too large
        ([0, 1, 2, 3, 4], [10_000] * 5),  # too many
        ([0, 2**48], [10_000, 10_000]),  # threshold too large
    ]
    for thresholds, multipliers in bad:
        with reverts_with("InvalidTiers"):
            token.setTiers(thresholds, multipliers, {"from": admin})
    with reverts_with("LengthMismatch"):
        token.setTiers([0], [10_000, 10_000], {"from": admin})


def test_tier_admin_only(token, stranger):
    with reverts_with("AccessControlUnauthorizedAccount"):
        token.setTiers([0], [10_000], {"from": stranger})
    with reverts_with("AccessControlUnauthorizedAccount"):
        token.setTierEligibleReasons(0, {"from": stranger})
