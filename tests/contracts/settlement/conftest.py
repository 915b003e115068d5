"""Settlement fixtures (helpers: settlementkit.py): the contract, the issuer account as clearing house."""

import pytest

from tests.contracts.settlement.settlementkit import deploy_settlement


@pytest.fixture(scope="module")
def house(issuer):
    return issuer


@pytest.fixture(scope="module")
def settlement(admin, house):
    return deploy_settlement(admin, house)
