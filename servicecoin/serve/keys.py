"""The relayer's key, checked when `svc serve` starts: on a live network a key that is set but
short or malformed stops the server with one clear line (never a 500 at the first relay), and a
missing key is reported so the operator knows relays will answer 503."""

from __future__ import annotations

import os

from eth_account import Account

from servicecoin.chain import dev_account
from servicecoin.errors import ConfigError
from servicecoin.networks import LOCAL_ROLES, Network

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def relayer_key_source(network: Network) -> str | None:
    """The environment variable the relayer's key comes from on `network`, or None (test keys, or unset)."""
    if network.uses_test_keys:
        return None
    for name in ("SVC_RELAYER_KEY", "SVC_PRIVATE_KEY"):
        if os.environ.get(name):
            return name
    return None


def check_relayer_key(network: Network) -> str | None:
    """The relayer's address on `network` (None when no key is set on a live network); a ConfigError
    naming the variable, never its value, when the key is not a private key."""
    if network.uses_test_keys:
        return dev_account(LOCAL_ROLES["relayer"]).address
    source = relayer_key_source(network)
    if source is None:
        return None
    key = os.environ[source].strip()
    digits = key[2:] if key[:2].lower() == "0x" else key
    if len(digits) != 64 or any(c not in "0123456789abcdefABCDEF" for c in digits):
        raise ConfigError(f"{source}: not a private key (it must be 32 bytes: 64 hex digits, 0x optional; "
                          f"this one has {len(digits)} characters)")
    if not 0 < int(digits, 16) < SECP256K1_N:
        raise ConfigError(f"{source}: not a valid secp256k1 private key (zero, or not below the curve order)")
    return Account.from_key("0x" + digits).address
