"""The index fixtures (tests/offchain/index/conftest.py), shared with the report tests."""

from tests.offchain.index.conftest import db, make_indexer, matches_chain, svc_chain  # noqa: F401
