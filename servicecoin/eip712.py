"""EIP-712 typed data: the one builder every signed message of the system uses (feedback, relayed
redemption, EIP-2612 permit), in the shape MetaMask's eth_signTypedData_v4 takes and shows."""

from __future__ import annotations

from eth_account import Account
from eth_account.messages import encode_typed_data
from web3 import Web3

DOMAIN_FIELDS = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]
PERMIT_FIELDS = [("owner", "address"), ("spender", "address"), ("value", "uint256"), ("nonce", "uint256"),
                 ("deadline", "uint256")]


def typed_data(primary: str, fields: list[tuple[str, str]], name: str, version: str, chain_id: int,
               contract: str, message: dict) -> dict:
    """The full typed-data document: `primary` struct of `fields` (name, type), the standard domain."""
    return {
        "types": {"EIP712Domain": DOMAIN_FIELDS, primary: [{"name": n, "type": t} for n, t in fields]},
        "primaryType": primary,
        "domain": {"name": name, "version": version, "chainId": chain_id,
                   "verifyingContract": Web3.to_checksum_address(str(contract))},
        "message": message,
    }


def sign_typed(key, data: dict):
    """Sign a typed-data document with a private key (what the wallet does); eth-account's SignedMessage."""
    return Account.sign_message(encode_typed_data(full_message=data), key)


def permit_typed_data(token_name: str, chain_id: int, token: str, owner: str, spender: str, value: int, nonce: int,
                      deadline: int) -> dict:
    """An EIP-2612 permit of the RewardToken (OpenZeppelin ERC20Permit: domain version "1")."""
    message = {"owner": Web3.to_checksum_address(str(owner)), "spender": Web3.to_checksum_address(str(spender)),
               "value": value, "nonce": nonce, "deadline": deadline}
    return typed_data("Permit", PERMIT_FIELDS, token_name, "1", chain_id, token, message)


def sign_permit(key, token_name: str, chain_id: int, token: str, owner: str, spender: str, value: int, nonce: int,
                deadline: int) -> tuple[int, bytes, bytes]:
    """(v, r, s) of an EIP-2612 permit, as `permit` and `redeemWithPermit` take them."""
    signed = sign_typed(key, permit_typed_data(token_name, chain_id, token, owner, spender, value, nonce, deadline))
    return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")
