"""Migrating a token that holds pending credits (issue 14): each unreleased credit moves with its amount,
epoch, release time, issuer and key (single credits by their ref, batch credits by the batch id, one moved
by a wallet recovery under its first recipient's event), so its issuer can still cancel it on the new token;
released ones move as lots of their epoch, cancelled ones not at all; the report reconciles."""

import pytest
from brownie import chain as brownie_chain
from web3 import Web3

from servicecoin.errors import ConfigError
from servicecoin.migration import prepare, reconcile, run_migration
from servicecoin.migration.accounts import AccountState
from servicecoin.migration.codec import decode, encode
from servicecoin.migration.pending import match_pending

from tests.offchain.migration.migrationkit import DAY, deploy_new, has_migration, pause, people

pytestmark = pytest.mark.skipif(not has_migration(), reason="the built RewardToken has no migrateAccounts")
PURCHASE, CAMPAIGN = 0, 5
WINDOW = 2 * DAY


def key(label: str) -> bytes:
    return Web3.keccak(text=label)


def pending(token, who):
    amounts, releases = token.functions.pendingOf(who).call()
    return sorted(zip(amounts, releases))


def lots(token, who):
    return [(int(e), int(a)) for e, a, _ in token.functions.lotsOf(who).call()]


def sleep(seconds):
    brownie_chain.sleep(seconds)
    brownie_chain.mine()


def test_pending_credits_move_with_their_issuer_and_key_and_can_still_be_cancelled(chain, journal):
    admin, operator = chain.account("deployer"), chain.account("operator")
    old = deploy_new(chain, 0)  # genesis: its deployment block
    genesis = old.functions.genesis().call()
    chain.transact(old.functions.setPendingPolicy(1 << PURCHASE, WINDOW), admin)
    chain.transact(old.functions.setRecoveryDelay(0), admin)
    for role in (old.functions.RECOVERY_ROLE().call(), old.functions.PAUSER_ROLE().call()):
        chain.transact(old.functions.grantRole(role, admin.address), admin)
    released, single, holder, fresh, returned, lost, found, shop, idle = people("pending-mig", 9)
    for merchant in (shop, idle):  # acceptors: one paid by a customer, one with nothing yet
        chain.transact(old.functions.setAcceptor(merchant, True), admin)

    def issue(to, raw, reason, ref):
        chain.transact(old.functions.issue(to, raw, reason, key(ref)), operator)

    issue(released, 400, PURCHASE, "r-1")  # released before the snapshot: a lot of its epoch
    sleep(WINDOW + 60)
    issue(single, 500, PURCHASE, "s-1")  # a new holder's credit (kept in slot 0)
    issue(holder, 50, CAMPAIGN, "c-1")
    issue(shop, 800, CAMPAIGN, "m-1")  # an acceptor's plain balance
    chain.transact(old.functions.issueBatch(key("batch-1"), [holder, fresh], [300, 200], PURCHASE), operator)
    issue(returned, 90, PURCHASE, "x-1")
    chain.transact(old.functions.cancelPending(key("x-1"), returned), operator)  # a return: nothing to move
    issue(lost, 70, PURCHASE, "l-1")
    chain.transact(old.functions.startRecovery(lost, found), admin)
    chain.transact(old.functions.completeRecovery(lost), admin)  # the credit now sits with `found`
    pause(chain, old)

    new = deploy_new(chain, genesis)
    prepared = prepare(chain, old.address, new.address, journal, admin.address)
    result = run_migration(chain, prepared.plan, journal, prepared.key, admin)
    assert result.complete and result.batches_failed == 0
    for merchant in (shop, idle):
        assert new.functions.isAcceptor(merchant).call()
        assert new.functions.balanceOf(merchant).call() == old.functions.balanceOf(merchant).call()
    assert new.functions.totalSupply().call() == old.functions.totalSupply().call()
    for who in (released, single, holder, fresh, returned, lost, found):
        assert pending(new, who) == pending(old, who), who
        assert lots(new, who) == lots(old, who), who
        assert new.functions.balanceOf(who).call() == old.functions.balanceOf(who).call(), who
    assert lots(new, released) and pending(new, returned) == [] and [a for a, _ in pending(new, found)] == [70]
    assert new.functions.totalPending().call() == old.functions.totalPending().call() == 500 + 300 + 200 + 70
    report = reconcile(chain, prepared.plan.snapshot, new.address, prepared.shift)
    assert report["reconciled"], [r for r in report["accounts"] if not r["ok"]] + report["counters"]

    # The issuer cancels on the new token by the same keys: a batch credit by its batch id (the record is shared).
    receipt = chain.transact(new.functions.cancelPending(key("batch-1"), fresh), operator)
    assert new.events.PendingCancelled().process_receipt(receipt)[0]["args"]["amount"] == 200
    chain.transact(new.functions.cancelPending(key("s-1"), single), operator)
    chain.transact(new.functions.cancelPending(key("l-1"), found), operator)
    assert new.functions.totalPending().call() == 300 and pending(new, holder)[0][0] == 300
    sleep(WINDOW + 60)  # the rest vests on the new token: balance, and lifetime from its release
    assert new.functions.balanceOf(holder).call() == 350 and new.functions.lifetimeEarned(holder).call() == 350


def test_an_entry_that_matches_no_credit_is_named():
    candidates = [{"to": "0xA", "amount": 5, "epoch": 1, "release": 100, "issuer": "0xI", "key": "0x01"}]
    with pytest.raises(ConfigError, match=r"0xB: a pending credit of 7 raw points released at 100"):
        match_pending({"0xB": [(7, 100)]}, candidates)


def test_own_credits_are_matched_before_one_a_recovery_moved():
    a = {"to": "0xA", "amount": 5, "epoch": 1, "release": 100, "issuer": "0xI", "key": "0x0a"}
    b = {"to": "0xB", "amount": 5, "epoch": 1, "release": 100, "issuer": "0xI", "key": "0x0b"}
    found = match_pending({"0xC": [(5, 100)], "0xB": [(5, 100)]}, [a, b])  # C got A's credit by a recovery
    assert found["0xB"][0].key == "0x0b" and found["0xC"][0].key == "0x0a"


def test_an_acceptor_record_round_trips():
    accounts = [AccountState("0x" + "11" * 20, ((3, 500),), 500, 1, (500, 0), (), 3),
                AccountState("0x" + "22" * 20, (), 0, 0, acceptor_balance=12_345)]
    packed = encode(accounts)
    assert packed[20 + 1 + 8 + 17 + 1:][20] == 0xFF  # the second record's lot count marks an acceptor
    assert decode(packed) == accounts
