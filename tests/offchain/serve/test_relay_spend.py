"""The relayer of `svc serve` cannot be drained (issue 12, "the relay must not be drained", hole 1):
a request whose deadline would pass before its block, one that would revert, one whose signature
check burns gas, and a customer whose relays keep failing cost the relayer nothing, or a bounded
amount, and never the same twice without end."""

from __future__ import annotations

from http import HTTPStatus

import pytest

from servicecoin import vault as sv
from servicecoin.chain import dev_account
from servicecoin.errors import ChainError, ServiceCoinError
from servicecoin.relay import redeem as relay_redeem
from servicecoin.serve import RequestError, Site
from servicecoin.token import UNIT, Reason
from tests.offchain.serve.relaykit import (CUSTOMER, NOREF, OTHER, PRICE, deploy_burner_wallet, now, relayer_state,
                                           signed)


def bump_time(chain, seconds: int) -> None:
    """The next block is mined `seconds` later (as a real chain moves on between check and block)."""
    chain.w3.provider.make_request("evm_increaseTime", [seconds])


def attempt(site, body):
    """Relay `body`; the refusal's (status, field), or 'relayed'."""
    try:
        relay_redeem(site, body)
    except RequestError as exc:
        return exc.status, exc.field
    except ServiceCoinError:  # the chain would revert (422)
        return 422, None
    return "relayed"


def test_six_requests_expiring_before_their_block_cost_the_relayer_nothing(env):
    site, chain, _, vault, gift = env
    before = relayer_state(chain)
    answers = []
    for _ in range(6):  # the customer signs for free, each time with a deadline one second past the latest block
        latest = chain.w3.eth.get_block("latest")["timestamp"]
        body = signed(chain, vault, gift, nonce=77, deadline=latest + 1)
        bump_time(chain, 2)
        answers.append(attempt(site, body))
    assert relayer_state(chain) == before, answers
    assert all(a in ((400, "deadline"), (409, "deadline")) for a in answers), answers


def test_deadline_inside_the_margin_is_a_400_naming_the_field(env):
    site, chain, _, vault, gift = env
    before = relayer_state(chain)
    body = signed(chain, vault, gift, deadline=now(chain) + 60)
    with pytest.raises(RequestError) as exc:
        relay_redeem(site, body)
    assert exc.value.status == HTTPStatus.BAD_REQUEST and exc.value.field == "deadline"
    assert "at least 120 s ahead" in str(exc.value)
    assert relayer_state(chain) == before


def test_the_margin_is_configurable(env, setup):
    from servicecoin.serve import ServeSettings

    site, chain, _, vault, gift = env
    strict = Site(site.record, chain.network, _chain=chain, settings=ServeSettings(deadline_margin=900))
    with pytest.raises(RequestError, match="at least 900 s ahead"):
        relay_redeem(strict, signed(chain, vault, gift))  # 600 s ahead
    assert relay_redeem(site, signed(chain, vault, gift))["status"] == "open"


def test_requests_that_would_revert_cost_nothing(env):
    """docs/web.md: "a request that would revert costs nothing". N bad requests: balance and nonce unchanged."""
    site, chain, token, vault, gift = env
    dear = sv.add_item(chain, sv.Kind.GIFT, 500 * UNIT, None, vault=vault)
    relay_redeem(site, signed(chain, vault, gift, nonce=5))
    before = relayer_state(chain)
    bad = [signed(chain, vault, gift, nonce=5),  # replayed: NonceUsed
           signed(chain, vault, dear, max_points=500 * UNIT),  # too few points
           signed(chain, vault, gift, quantity=3, max_points=3 * PRICE, nonce=6)]  # 2 left in stock
    for i in range(2):
        latest = chain.w3.eth.get_block("latest")["timestamp"]
        bad.append(signed(chain, vault, gift, nonce=100 + i, deadline=latest + 1 + i))  # expires before its block
    answers = []
    for body in bad:
        bump_time(chain, 2)
        answers.append(attempt(site, body))
    assert relayer_state(chain) == before, answers
    assert "relayed" not in answers


def test_relayed_transaction_gas_limit_is_capped(env):
    site, chain, _, vault, gift = env
    answer = relay_redeem(site, signed(chain, vault, gift))
    assert chain.w3.eth.get_transaction(answer["tx"])["gas"] <= site.settings.gas_cap("redeem")


def test_request_needing_more_gas_than_the_cap_is_not_sent(env):
    from servicecoin.serve import ServeSettings

    site, chain, _, vault, gift = env
    tight = Site(site.record, chain.network, _chain=chain,
                 settings=ServeSettings(gas_caps={"feedback": 250_000, "redeem": 40_000, "erc1271": 100_000}))
    before = relayer_state(chain)
    with pytest.raises(ChainError, match="needs more than 40,000 gas"):
        relay_redeem(tight, signed(chain, vault, gift))
    assert relayer_state(chain) == before


def test_contract_wallet_whose_signature_check_burns_gas_is_refused_for_free(env):
    site, chain, token, vault, gift = env
    wallet = deploy_burner_wallet(chain)
    chain.transact(token.functions.issue(wallet, 100 * UNIT, Reason.PURCHASE, NOREF), "operator")
    before = relayer_state(chain)
    body = signed(chain, vault, gift, signer=dev_account(OTHER), customer=wallet)
    assert attempt(site, body) in ((HTTPStatus.FORBIDDEN, "signature"), (422, None))
    assert relayer_state(chain) == before


def test_relays_failing_on_chain_use_up_the_customers_budget(env, monkeypatch):
    """A relay that passes the simulation but reverts in its block costs gas once; after the budget
    (3 an hour by default) the customer is refused with 429 before anything is sent, others are not."""
    site, chain, _, vault, gift = env
    relay_redeem(site, signed(chain, vault, gift, nonce=9))
    monkeypatch.setattr("servicecoin.serve.guard.simulate", lambda *args: 150_000)  # a chain that changes under it
    replay = signed(chain, vault, gift, nonce=9)
    for _ in range(3):
        with pytest.raises(ChainError, match="reverted on chain"):
            relay_redeem(site, replay)
    before = relayer_state(chain)
    with pytest.raises(RequestError) as exc:
        relay_redeem(site, replay)
    assert exc.value.status == HTTPStatus.TOO_MANY_REQUESTS and "failed" in str(exc.value)
    assert relayer_state(chain) == before
    monkeypatch.undo()
    other = signed(chain, vault, gift, signer=dev_account(OTHER), nonce=1)
    assert relay_redeem(site, other)["customer"] == dev_account(OTHER).address


def test_a_customer_is_rate_limited_whatever_the_client(env):
    site, chain, _, vault, gift = env
    body = signed(chain, vault, gift, max_points=PRICE - 1)  # refused (409) after the signature checks out
    for _ in range(10):
        with pytest.raises(RequestError) as exc:
            relay_redeem(site, body)
        assert exc.value.status == HTTPStatus.CONFLICT
    with pytest.raises(RequestError) as exc:
        relay_redeem(site, body)
    assert exc.value.status == HTTPStatus.TOO_MANY_REQUESTS and exc.value.field == "customer"
    assert relay_redeem(site, signed(chain, vault, gift, signer=dev_account(OTHER)))["status"] == "open"


def test_a_customer_named_without_their_signature_uses_none_of_their_budget(env):
    site, chain, _, vault, gift = env
    forged = signed(chain, vault, gift, signer=dev_account(OTHER), customer=dev_account(CUSTOMER).address)
    for _ in range(15):
        with pytest.raises(RequestError) as exc:
            relay_redeem(site, forged)
        assert exc.value.status == HTTPStatus.FORBIDDEN
    assert relay_redeem(site, signed(chain, vault, gift))["status"] == "open"
