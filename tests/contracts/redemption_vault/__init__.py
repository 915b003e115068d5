"""RedemptionVault tests. A package, so that its conftest.py does not take the module name
"conftest" from tests/conftest.py (which the tests import their shared helpers from)."""
