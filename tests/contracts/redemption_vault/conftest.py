"""Fixtures of the vault tests (defined in vault_helpers, where the tests also take helpers from)."""

from tests.contracts.redemption_vault.vault_helpers import exclusive, gift, hooked, merchant2, silver_tiers, vault, voucher  # noqa: F401
