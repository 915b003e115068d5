"""Rolling tiers: qualification periods, immediate requalification, downgrades only at a period
boundary (soft landing or straight down), tiers of untouched accounts, the views, and lifetime mode."""

from brownie import chain

from tests.tokenkit import EPOCH, NOREF, REASON, batch_id, plain, reverts_with

PERIOD = 2  # epochs per qualification period in these tests
THRESHOLDS = [0, 100, 500, 1_000]
MULTIPLIERS = [10_000, 11_000, 12_500, 15_000]


def rolling(token, admin, soft=True, period=PERIOD):
    token.setTiers(THRESHOLDS, MULTIPLIERS, {"from": admin})
    return token.setTierPolicy(1, period, soft, {"from": admin})


def to_period(token, k, period=PERIOD):
    """Let time pass to one minute into qualification period `k`."""
    start = token.genesis() + k * period * EPOCH + 60
    if start > chain.time():
        chain.sleep(start - chain.time())
    chain.mine()
    assert token.currentEpoch() // period == k


def period_now(token, period=PERIOD):
    return token.currentEpoch() // period


def earn(token, issuer, who, amount, reason="feedback"):
    """A credit that counts toward qualification; feedback has no multiplier (not tier-eligible)."""
    return token.issue(who, amount, REASON[reason], NOREF, {"from": issuer})


def test_policy_defaults_settings_and_refusals(token, admin, stranger):
    assert plain(token.tierPolicy()) == [0, 12, False]
    tx = token.setTierPolicy(1, 3, True, {"from": admin})
    assert tx.events["TierPolicySet"] == {"mode": 1, "periodEpochs": 3, "softLanding": True}
    assert plain(token.tierPolicy()) == [1, 3, True]
    for mode, period in ((2, 3), (1, 0), (0, 256)):
        with reverts_with("InvalidTierPolicy"):
            token.setTierPolicy(mode, period, False, {"from": admin})
    with reverts_with("AccessControlUnauthorizedAccount"):
        token.setTierPolicy(1, 3, True, {"from": stranger})


def test_reaching_a_threshold_lifts_the_tier_at_once(token, admin, issuer, alice):
    rolling(token, admin)
    to_period(token, period_now(token) + 1)
    tx = earn(token, issuer, alice, 99)
    assert "TierChanged" not in tx.events and token.tierOf(alice) == 0
    tx = earn(token, issuer, alice, 1)
    assert tx.events["TierChanged"] == {"account": alice, "fromTier": 0, "toTier": 1}
    assert token.tierOf(alice) == 1
    tx = earn(token, issuer, alice, 900)
    assert tx.events["TierChanged"] == {"account": alice, "fromTier": 1, "toTier": 3}
    assert plain(token.qualifyingPoints(alice)) == [1_000, 0]


def test_multiplier_is_the_tier_held_at_the_credit(token, admin, issuer, alice):
    rolling(token, admin)
    tx = earn(token, issuer, alice, 500, "purchase")  # tier 0 before it: 1x
    assert tx.events["Issued"]["amount"] == 500 and token.tierOf(alice) == 2
    tx = earn(token, issuer, alice, 100, "purchase")  # tier 2: 1.25x
    assert tx.events["Issued"]["amount"] == 125


def test_soft_landing_goes_down_one_level_per_boundary_without_a_touch(token, admin, issuer, alice):
    rolling(token, admin, soft=True)
    p = period_now(token)
    earn(token, issuer, alice, 1_000)
    assert token.tierOf(alice) == 3
    to_period(token, p + 1)  # the last complete period reached tier 3: held
    assert token.tierOf(alice) == 3 and plain(token.qualifyingPoints(alice)) == [0, 1_000]
    to_period(token, p + 2)
    assert token.tierOf(alice) == 2 and plain(token.qualifyingPoints(alice)) == [0, 0]
    to_period(token, p + 3)
    assert token.tierOf(alice) == 1
    to_period(token, p + 5)
    assert token.tierOf(alice) == 0


def test_without_soft_landing_the_tier_drops_to_the_one_earned(token, admin, issuer, alice):
    rolling(token, admin, soft=False)
    p = period_now(token)
    earn(token, issuer, alice, 1_000)
    to_period(token, p + 1)
    earn(token, issuer, alice, 150)  # period p+1 reaches tier 1 only
    assert token.tierOf(alice) == 3  # still the better: last period's tier 3
    to_period(token, p + 2)
    assert token.tierOf(alice) == 1
    to_period(token, p + 3)
    assert token.tierOf(alice) == 0


def test_downgrade_only_at_a_boundary_and_requalification_within_the_period(token, admin, issuer, alice):
    rolling(token, admin, soft=True)
    p = period_now(token)
    earn(token, issuer, alice, 1_000)
    to_period(token, p + 2)
    assert token.tierOf(alice) == 2  # landed one level
    tx = earn(token, issuer, alice, 1_000)  # requalifies for the top tier at once
    assert token.tierOf(alice) == 3
    assert "TierChanged" not in tx.events  # the tier last reported was 3 already
    to_period(token, p + 3)
    assert token.tierOf(alice) == 3


def test_a_touch_after_a_drop_reports_it(token, admin, issuer, alice):
    rolling(token, admin, soft=False)
    p = period_now(token)
    earn(token, issuer, alice, 500)
    to_period(token, p + 2)
    assert token.tierOf(alice) == 0
    tx = earn(token, issuer, alice, 10)
    assert tx.events["TierChanged"] == {"account": alice, "fromTier": 2, "toTier": 0}


def test_refunds_count_neither_lifetime_nor_qualification(token, admin, issuer, alice):
    rolling(token, admin)
    earn(token, issuer, alice, 1_000, "refund")
    assert token.tierOf(alice) == 0 and plain(token.qualifyingPoints(alice)) == [0, 0]


def test_views_next_review_and_progress(token, admin, issuer, alice):
    rolling(token, admin, soft=True)
    p = period_now(token)
    assert token.nextTierReview(alice) == token.genesis() + (p + 1) * PERIOD * EPOCH
    assert plain(token.tierProgress(alice)) == [0, 0, 100]
    earn(token, issuer, alice, 600)
    assert plain(token.tierProgress(alice)) == [2, 0, 400]  # kept: 600 >= 500 this period
    to_period(token, p + 1)
    assert plain(token.tierProgress(alice)) == [2, 500, 1_000]  # held from last period; 500 more keeps it
    earn(token, issuer, alice, 200)
    assert plain(token.tierProgress(alice)) == [2, 300, 800]


def test_lifetime_mode_keeps_tiers_for_life_and_the_counters_run(token, admin, issuer, alice):
    token.setTiers(THRESHOLDS, MULTIPLIERS, {"from": admin})
    token.setTierPolicy(0, PERIOD, True, {"from": admin})
    p = period_now(token)
    earn(token, issuer, alice, 500)
    to_period(token, p + 4)
    assert token.tierOf(alice) == 2 and token.nextTierReview(alice) == 0
    assert plain(token.tierProgress(alice)) == [2, 0, 500]
    token.setTierPolicy(1, PERIOD, True, {"from": admin})  # switching judges the counters kept all along
    assert token.tierOf(alice) == 0


def test_recovery_moves_the_qualification(token, admin, issuer, alice, bob):
    rolling(token, admin, soft=True)
    token.setRecoveryDelay(0, {"from": admin})
    to_period(token, period_now(token) + 1)
    earn(token, issuer, alice, 600)
    earn(token, issuer, bob, 450)
    token.startRecovery(alice, bob, {"from": admin})
    tx = token.completeRecovery(alice, {"from": bob})
    assert plain(token.qualifyingPoints(bob)) == [1_050, 0]
    assert token.tierOf(bob) == 3 and token.tierOf(alice) == 0
    assert plain(tx.events["TierChanged"]) == [{"account": alice, "fromTier": 2, "toTier": 0},
                                               {"account": bob, "fromTier": 1, "toTier": 3}]
    assert plain(token.qualifyingPoints(alice)) == [0, 0]


def test_qualifying_points_saturate_on_every_credit_path(token, admin, issuer, alice, bob):
    """A first credit above the 27-bit qualifying counter saturates it (the batch fast path and the single
    `issue` path alike), and never spills into the last period's counter or the other fields."""
    rolling(token, admin)
    big = 1 << 30  # raw, far above MAX_QUALIFYING (2^27 - 1), well under a lot's 48 bits
    cap = token.MAX_QUALIFYING()
    token.issueBatch(batch_id("big"), [alice], [big], REASON["feedback"], {"from": issuer})
    earn(token, issuer, bob, big)
    for who in (alice, bob):
        assert plain(token.qualifyingPoints(who)) == [cap, 0]
        assert token.balanceOf(who) == big and token.lifetimeEarned(who) == big and token.tierOf(who) == 3
    earn(token, issuer, alice, 5)  # a repeat credit stays saturated
    assert plain(token.qualifyingPoints(alice)) == [cap, 0] and token.balanceOf(alice) == big + 5
