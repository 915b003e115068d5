"""Who signs for the vault: the EIP-712 `Redeem` message a customer signs for a gasless redemption, and
the keys the commands accept (a role, a test-account number on local chains, or a private key)."""

from __future__ import annotations

import secrets
import time

from eth_account import Account
from eth_account.signers.local import LocalAccount

from servicecoin.chain import Chain, dev_account
from servicecoin.eip712 import sign_typed, typed_data
from servicecoin.errors import ConfigError
from servicecoin.networks import LOCAL_ROLES

DOMAIN_NAME = "ServiceCoin RedemptionVault"
DOMAIN_VERSION = "1"
REDEEM_FIELDS = [("customer", "address"), ("itemId", "uint256"), ("quantity", "uint256"), ("maxPoints", "uint256"),
                 ("nonce", "uint256"), ("deadline", "uint256")]


def redeem_typed_data(chain_id: int, vault_address: str, request: dict) -> dict:
    """The EIP-712 message a customer signs for a relayed redemption (what MetaMask shows)."""
    return typed_data("Redeem", REDEEM_FIELDS, DOMAIN_NAME, DOMAIN_VERSION, chain_id, vault_address, request)


def sign_redeem(customer: LocalAccount, chain_id: int, vault_address: str, item_id: int, quantity: int,
                max_points: int, nonce: int | None = None, deadline: int | None = None) -> tuple[tuple, bytes]:
    """A signed request: (request tuple for `redeemBySig`, 65-byte signature)."""
    nonce = secrets.randbits(63) if nonce is None else nonce
    deadline = int(time.time()) + 3_600 if deadline is None else deadline
    message = {"customer": customer.address, "itemId": item_id, "quantity": quantity, "maxPoints": max_points,
               "nonce": nonce, "deadline": deadline}
    signed = sign_typed(customer.key, redeem_typed_data(chain_id, vault_address, message))
    return (customer.address, item_id, quantity, max_points, nonce, deadline), bytes(signed.signature)


def resolve_signer(chain: Chain, key: str, where: str = "--from") -> LocalAccount:
    """A role name (customer, merchant, …), a test-account index on local chains, or a 0x private key."""
    key = key.strip()
    if key in LOCAL_ROLES or key.startswith("$"):
        return chain.account(key.lstrip("$"))
    if key.isdigit():
        if not chain.network.uses_test_keys:
            raise ConfigError(f"{where}: test account numbers only work on local networks")
        return dev_account(int(key))
    if key.startswith("0x") and len(key) == 66:
        try:
            return Account.from_key(key)
        except ValueError:
            pass
    raise ConfigError(f"{where}: '{key[:10]}…' is not a role ({', '.join(LOCAL_ROLES)}), an account number or a private key")
