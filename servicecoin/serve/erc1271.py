"""Asking a contract wallet whether it signed (ERC-1271 `isValidSignature`), as a view call within
a gas cap, so a wallet whose check burns gas costs the server a bounded call and nothing more."""

from __future__ import annotations

from servicecoin.chain import Chain

MAGIC = bytes.fromhex("1626ba7e")
ABI = [{"type": "function", "name": "isValidSignature", "stateMutability": "view",
        "inputs": [{"name": "hash", "type": "bytes32"}, {"name": "signature", "type": "bytes"}],
        "outputs": [{"name": "", "type": "bytes4"}]}]


def signed_by_contract(chain: Chain, wallet: str, digest: bytes, signature: bytes, gas: int) -> bool:
    """Whether the contract at `wallet` accepts `signature` over `digest`; False for an account without
    code, a contract that is not an ERC-1271 wallet, one that reverts, or one needing more than `gas`."""
    if not chain.w3.eth.get_code(wallet):
        return False
    contract = chain.w3.eth.contract(address=wallet, abi=ABI)
    try:
        return bytes(contract.functions.isValidSignature(digest, signature).call({"gas": gas})) == MAGIC
    except Exception:  # not an ERC-1271 wallet, it reverted, or it ran out of its gas
        return False
