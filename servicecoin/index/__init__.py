"""The index: chain events in a database (SQLite by default, PostgreSQL by URL) for statements and reports.

    db       the database: SQLite or PostgreSQL behind one query style, schema, meta, rollback by block
    events   event ABI and decoding: a raw log → `Log` (contract, event, arguments); ZERO, NEVER
    replay   decoded events → table rows, one handler per event; replays the token's lot rules
    indexer  the loop: adaptive block ranges, one transaction per range, reorg rollback, follow
    ledger   balances, lots, tiers and expiry answered from the index (statements and reports share it)
    vault    RedemptionVault rows: redemptions with their item and status, discounts
"""

from __future__ import annotations

from servicecoin.index.db import Database, open_db
from servicecoin.index.indexer import Indexer, IndexSettings, Progress, settings_from_config

__all__ = ["Database", "Indexer", "IndexSettings", "Progress", "open_db", "settings_from_config"]

