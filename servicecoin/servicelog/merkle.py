"""The Merkle tree of an anchored batch (interfaces/IServiceLog.sol): leaf = keccak256(0x00 ‖ record71),
node = keccak256(0x01 ‖ left ‖ right); at a level with an odd number of nodes the last one moves up
unchanged. A proof lists the sibling hashes from the leaf up, for the levels where there is one; its
position in the batch and the batch size (on chain in `Anchored`) say which levels those are, and the
position fixes the record's number: firstSeq (on chain) + position.
"""

from __future__ import annotations

from eth_utils import keccak


def leaf(record: bytes) -> bytes:
    return keccak(b"\0" + record)


def _node(left: bytes, right: bytes) -> bytes:
    return keccak(b"\1" + left + right)


def levels(leaves: list[bytes]) -> list[list[bytes]]:
    """Every level of the tree, leaves first, the root alone last."""
    if not leaves:
        raise ValueError("an anchored batch needs at least one record")
    out = [list(leaves)]
    while len(out[-1]) > 1:
        level = out[-1]
        up = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            up.append(level[-1])
        out.append(up)
    return out


def root(leaves: list[bytes]) -> bytes:
    return levels(leaves)[-1][0]


def proof(tree: list[list[bytes]], index: int) -> list[bytes]:
    """The sibling hashes of leaf `index`, leaf to root, in a tree from `levels`."""
    out = []
    for level in tree[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            out.append(level[sibling])
        index //= 2
    return out


def root_from_proof(leaf_hash: bytes, index: int, size: int, siblings: list[bytes]) -> bytes | None:
    """The root that `siblings` lead to from leaf `index` of a batch of `size`; None if the proof has the
    wrong length for that position."""
    if not 0 <= index < size:
        return None
    h, width, rest = leaf_hash, size, list(siblings)
    while width > 1:
        if index ^ 1 < width:
            if not rest:
                return None
            s = rest.pop(0)
            h = _node(h, s) if index % 2 == 0 else _node(s, h)
        index, width = index // 2, (width + 1) // 2
    return h if not rest else None
