"""The index: chain events in a database (SQLite by default, PostgreSQL by URL) for statements and reports."""

from __future__ import annotations

from servicecoin.index.db import Database, open_db
from servicecoin.index.indexer import Indexer, IndexSettings, Progress, settings_from_config

__all__ = ["Database", "Indexer", "IndexSettings", "Progress", "open_db", "settings_from_config", "index_chain"]


def index_chain(chain, db: Database, settings: IndexSettings | None = None, progress: bool = False) -> Progress:
    """Bring `db` up to date with the chain's head (one call; what `svc index` runs)."""
    return Indexer(chain, db, settings).run(progress=progress)
