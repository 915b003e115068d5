"""Masking node URLs (servicecoin.serve.redact): what the server log may show of an RPC URL."""

from __future__ import annotations

import pytest

from servicecoin.serve.redact import mask_url, redact


@pytest.fixture(autouse=True)
def isolation():
    """No chain state involved."""


@pytest.mark.parametrize("url, masked", [
    ("https://eth-sepolia.g.alchemy.com/v2/AbCdEf0123456789xyzABCDEF012345", "https://eth-sepolia.g.alchemy.com/v2/***"),
    ("https://sepolia.infura.io/v3/0123456789abcdef0123456789abcdef", "https://sepolia.infura.io/v3/***"),
    ("https://user:secret@node.example.org:8545/rpc?key=abc", "https://***@node.example.org:8545/rpc?***"),
    ("http://127.0.0.1:8546", "http://127.0.0.1:8546"),
    ("https://rpc.example.org/base/mainnet", "https://rpc.example.org/base/mainnet"),
    ("wss://[::1]:8546/ws/KEY1234567890abcdefgh", "wss://[::1]:8546/ws/***"),
])
def test_mask_url_hides_userinfo_query_and_keys(url, masked):
    assert mask_url(url) == masked


def test_redact_masks_urls_and_secrets_quoted_without_them():
    url = "https://eth-sepolia.g.alchemy.com/v2/AbCdEf0123456789xyz?token=T0k3nValue"
    text = ("HTTPSConnectionPool(host='eth-sepolia.g.alchemy.com', port=443): Max retries exceeded with url: "
            "/v2/AbCdEf0123456789xyz?token=T0k3nValue; 401 Client Error for url: " + url)
    out = redact(text, [url])
    assert "AbCdEf0123456789xyz" not in out and "T0k3nValue" not in out
    assert "https://eth-sepolia.g.alchemy.com/v2/***" in out and "/v2/***" in out
