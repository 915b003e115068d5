"""Rolling tiers end to end (chain, index, statement, reminders): the statement's tier is the token's, its
outlook says what keeps the tier at the next review, `svc reminders --tiers` finds who must earn points,
and the analytics count the tier migration — on a token with rolling tiers of one-day periods."""

from servicecoin.reports.outlook import keep_reminders
from servicecoin.reports.tier_migration import tier_migration
from servicecoin.statement import chain_view, statement

from tests.offchain.reports.reportkit import NOREF, advance

NAMES = ["Member", "Silver"]


def rolling(token, admin):
    token.setTiers([0, 500], [10_000, 10_000], {"from": admin})
    token.setTierPolicy(1, 1, True, {"from": admin})  # rolling, one-epoch (one-day) periods, soft landing


def test_a_tier_reached_this_period_is_kept_at_the_next_review(token, admin, issuer, alice, db, indexer, svc_chain):
    rolling(token, admin)
    token.issue(alice, 600, 0, NOREF, {"from": issuer})
    indexer.run()
    s = statement(db, str(alice), on_chain=chain_view(svc_chain, db, str(alice)), tier_names=NAMES)
    assert s["tier"] == 1 and s["chain"]["matches"]
    assert s["tier_outlook"]["text"].startswith("Silver is kept at the review on ")
    assert s["next_tier"] is None  # rolling: no lifetime progress line


def test_a_quiet_period_asks_for_points_to_keep_the_tier(token, admin, issuer, alice, bob, db, indexer, svc_chain):
    rolling(token, admin)
    token.issue(alice, 600, 0, NOREF, {"from": issuer})
    token.issue(bob, 100, 0, NOREF, {"from": issuer})
    advance()  # a period without credits: at the next review Silver would be lost
    indexer.run()
    view = chain_view(svc_chain, db, str(alice))
    s = statement(db, str(alice), on_chain=view, tier_names=NAMES)
    outlook = s["tier_outlook"]
    assert s["tier"] == 1 and outlook["to_keep"] == 500
    assert outlook["text"] == f"earn 5 more points by {outlook['review'][:10]} to keep Silver"
    rows = keep_reminders(svc_chain, db, 2 * 86_400, view.now, NAMES)
    assert [r["address"] for r in rows] == [str(alice).lower()]
    m = tier_migration(db, view.now, NAMES)
    assert m["mode"] == "rolling" and m["periods"][0]["new"] == 2 and m["periods"][1]["stayed"] == 2
