"""The sample history the report tests read: three customers, purchases, a survey batch, a payment to a
merchant, a spend and a compensation, over three days (one-day epochs, three of validity)."""

import pytest
from brownie import web3

from tests.offchain.reports.reportkit import NOREF, advance


@pytest.fixture
def history(token, admin, issuer, merchant, spender, alice, bob, carol):
    token.setTiers([0, 500], [10_000, 15_000], {"from": admin})
    token.issue(alice, 400, 0, web3.keccak(text="order-1"), {"from": issuer})
    token.issueBatch(web3.keccak(text="survey"), [alice, bob, carol], [200, 300, 40], 2, {"from": issuer})
    advance()
    token.issue(alice, 100, 0, NOREF, {"from": issuer})
    token.transfer(merchant, 250, {"from": alice})
    token.spend(alice, 30, {"from": spender})
    advance()
    token.issue(bob, 80, 6, NOREF, {"from": issuer})
