"""Adversarial fixtures: the production-wired token (tests/conftest.py), a ServiceLog and a
RedemptionVault wired to it as the contract suites do (their helpers are reused, not copied)."""

from tests.contracts.redemption_vault.vault_helpers import gift, hooked, merchant2, vault, voucher  # noqa: F401
from tests.contracts.service_log.conftest import agent, log  # noqa: F401
