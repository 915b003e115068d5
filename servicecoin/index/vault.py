"""RedemptionVault events in the index: redemptions (item, kind, status), refunds and discounts."""

from __future__ import annotations

import json

from servicecoin.index.db import Database

ITEM_KINDS = ["gift", "discount voucher", "exclusive service"]
GIVEN_BACK = ("refunded", "cancelled")  # outcomes that returned the points to the customer


def _items(db: Database) -> dict[str, tuple[str, int, str]]:
    """item id → (its merchant now, kind, metadata URI): ItemListed, then every admin ItemReassigned."""
    items = {i: (m, k, uri) for i, m, k, uri in db.query("SELECT item_id, merchant, kind, metadata_uri FROM vault_items")}
    for (args,) in db.query("SELECT args FROM events WHERE name = 'ItemReassigned' ORDER BY block, log_index"):
        a = json.loads(args)
        item = str(a["itemId"])
        if item in items:
            items[item] = (a["newMerchant"], *items[item][1:])
    return items


def redemptions(db: Database, customer: str | None = None) -> list[dict]:
    """Redemptions, oldest first: id, customer, item, kind, merchant, points, status, tx."""
    items = _items(db)
    outcomes = {i: (o, m, p) for i, o, m, p in db.query(
        "SELECT id, outcome, merchant, points FROM redemption_outcomes ORDER BY block, log_index")}
    where, params = ("WHERE customer = ?", (customer,)) if customer else ("", ())
    out = []
    for block, tx, ts, rid, cust, item, qty, points in db.query(
            f"SELECT block, tx_hash, ts, id, customer, item_id, quantity, points FROM redemptions {where} "
            f"ORDER BY block, log_index", params):
        merchant, kind, uri = items.get(item, ("", -1, ""))
        outcome = outcomes.get(rid)
        out.append({"id": rid, "customer": cust, "item": item, "item_name": uri or None,
                    "kind": ITEM_KINDS[kind] if 0 <= kind < len(ITEM_KINDS) else "unknown",
                    "merchant": (outcome[1] if outcome else "") or merchant, "quantity": qty, "points": points,
                    "status": outcome[0] if outcome else "open", "refunded": outcome[2] if outcome and outcome[0] in GIVEN_BACK else 0,
                    "block": block, "ts": ts, "tx": tx})
    return out


def redemptions_of(db: Database, account: str) -> list[dict]:
    return redemptions(db, account)


def discounts_of(db: Database, account: str) -> dict[str, dict]:
    return {tx: {"discount_order": ref, "discount_cents": d, "rate": rate} for tx, ref, d, rate in db.query(
        "SELECT tx_hash, order_ref, discount, rate FROM discounts WHERE customer = ?", (account,))}
