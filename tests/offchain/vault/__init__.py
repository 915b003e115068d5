"""Off-chain vault module tests (a package, so no conftest name clash with tests/conftest.py)."""
