"""Migration fixtures: a fresh Chain over brownie's node per test, and a journal."""

import pytest

from servicecoin.migration.journal import MigrationJournal
from tests.offchain.campaign.conftest import node_factory, plain_chain  # noqa: F401  (node_factory: a fixture)


@pytest.fixture
def chain():
    return plain_chain()


@pytest.fixture
def journal(tmp_path):
    j = MigrationJournal(tmp_path / "migrations.sqlite")
    yield j
    j.close()
