"""What the statement says ahead (issue 14): pending credits "pending until DATE" (JSON: raw units, plain
decimals, UTC ISO-8601) and, with rolling tiers, "earn X more points by DATE to keep Silver"."""

from servicecoin.reports.outlook import pending_view, tier_outlook
from servicecoin.reports.text import outlook_lines
from servicecoin.statement import ChainView, statement

from tests.offchain.index.replaykit import A, PENDING_PURCHASES, Chain, db, mint  # noqa: F401  (db: a fixture)

NAMES = ["Member", "Silver", "Gold"]
REVIEW = 1_798_761_600  # 2027-01-01T00:00:00Z


def test_a_tier_to_keep_says_how_many_points_by_when():
    o = tier_outlook(1, 12_050, 30_000, REVIEW, NAMES)
    assert o["text"] == "earn 120.50 more points by 2027-01-01 to keep Silver"
    assert o["next_text"] == "earn 300 more points to reach Gold"
    assert (o["review"], o["to_keep_points"]) == ("2027-01-01T00:00:00Z", "120.50")


def test_a_safe_tier_says_it_is_kept_and_lifetime_tiers_have_no_outlook():
    assert tier_outlook(2, 0, 0, REVIEW, NAMES)["text"] == "Gold is kept at the review on 2027-01-01"
    assert tier_outlook(1, 500, 100, 0, NAMES) is None  # lifetime mode: no review


def test_pending_credits_are_listed_with_their_release_date_and_not_in_the_balance(db):
    c = Chain(db)
    c.tx(1, PENDING_PURCHASES)
    c.tx(10, *mint(A, 1_250))
    view = pending_view(db, A, 20)
    assert view["points"] == "12.50" and view["credits"][0]["release"] == "1970-01-01T00:01:00Z"
    assert view["credits"][0]["text"] == "12.50 points pending until 1970-01-01"
    s = statement(db, A, now=20, on_chain=ChainView(0, 1, 0, 20, (1, 5_000, 0, REVIEW)), tier_names=NAMES)
    assert s["balance"] == 0 and s["pending"]["amount"] == 1_250
    assert s["tier_outlook"]["text"] == "earn 50 more points by 2027-01-01 to keep Silver"
    lines = outlook_lines(s)
    assert "  keep tier    earn 50 more points by 2027-01-01 to keep Silver" in lines
    assert any("pending until 1970-01-01" in line for line in lines)
