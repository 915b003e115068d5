"""System invariant tests: fixtures come from tests/conftest.py; see test_system_invariants.py."""
