"""The /api/redeem relay of `svc serve` (servicecoin.relay.redeem) against a vault on brownie's anvil:
what it relays, and every refusal before the relayer pays."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from http import HTTPStatus

import pytest
from brownie import OwnedWallet1271, accounts

from servicecoin import vault as sv
from servicecoin.chain import dev_account
from servicecoin.errors import ChainError
from servicecoin.relay import redeem as relay_redeem
from servicecoin.serve import RequestError, make_server
from servicecoin.token import UNIT, Reason
from tests.offchain.serve.relaykit import CUSTOMER, NOREF, OTHER, PRICE, relayer_nonce, signed


def refused(site, body, status, field=None):
    with pytest.raises(RequestError) as exc:
        relay_redeem(site, body)
    assert exc.value.status == status, str(exc.value)
    if field:
        assert exc.value.field == field
    return str(exc.value)


def test_signed_request_is_relayed_and_the_relayer_pays(env):
    site, chain, token, vault, gift = env
    customer = dev_account(CUSTOMER).address
    eth, pts = chain.w3.eth.get_balance(customer), token.functions.balanceOf(customer).call()
    answer = relay_redeem(site, signed(chain, vault, gift, quantity=2, nonce=11))
    assert answer["status"] == "open" and answer["points"] == 2 * PRICE and answer["customer"] == customer
    assert int(answer["redemption_id"], 16) == vault.functions.signedRedemptionId(gift, customer, 11).call()
    assert answer["tx"].startswith("0x") and len(answer["tx"]) == 66
    assert token.functions.balanceOf(customer).call() == pts - 2 * PRICE
    assert chain.w3.eth.get_balance(customer) == eth


def test_the_relay_is_reachable_over_http_and_answers_json(env):
    site, chain, token, vault, gift = env
    server = make_server(site, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/api/redeem"
        req = urllib.request.Request(url, json.dumps(signed(chain, vault, gift)).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req) as res:
            assert json.load(res)["status"] == "open"
        config = json.loads(urllib.request.urlopen(url.replace("api/redeem", "config.json")).read())
        assert "redeem" in config["relays"]
        req = urllib.request.Request(url, json.dumps(signed(chain, vault, gift, nonce=1, after={'quantity': '0'})).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(req)
        assert exc.value.code == 400 and json.load(exc.value)["field"] == "quantity"
    finally:
        server.shutdown()
        server.server_close()


def test_signature_by_another_key_is_refused_before_any_transaction(env):
    site, chain, _, vault, gift = env
    sent = relayer_nonce(chain)
    body = signed(chain, vault, gift, signer=dev_account(OTHER), customer=dev_account(CUSTOMER).address)
    assert "not the customer's" in refused(site, body, HTTPStatus.FORBIDDEN, "signature")
    assert relayer_nonce(chain) == sent


@pytest.mark.parametrize("field, value", [("quantity", "2"), ("maxPoints", str(10**9)), ("nonce", "8"), ("itemId", "1")])
def test_a_field_changed_after_signing_invalidates_the_signature(env, field, value):
    site, chain, _, vault, gift = env
    sv.add_item(chain, sv.Kind.GIFT, PRICE, None, vault=vault)  # item 1 and 2 both exist
    body = signed(chain, vault, 2, after={field: value})
    refused(site, body, HTTPStatus.FORBIDDEN, "signature")


def test_malformed_signature_is_refused(env):
    site, chain, _, vault, gift = env
    body = signed(chain, vault, gift)
    body["signature"] = body["signature"][:-2] + "ff"  # v = 255
    refused(site, body, HTTPStatus.FORBIDDEN, "signature")


def test_expired_request_asks_to_sign_again(env):
    site, chain, _, vault, gift = env
    now = chain.w3.eth.get_block("latest")["timestamp"]
    assert "sign again" in refused(site, signed(chain, vault, gift, deadline=now), HTTPStatus.CONFLICT, "deadline")


def test_deadline_more_than_a_day_ahead_is_refused(env):
    site, chain, _, vault, gift = env
    now = chain.w3.eth.get_block("latest")["timestamp"]
    refused(site, signed(chain, vault, gift, deadline=now + 2 * 86_400), HTTPStatus.BAD_REQUEST, "deadline")


def test_unknown_item_is_not_found(env):
    site, chain, _, vault, _ = env
    refused(site, signed(chain, vault, 99), HTTPStatus.NOT_FOUND, "itemId")


@pytest.mark.parametrize("field, value", [
    ("quantity", "0"), ("quantity", str(2**16)), ("nonce", str(2**63)), ("itemId", str(2**32)), ("customer", "0x1234"),
    ("signature", "0x"), ("signature", "0x" + "ab" * 1_025), ("signature", "abcd"), ("deadline", -1), ("maxPoints", True),
])
def test_malformed_field_is_named(env, field, value):
    site, chain, _, vault, gift = env
    refused(site, signed(chain, vault, gift, after={field: value}), HTTPStatus.BAD_REQUEST, field)


def test_missing_field_is_named(env):
    site, chain, _, vault, gift = env
    body = signed(chain, vault, gift)
    del body["nonce"]
    refused(site, body, HTTPStatus.BAD_REQUEST, "nonce")


def test_price_above_the_signed_limit_asks_to_sign_again(env):
    site, chain, _, vault, gift = env
    body = signed(chain, vault, gift, max_points=PRICE - 1)
    assert "sign again" in refused(site, body, HTTPStatus.CONFLICT, "maxPoints")


def test_out_of_stock_and_inactive_items_are_refused(env):
    site, chain, _, vault, gift = env
    assert "3 left" in refused(site, signed(chain, vault, gift, quantity=4), HTTPStatus.CONFLICT, "quantity")
    sv.update_item(chain, gift, active=False, vault=vault)
    refused(site, signed(chain, vault, gift), HTTPStatus.CONFLICT, "itemId")


def test_replayed_request_fails_at_estimation_without_a_transaction(env):
    site, chain, _, vault, gift = env
    body = signed(chain, vault, gift, nonce=42)
    relay_redeem(site, body)
    sent = relayer_nonce(chain)
    with pytest.raises(ChainError, match="NonceUsed"):
        relay_redeem(site, body)
    assert relayer_nonce(chain) == sent


def test_too_few_live_points_fails_at_estimation_with_the_tokens_error(env):
    site, chain, _, vault, _ = env
    dear = sv.add_item(chain, sv.Kind.EXCLUSIVE_SERVICE, 500 * UNIT, None, vault=vault)
    with pytest.raises(ChainError, match="ERC20InsufficientBalance"):
        relay_redeem(site, signed(chain, vault, dear, max_points=500 * UNIT))


def test_contract_wallet_signature_is_checked_with_erc1271(env):
    site, chain, token, vault, gift = env
    owner = dev_account(OTHER)
    wallet = OwnedWallet1271.deploy(owner.address, {"from": accounts[0]})
    chain.transact(token.functions.issue(wallet.address, 100 * UNIT, Reason.PURCHASE, NOREF), "operator")
    answer = relay_redeem(site, signed(chain, vault, gift, signer=owner, customer=wallet.address))
    assert answer["customer"] == wallet.address and answer["status"] == "open"
    stranger = dev_account(CUSTOMER)
    body = signed(chain, vault, gift, signer=stranger, customer=wallet.address, nonce=8)
    refused(site, body, HTTPStatus.FORBIDDEN, "signature")
