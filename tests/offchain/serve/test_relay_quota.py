"""The per-customer daily relay quota (serve.quota): what the relayer spends on one customer per UTC day is
bounded in gas and in ETH, kept in a file so a restart does not reset it, and answered 429 with Retry-After."""

from __future__ import annotations

from http import HTTPStatus

import pytest

from servicecoin.chain import dev_account
from servicecoin.errors import ConfigError
from servicecoin.relay import redeem as relay_redeem
from servicecoin.serve import ServeSettings, Site
from servicecoin.serve.answers import failure
from servicecoin.serve.quota import CustomerQuota, QuotaExceeded, day_of, seconds_to_midnight
from tests.offchain.serve.relaykit import OTHER, relayer_state, signed


def quota_site(site, chain, path, **quota) -> Site:
    s = Site(site.record, chain.network, _chain=chain, settings=ServeSettings(customer_quota=CustomerQuota(**quota)))
    s.guard.quota_path = path
    return s


def test_a_customer_over_the_daily_gas_quota_is_refused_429_and_a_restart_does_not_reset_it(env, tmp_path):
    site, chain, _, vault, gift = env
    path = tmp_path / "quota.sqlite"
    first = quota_site(site, chain, path, gas=10_000_000)
    answer = relay_redeem(first, signed(chain, vault, gift, nonce=21))
    customer = answer["customer"]
    gas, wei = first.guard.quota.spent(customer)
    receipt = chain.w3.eth.get_transaction_receipt(answer["tx"])
    assert gas == receipt["gasUsed"] and wei == receipt["gasUsed"] * receipt["effectiveGasPrice"] > 0
    restarted = quota_site(site, chain, path, gas=gas * 3 // 2)  # room for half a redemption more: not a whole one
    before = relayer_state(chain)
    with pytest.raises(QuotaExceeded) as exc:
        relay_redeem(restarted, signed(chain, vault, gift, nonce=22))
    assert exc.value.status == HTTPStatus.TOO_MANY_REQUESTS and "today's quota" in str(exc.value)
    assert 0 < exc.value.retry_after <= 86_400
    assert relayer_state(chain) == before  # refused before anything was sent
    answer = failure(exc.value, "/api/redeem", restarted)
    assert answer.status_code == 429 and answer.headers["retry-after"] == str(exc.value.retry_after)
    assert b"quota" in answer.body and b"Traceback" not in answer.body
    other = signed(chain, vault, gift, signer=dev_account(OTHER), nonce=23)  # another customer has a quota of their own
    assert relay_redeem(restarted, other)["customer"] == dev_account(OTHER).address


def test_the_eth_quota_counts_what_the_transactions_cost(env, tmp_path):
    site, chain, _, vault, gift = env
    capped = quota_site(site, chain, tmp_path / "q.sqlite", wei=1)  # less than any transaction costs
    before = relayer_state(chain)
    with pytest.raises(QuotaExceeded, match="ETH a day"):
        relay_redeem(capped, signed(chain, vault, gift, nonce=31))
    assert relayer_state(chain) == before


def test_quota_settings_and_the_day_boundary():
    q = ServeSettings.from_config({"relay_quota_per_customer": {"gas": 500_000, "eth": 0.01}}).customer_quota
    assert q == CustomerQuota(500_000, 10**16)
    assert ServeSettings.from_config({"relay_quota_per_customer": False}).customer_quota is None
    assert ServeSettings.from_config({}).customer_quota == ServeSettings().customer_quota == CustomerQuota(2_000_000, 2 * 10**16)
    for bad in ({"gas": 0}, {"eth": -1}, {"eth": "lots"}, {"wei": 5}, {}, 7, None):
        with pytest.raises(ConfigError, match="relay_quota_per_customer"):
            ServeSettings.from_config({"relay_quota_per_customer": bad})
    assert day_of(86_399) == "1970-01-01" and day_of(86_400) == "1970-01-02"
    assert seconds_to_midnight(86_400 - 10) == 10 and seconds_to_midnight(86_400) == 86_400
