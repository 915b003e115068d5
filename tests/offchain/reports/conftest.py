"""The index fixtures (tests/offchain/index/conftest.py), shared with the report tests."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("index_fixtures", Path(__file__).parent.parent / "index" / "conftest.py")
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)

svc_chain = _fixtures.svc_chain
db = _fixtures.db
make_indexer = _fixtures.make_indexer
matches_chain = _fixtures.matches_chain
