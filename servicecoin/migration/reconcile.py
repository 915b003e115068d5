"""The reconciliation report: every account and every supply counter, old token against new, read at one
block. An account is right when the new token holds what the old one does now: its live lots (epochs on
the new token's clock), lifetime earned, tier, qualifying points and pending points. The counters: the
live supply (customers' and acceptors') and the pending points are equal on both; `totalMigrated` is what the snapshot
moved; each token's supply identity holds. The old token's history (issued, expired, burned) is shown
beside the new one's, which starts from the migration.
"""

from __future__ import annotations

from web3 import Web3

from servicecoin.chain import Chain
from servicecoin.migration.newtoken import migrated_accounts
from servicecoin.migration.snapshot import Snapshot, counters, optional, reader

FIELDS = ("acceptor", "balance", "lots", "lifetime", "tier", "qualifying", "pending")


def account_view(token, address: str, block: int, shift: int = 0) -> dict:
    f = token.functions
    lots = [[int(e) + shift, int(a)] for e, a, _ in f.lotsOf(address).call(block_identifier=block)]
    amounts, _ = optional(f.pendingOf(address), block, ([], []))
    return {"acceptor": f.isAcceptor(address).call(block_identifier=block),
            "balance": f.balanceOf(address).call(block_identifier=block), "lots": lots,
            "lifetime": f.lifetimeEarned(address).call(block_identifier=block),
            "tier": f.tierOf(address).call(block_identifier=block),
            "qualifying": list(optional(f.qualifyingPoints(address), block, (0, 0))), "pending": sum(amounts)}


def identity(c: dict) -> bool:
    return c["totalIssued"] == (c["totalSupply"] + c["totalPending"] + c["totalExpired"] + c["totalBurned"]
                                + c["totalCancelled"])


def reconcile(chain: Chain, snapshot: Snapshot, new: str, shift: int = 0, block: int | None = None) -> dict:
    """Old token (as of now, paused) against the new one, account by account and counter by counter."""
    block = chain.w3.eth.block_number if block is None else block
    old_token, new_token = reader(chain, snapshot.token), reader(chain, new)
    planned = {a.address.lower(): a for a in snapshot.accounts}
    on_new = migrated_accounts(chain, new)
    accounts = sorted(set(planned) | set(on_new))
    rows = []
    for key in accounts:
        address = Web3.to_checksum_address(key)
        old = account_view(old_token, address, block, shift)
        got = account_view(new_token, address, block)
        differs = [f for f in FIELDS if old[f] != got[f]]
        if key not in on_new:
            differs.insert(0, "not migrated")
        if key not in planned:
            differs.insert(0, "not in the snapshot")
        rows.append({"address": address, "old": old, "new": got, "differences": differs, "ok": not differs})
    old_c, new_c = counters(old_token, block), counters(new_token, block)
    moved = sum(planned[a].balance + planned[a].pending_total for a in planned if a in on_new)
    figures = [
        ("live supply (customers and acceptors)", old_c["totalSupply"], new_c["totalSupply"]),
        ("pending", old_c["totalPending"], new_c["totalPending"]),
        ("migrated (snapshot → totalMigrated)", moved, new_c["totalMigrated"]),
        ("supply identity holds", int(identity(old_c)), int(identity(new_c))),
    ]
    counter_rows = [{"figure": name, "old": a, "new": b, "ok": a == b} for name, a, b in figures]
    history = [{"figure": name, "old": old_c[name], "new": new_c[name]}
               for name in ("totalIssued", "totalSupply", "totalPending", "totalExpired", "totalBurned", "totalCancelled",
                            "totalMigrated")]
    wrong = [r for r in rows if not r["ok"]] + [r for r in counter_rows if not r["ok"]]
    return {"block": block, "old_token": snapshot.token, "new_token": Web3.to_checksum_address(new),
            "snapshot_block": snapshot.block, "accounts": rows, "counters": counter_rows, "history": history,
            "accounts_checked": len(rows), "accounts_wrong": sum(1 for r in rows if not r["ok"]),
            "differences": len(wrong), "reconciled": not wrong}
