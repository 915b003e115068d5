"""Tier migration per period (analytics): the rolling rules across period boundaries — upgrade at once,
hold for a period, soft landing one level a boundary, straight down without it — and the counts of
customers who moved up, down, stayed or arrived."""

from servicecoin.reports.tier_migration import held_by_period, tier_migration

from tests.offchain.index.replaykit import Chain, db, mint  # noqa: F401  (db: a fixture)

LENGTH = 100


def test_rolling_with_a_soft_landing_goes_down_one_level_a_boundary():
    assert held_by_period({0: 3}, 0, 4, rolling=True, soft=True) == {0: 3, 1: 3, 2: 2, 3: 1, 4: 0}


def test_rolling_without_a_soft_landing_goes_straight_to_the_earned_tier():
    assert held_by_period({0: 3, 2: 1}, 0, 3, rolling=True, soft=False) == {0: 3, 1: 3, 2: 1, 3: 1}


def test_requalifying_in_a_period_lifts_the_tier_at_once():
    assert held_by_period({0: 2, 2: 3}, 0, 2, rolling=True, soft=True) == {0: 2, 1: 2, 2: 3}


def test_lifetime_tiers_never_go_down():
    assert held_by_period({0: 1, 1: 1, 2: 2}, 0, 3, rolling=False, soft=False) == {0: 1, 1: 1, 2: 2, 3: 2}


def test_counts_per_period_from_the_index(db):
    c = Chain(db)
    c.tx(1, ("TiersSet", {"thresholds": [0, 100, 1_000], "multipliersBps": [10_000, 10_000, 10_000]}),
         ("TierPolicySet", {"mode": 1, "periodEpochs": 1, "softLanding": True}))
    gold, silver, late = "0x" + "a1" * 20, "0x" + "a2" * 20, "0x" + "a3" * 20
    c.tx(10, *mint(gold, 1_000))          # period 0: gold reaches tier 2
    c.tx(20, *mint(silver, 100, "0x" + "02" * 32))    # period 0: silver reaches tier 1
    c.tx(110, *mint(silver, 100, "0x" + "03" * 32))   # period 1: silver requalifies
    c.tx(210, *mint(late, 5, "0x" + "04" * 32))       # period 2: a new customer
    m = tier_migration(db, 250, ["Member", "Silver", "Gold"])
    assert m["mode"] == "rolling" and m["period_epochs"] == 1
    by = {r["period"]: r for r in m["periods"]}
    assert (by[0]["new"], by[1]["stayed"], by[1]["up"], by[1]["down"]) == (2, 2, 0, 0)
    # period 2: gold falls one level (soft landing), silver held its tier through period 1 and keeps it
    assert (by[2]["down"], by[2]["stayed"], by[2]["new"]) == (1, 1, 1)
    assert not by[2]["complete"] and by[1]["complete"]
    assert m["held_now"] == {"Member": 1, "Silver": 2, "Gold": 0}
