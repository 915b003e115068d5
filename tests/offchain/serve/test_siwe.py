"""Wallet sign-in (EIP-4361) on `svc serve` (issue 15): a fresh nonce, a message signed with
personal_sign, a short session in an HttpOnly SameSite=Strict cookie bound to the chain and the
address, no replay (not even after signing out), and a refusal for every message made for another
site, chain or time, or changed after signing. Runs against brownie's anvil (chain id 31337), which
the ERC-1271 fallback asks when the ECDSA signer does not match."""

from __future__ import annotations

import http.client
import json
from datetime import datetime, timedelta, timezone

import pytest
from brownie import web3
from eth_account.messages import encode_defunct

from servicecoin.chain import dev_account
from servicecoin.serve import ServeSettings
from servicecoin.serve.sessions import SESSION_TTL, NonceBook, SessionTable
from servicecoin.serve.siwe import parse_message
from tests.offchain.serve.httpkit import serving

CUSTOMER = dev_account(5)
JSON = {"Content-Type": "application/json"}


@pytest.fixture(autouse=True)
def isolation():
    """No chain state changed."""


@pytest.fixture(scope="module")
def server():
    record = {"network": "development", "chain_id": 31337, "rpc_url": web3.provider.endpoint_uri,
              "contracts": {"RewardToken": "0x5FbDB2315678afecb367f032d93F642f64180aa3"}}
    with serving(ServeSettings(client_limit=None), record) as srv:
        yield srv


def call(server, method, path, body=None, headers=None):
    """(status, headers, JSON answer) of one request; `headers` may carry a Cookie."""
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=30)
    data = None if body is None else json.dumps(body).encode()
    conn.request(method, path, body=data, headers={**(JSON if body is not None else {}), **(headers or {})})
    res = conn.getresponse()
    answer = json.loads(res.read() or b"null")
    conn.close()
    return res.status, {k.lower(): v for k, v in res.getheaders()}, answer


def host(server):
    return f"127.0.0.1:{server.server_address[1]}"


def iso(when):
    return when.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def message(server, nonce, *, domain=None, uri=None, chain_id=31337, issued=None, expiration=None,
            statement="Sign in to see your vouchers.", address=CUSTOMER.address):
    domain = domain or host(server)
    lines = [f"{domain} wants you to sign in with your Ethereum account:", address, ""]
    if statement:
        lines += [statement, ""]
    lines += [f"URI: {uri or f'http://{domain}/'}", "Version: 1", f"Chain ID: {chain_id}", f"Nonce: {nonce}",
              f"Issued At: {iso(issued or datetime.now(timezone.utc))}"]
    if expiration:
        lines.append(f"Expiration Time: {iso(expiration)}")
    return "\n".join(lines)


def sign(text, account=CUSTOMER):
    return "0x" + bytes(account.sign_message(encode_defunct(text=text)).signature).hex()


def nonce(server):
    status, _, answer = call(server, "GET", "/api/siwe/nonce")
    assert status == 200
    return answer["nonce"]


def login(server, text, signature=None):
    return call(server, "POST", "/api/siwe/login", {"message": text, "signature": signature or sign(text)})


def cookie(headers):
    return headers["set-cookie"].split(";")[0]


def test_a_signed_message_opens_a_short_session_in_a_strict_cookie(server):
    status, headers, answer = login(server, message(server, nonce(server)))
    assert status == 200 and answer["address"] == CUSTOMER.address and answer["chain_id"] == 31337
    flags = headers["set-cookie"].lower()
    assert "httponly" in flags and "samesite=strict" in flags and "secure" not in flags  # plain http on loopback
    assert f"max-age={SESSION_TTL}" in flags or f"max-age={SESSION_TTL - 1}" in flags
    status, _, me = call(server, "GET", "/api/me", headers={"Cookie": cookie(headers)})
    assert status == 200 and me["address"] == CUSTOMER.address and me["expires_at"].endswith("Z")


def test_me_without_a_session_is_401(server):
    assert call(server, "GET", "/api/me")[0] == 401
    assert call(server, "GET", "/api/me", headers={"Cookie": "svc_session=forged"})[0] == 401


def test_nonces_are_fresh_each_time(server):
    assert len({nonce(server) for _ in range(5)}) == 5


@pytest.mark.parametrize("change, status", [
    ({"domain": "evil.example"}, 403),
    ({"uri": "http://evil.example/"}, 403),
    ({"chain_id": 1}, 403),
    ({"expiration": datetime.now(timezone.utc) - timedelta(seconds=5)}, 401),
    ({"issued": datetime.now(timezone.utc) - timedelta(hours=1)}, 401),
    ({"issued": datetime.now(timezone.utc) + timedelta(hours=1)}, 401),
], ids=["wrong domain", "wrong uri", "wrong chain", "expired", "issued long ago", "issued in the future"])
def test_a_message_for_another_site_chain_or_time_is_refused(server, change, status):
    got, headers, answer = login(server, message(server, nonce(server), **change))
    assert got == status and answer["field"] == "message" and "set-cookie" not in headers


def test_a_message_cannot_be_replayed(server):
    text = message(server, nonce(server))
    assert login(server, text)[0] == 200
    status, _, answer = login(server, text)
    assert status == 401 and "already used" in answer["error"]


def test_a_nonce_we_did_not_issue_is_refused(server):
    assert login(server, message(server, "0123456789abcdef0123456789abcdef"))[0] == 401


def test_after_logout_the_session_and_the_message_are_dead(server):
    text = message(server, nonce(server))
    _, headers, _ = login(server, text)
    session = {"Cookie": cookie(headers)}
    status, out, answer = call(server, "POST", "/api/siwe/logout", {}, session)
    assert status == 200 and answer["signed_out"] is True and "max-age=0" in out["set-cookie"].lower()
    assert call(server, "GET", "/api/me", headers=session)[0] == 401
    assert login(server, text)[0] == 401  # the nonce was used: signing out does not free it


def test_a_message_changed_after_signing_is_refused(server):
    text = message(server, nonce(server))
    signature = sign(text)
    tampered = text.replace("see your vouchers", "see everyone's vouchers")
    status, _, answer = login(server, tampered, signature)
    assert status == 401 and answer["field"] == "signature"


def test_someone_elses_signature_is_refused(server):
    text = message(server, nonce(server))
    assert login(server, text, sign(text, dev_account(6)))[0] == 401


@pytest.mark.parametrize("text", ["hello", "", "x" * 5_000])
def test_a_malformed_message_is_a_400(server, text):
    status, _, answer = login(server, text, "0x" + "11" * 65)
    assert status == 400 and answer["field"] == "message"


def test_sign_in_from_another_origin_is_refused(server):
    text = message(server, nonce(server))
    status, _, _ = call(server, "POST", "/api/siwe/login", {"message": text, "signature": sign(text)},
                        {"Origin": "https://evil.example"})
    assert status == 403


def test_the_message_format_follows_eip_4361():
    text = ("example.org wants you to sign in with your Ethereum account:\n" + CUSTOMER.address + "\n\n\n"
            "URI: https://example.org/login\nVersion: 1\nChain ID: 11155111\nNonce: abcdef1234\n"
            "Issued At: 2026-11-30T12:00:00Z\nExpiration Time: 2026-11-30T12:15:00.000Z\nRequest ID: 7\n"
            "Resources:\n- ipfs://bafy\n- https://example.org/terms")
    parsed = parse_message(text)
    assert parsed.statement is None and parsed.chain_id == 11155111 and parsed.request_id == "7"
    assert parsed.resources == ("ipfs://bafy", "https://example.org/terms")
    assert parsed.expiration_time == datetime(2026, 11, 30, 12, 15, tzinfo=timezone.utc)


def test_sessions_end_at_their_expiry_and_the_tables_stay_bounded():
    clock = [1_000.0]
    sessions = SessionTable(clock=lambda: clock[0], limit=3)
    token, session = sessions.open(CUSTOMER.address, 31337, until=1_100.0)
    assert session.expires == 1_100.0 and sessions.get(token) == session
    clock[0] = 1_100.0
    assert sessions.get(token) is None
    for _ in range(10):
        sessions.open(CUSTOMER.address, 31337)
    assert len(sessions) == 3
    nonces = NonceBook(clock=lambda: clock[0], limit=5)
    issued = [nonces.issue() for _ in range(10)]
    assert len(nonces) == 5 and not nonces.take(issued[0]) and nonces.take(issued[-1])
    clock[0] += 601
    assert not nonces.take(issued[-2])  # too old


def test_behind_a_trusted_tls_proxy_the_cookie_is_secure():
    import ipaddress

    record = {"network": "development", "chain_id": 31337, "rpc_url": web3.provider.endpoint_uri, "contracts": {}}
    settings = ServeSettings(trusted_proxies=(ipaddress.ip_network("127.0.0.1/32"),))
    with serving(settings, record) as srv:
        text = message(srv, nonce(srv), uri=f"https://{host(srv)}/")
        status, headers, _ = call(srv, "POST", "/api/siwe/login", {"message": text, "signature": sign(text)},
                                  {"X-Forwarded-Proto": "https"})
        assert status == 200 and "secure" in headers["set-cookie"].lower()
