"""An old-layout RewardToken (deployed before issue 14: one PointsExpired per lot) is still indexed right
by today's indexer: its events are decoded by the ABI it was deployed with, and balances, lots and
expiry match the token at the indexed block."""

from brownie import chain as brownie_chain
from web3 import Web3

from servicecoin.index import Indexer, IndexSettings, ledger

from tests.offchain.campaign.conftest import plain_chain
from tests.offchain.migration.migrationkit import DAY, VALIDITY, credit, deploy_legacy

ALICE = Web3.to_checksum_address("0x" + "a1" * 20)


def test_an_old_layout_tokens_sweeps_are_read(db):
    chain = plain_chain()
    old = deploy_legacy(chain)
    credit(chain, old, ALICE, 1_000, ref=b"\x01" * 32)
    brownie_chain.sleep(DAY + 1)
    brownie_chain.mine()
    credit(chain, old, ALICE, 200, ref=b"\x02" * 32)
    brownie_chain.sleep(VALIDITY * DAY)
    brownie_chain.mine()
    credit(chain, old, ALICE, 30, ref=b"\x03" * 32)  # sweeps both expired lots: two old-layout events
    Indexer(chain, db, IndexSettings(confirmations=0), contracts={"RewardToken": old.address}, log=lambda m: None).run()
    at = int(db.meta("cursor"))
    now = chain.w3.eth.get_block(at)["timestamp"]
    f = old.functions
    assert db.scalar("SELECT COUNT(*) FROM expirations") == 2
    assert ledger.expired_total(db, now) == f.totalExpired().call(block_identifier=at) == 1_200
    assert ledger.balance(db, ALICE.lower(), now) == f.balanceOf(ALICE).call(block_identifier=at) == 30
    assert ledger.outstanding(db, now)["total"] == f.totalSupply().call(block_identifier=at)
    assert db.scalar("SELECT COUNT(*) FROM events WHERE name = 'PointsExpired'") == 0  # none left undecoded
