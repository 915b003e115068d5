"""migrateAccounts / finishMigration: accounts arrive with their lots (epochs kept), lifetime, qualification,
tier and pending credits, encoded by servicecoin/token_migration_codec.py; admin only, only before the end."""

from brownie import chain

from servicecoin.token_migration_codec import MigratedAccount, MigratedPending, encode_accounts
from tests.tokenkit import DAY, plain, reverts_with


def test_migrated_accounts_hold_what_the_old_token_held(token, admin, issuer, alice, bob):
    token.setTiers([0, 500], [10_000, 12_000], {"from": admin})
    token.setTierPolicy(1, 12, True, {"from": admin})
    chain.sleep(DAY)
    chain.mine()
    cur = token.currentEpoch()
    release = chain.time() + DAY
    packed = encode_accounts([
        MigratedAccount(alice.address, [(cur - 1, 300), (cur, 200)], lifetime=900, qualifying_current=600,
                        qualifying_last=0, last_epoch=cur, tier=1,
                        pending=[MigratedPending(70, cur, release, issuer.address, b"\x01" * 32)]),
        MigratedAccount(bob.address, [(cur, 5)], lifetime=5, qualifying_current=5, last_epoch=cur),
    ])
    tx = token.migrateAccounts(packed, {"from": admin})
    assert [dict(e) for e in tx.events["AccountMigrated"]] == [
        {"account": alice, "balance": 500, "pending": 70, "tier": 1},
        {"account": bob, "balance": 5, "pending": 0, "tier": 0}]
    assert [(l[0], l[1]) for l in token.lotsOf(alice)] == [(cur - 1, 300), (cur, 200)]
    assert token.balanceOf(alice) == 500 and token.tierOf(alice) == 1 and token.lifetimeEarned(alice) == 900
    assert plain(token.qualifyingPoints(alice)) == [600, 0]
    assert plain(token.pendingOf(alice)) == [[70], [release]]
    assert token.totalMigrated() == 575 and token.totalIssued() == 575 and token.totalPending() == 70
    assert token.totalIssued() == (token.totalSupply() + token.totalPending() + token.totalExpired()
                                   + token.totalBurned() + token.totalCancelled())
    assert token.cancelPending(b"\x01" * 32, alice, {"from": issuer}).return_value == 70  # its issuer still can
    with reverts_with("AccountNotEmpty"):
        token.migrateAccounts(encode_accounts([MigratedAccount(bob.address, [(cur, 1)])]), {"from": admin})


def test_migration_refusals_and_finish(token, admin, stranger, carol):
    cur = token.currentEpoch()
    good = encode_accounts([MigratedAccount(carol.address, [(cur, 10)])])
    with reverts_with("AccessControlUnauthorizedAccount"):
        token.migrateAccounts(good, {"from": stranger})
    with reverts_with("BadMigrationData"):
        token.migrateAccounts(good[:-1], {"from": admin})
    with reverts_with("BadMigrationData"):
        token.migrateAccounts(encode_accounts([MigratedAccount(carol.address, [(cur + 1, 10)])]), {"from": admin})
    assert token.migrationOpen()
    assert "MigrationFinished" in token.finishMigration({"from": admin}).events
    assert not token.migrationOpen()
    with reverts_with("MigrationClosed"):
        token.migrateAccounts(good, {"from": admin})
