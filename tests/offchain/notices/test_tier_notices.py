"""Tier at risk is feature-detected: sent only when the deployed token's ABI has the rolling-tier views
(`tierProgress`, `nextTierReview`, docs/token-spec: issue 14). The token deployed here has none, so no notice
and no error; a token object with the views (the rolling-tier token is another branch's) gets the notice for a
customer whose review is near and who still needs points, and none for the others."""

from __future__ import annotations

from types import SimpleNamespace

from servicecoin.notices.causes import has_rolling_tiers, tier_notices
from tests.offchain.notices.noticekit import A, B, build_world

DAY = 86_400
NOW = 1_800_000_000
WANT = {A.address.lower(): ("tier",), B.address.lower(): ("tier",), "0x" + "33" * 20: ("expiry",)}


def test_the_deployed_token_without_rolling_tiers_gives_no_tier_notice(data):
    token = build_world().contract("RewardToken")
    assert not has_rolling_tiers(token)
    assert tier_notices(token, 30 * DAY, WANT, NOW) == []


class RollingToken:
    """The two views of the agreed interface, answering from a table (address → (tier, toKeep, toNext, review))."""

    abi = [{"type": "function", "name": "tierProgress"}, {"type": "function", "name": "nextTierReview"}]

    def __init__(self, table):
        self.table = {k.lower(): v for k, v in table.items()}
        self.functions = SimpleNamespace(
            tierProgress=lambda a: SimpleNamespace(call=lambda: self.table[a.lower()][:3]),
            nextTierReview=lambda a: SimpleNamespace(call=lambda: self.table[a.lower()][3]))


def test_a_rolling_tier_token_gets_one_notice_per_review_and_tier():
    token = RollingToken({A.address: (2, 1_250, 9_000, NOW + 10 * DAY),   # Gold, 12.50 points short, review in 10 days
                          B.address: (1, 0, 5_000, NOW + 10 * DAY)})      # safe: nothing to keep
    [notice] = tier_notices(token, 30 * DAY, WANT, NOW, ["Member", "Silver", "Gold", "Platinum"])
    assert notice.cause == f"tier:{A.address.lower()}:{NOW + 10 * DAY}:2"
    assert notice.values == {"tier": "Gold", "points": "12.50", "date": "2027-01-25"}
    far = RollingToken({A.address: (2, 1_250, 9_000, NOW + 60 * DAY), B.address: (0, 0, 100, NOW + DAY)})
    assert tier_notices(far, 30 * DAY, WANT, NOW) == []  # review too far off; the first tier cannot be lost
