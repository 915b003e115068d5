"""Attacker's tools: the high-s twin of a signature (same signer, other bytes) and the like."""

from servicecoin.eip712 import permit_typed_data, sign_typed

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def high_s(r: int, s: int, v: int) -> tuple[int, int, int]:
    """The malleable twin (r, n - s, v flipped): ecrecover returns the same signer for it."""
    return r, SECP256K1_N - s, 27 if v == 28 else 28


def high_s_bytes(sig: bytes) -> bytes:
    """The high-s twin of a 65-byte r||s||v signature."""
    sig = bytes(sig)
    r, s, v = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:64], "big"), sig[64]
    r, s, v = high_s(r, s, v)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])


def recovers_same_signer(digest: bytes, sig: bytes) -> bool:
    """Both the signature and its twin recover the same address with plain ecrecover (so only a
    low-s rule can refuse the twin)."""
    from eth_keys import keys

    def rec(b: bytes):
        return keys.Signature(vrs=(b[64] - 27, int.from_bytes(b[:32], "big"),
                                   int.from_bytes(b[32:64], "big"))).recover_public_key_from_msg_hash(digest)

    return rec(sig).to_checksum_address() == rec(high_s_bytes(sig)).to_checksum_address()


def sign_permit_for(key, name: str, chain_id: int, token_address: str, owner, spender, value: int, nonce: int,
                    deadline: int) -> tuple[int, int, int]:
    """An EIP-2612 permit signed for any chain id and token address (to replay it elsewhere); v, r, s as
    integers, to tamper with."""
    signed = sign_typed(key, permit_typed_data(name, chain_id, token_address, owner, spender, value, nonce, deadline))
    return signed.v, signed.r, signed.s
