"""Tier at risk: sent only when the deployed token's ABI has the rolling-tier views (`tierProgress`,
`nextTierReview`) and the customer still needs points before a review that is near. First on the real token
(servicecoin.yaml tiers_mode: rolling) on brownie's anvil; then the rules on a table of answers, including a
token whose ABI lacks the views."""

from __future__ import annotations

from types import SimpleNamespace

from brownie import chain as brownie_chain
from web3 import Web3

from servicecoin.notices.causes import has_rolling_tiers, tier_notices
from servicecoin.token import UNIT, Reason, fmt
from tests.offchain.notices.noticekit import A, B, svc

DAY = 86_400
NOW = 1_800_000_000
WANT = {A.address.lower(): ("tier",), B.address.lower(): ("tier",), "0x" + "33" * 20: ("expiry",)}
NAMES = ["Member", "Silver", "Gold", "Platinum"]


def test_a_silver_customer_who_earned_nothing_this_period_is_warned_before_the_review(data):
    from servicecoin.chain import from_web3
    from brownie import web3

    assert svc("deploy").exit_code == 0
    chain = from_web3(Web3(Web3.HTTPProvider(web3.provider.endpoint_uri)), "development")
    token = chain.contract("RewardToken")
    assert has_rolling_tiers(token)
    chain.transact(token.functions.issue(A.address, 1_000 * UNIT, Reason.PURCHASE, Web3.keccak(text="t-1")), "operator")
    assert token.functions.tierOf(A.address).call() == 1  # Silver at once
    now = lambda: chain.w3.eth.get_block("latest")["timestamp"]  # noqa: E731
    assert tier_notices(token, 30 * DAY, WANT, now(), NAMES) == []  # this period's points keep Silver
    brownie_chain.sleep(token.functions.nextTierReview(A.address).call() - now() + 1)  # into the next period
    brownie_chain.mine()
    review = token.functions.nextTierReview(A.address).call()
    brownie_chain.sleep(review - now() - 40 * DAY)
    brownie_chain.mine()
    assert tier_notices(token, 30 * DAY, WANT, now(), NAMES) == []  # the review is 40 days off
    brownie_chain.sleep(20 * DAY)
    brownie_chain.mine()
    tier, to_keep, _ = token.functions.tierProgress(A.address).call()
    assert (tier, to_keep) == (1, 1_000 * UNIT)  # held from the last period; nothing earned in this one
    [notice] = tier_notices(token, 30 * DAY, WANT, now(), NAMES)
    assert notice.cause == f"tier:{A.address.lower()}:{review}:1"
    assert notice.values["tier"] == "Silver" and notice.values["points"] == fmt(to_keep)


def test_a_token_without_the_views_gives_no_tier_notice():
    older = SimpleNamespace(abi=[{"type": "function", "name": "tierOf"}])
    assert not has_rolling_tiers(older)
    assert tier_notices(older, 30 * DAY, WANT, NOW) == []


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
