"""Ingestion tests run against a ServiceLog on brownie's anvil (the service-log suite's fixtures)."""

import pytest

from tests.offchain.servicelog.conftest import slog, slog_address, svc_chain  # noqa: F401


@pytest.fixture
def queue_file(tmp_path):
    return tmp_path / "queue.sqlite"


@pytest.fixture
def store(tmp_path):
    """The content store's file (the service opens it in its flusher's thread)."""
    return tmp_path / "content.sqlite"
