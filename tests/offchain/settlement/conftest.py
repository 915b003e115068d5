"""An alliance on anvil: the token, the vault and the Settlement contract; two merchants that issue and
accept points (merchant, merchant2), the issuer account as clearing house; one-day epochs, three of
validity. `index_into(db)` indexes all three contracts (helpers: settlementkit.py)."""

import pytest

from servicecoin.index import Indexer, IndexSettings
from tests.contracts.redemption_vault.vaultkit import list_item
from tests.contracts.settlement.settlementkit import deploy_settlement
from tests.tokenkit import BUDGET, UNIT


@pytest.fixture(scope="module")
def house(issuer):
    return issuer


@pytest.fixture(scope="module")
def alliance(token, vault, admin, house, merchant, merchant2):
    for m in (merchant, merchant2):
        token.grantRole(token.ISSUER_ROLE(), m, {"from": admin})
        token.setIssuerBudget(m, BUDGET, {"from": admin})
    token.setAcceptor(merchant2, True, {"from": admin})
    item = list_item(vault, merchant2, price=40 * UNIT, stock=1000)
    return {"settlement": deploy_settlement(admin, house), "item": item}


@pytest.fixture
def fresh_chain():
    """A Chain of its own per test: the module's one counts nonces that a reverted snapshot takes back."""
    from brownie import web3

    from servicecoin.chain import from_web3

    return from_web3(web3, "development")


@pytest.fixture
def index_into(svc_chain, token, vault, alliance):
    def run(database, **settings):
        contracts = {"RewardToken": token.address, "RedemptionVault": vault.address,
                     "Settlement": alliance["settlement"].address}
        Indexer(svc_chain, database, IndexSettings(confirmations=0, **settings), contracts=contracts,
                log=lambda m: None).run()
        return database

    return run
