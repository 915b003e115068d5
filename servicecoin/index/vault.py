"""RedemptionVault events in the index: redemptions (item, status) and refunds.

Read only when the deployment has a RedemptionVault; until then every answer is empty.
"""

from __future__ import annotations

from servicecoin.index.db import Database


def vault_indexed(db: Database) -> bool:
    return db.meta("contract.RedemptionVault") is not None


def redemptions_of(db: Database, account: str) -> list[dict]:
    """The account's redemptions, oldest first: id, item, item name, points, status, tx."""
    if not vault_indexed(db):
        return []
    return [r for r in redemptions(db) if r["customer"] == account]


def redemptions(db: Database) -> list[dict]:
    if not vault_indexed(db):
        return []
    return []
