"""Ingestion tests run against a ServiceLog on brownie's anvil (the service-log suite's fixtures), each with the
queue in a SQLite file and again in a PostgreSQL database of its own (the session's `pg_cluster`, started the way
`svc db start` starts one; skipped, saying why, only where the server cannot run here)."""

import uuid

import pytest

from tests.offchain.servicelog.conftest import slog, slog_address, svc_chain  # noqa: F401


@pytest.fixture(params=["sqlite", "postgresql"])
def queue_file(request, tmp_path):
    """The queue: a SQLite file, or the URL of a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "queue.sqlite"
    from servicecoin import localdb

    return localdb.database_url(request.getfixturevalue("pg_cluster"), f"ingest_{uuid.uuid4().hex[:16]}")


@pytest.fixture
def store(tmp_path):
    """The content store's file (the service opens it in its flusher's thread)."""
    return tmp_path / "content.sqlite"
