"""Account states ↔ the bytes `migrateAccounts(bytes)` takes: the token's own codec
(servicecoin/token_migration_codec.py, the layout of interfaces/IRewardToken.sol) over this package's
`AccountState`. A value that does not fit its field is a ChainError naming the account and the field."""

from __future__ import annotations

from servicecoin.migration.accounts import AccountState, PendingLot
from servicecoin.token_migration_codec import (MigratedAccount, MigratedPending, decode_accounts, encode_account,
                                               encode_accounts)


def migrated(a: AccountState) -> MigratedAccount:
    if a.acceptor_balance is not None:
        return MigratedAccount(a.address, acceptor_balance=a.acceptor_balance)
    return MigratedAccount(a.address, list(a.lots), a.lifetime, a.qualifying[0], a.qualifying[1], a.touched, a.tier,
                           [MigratedPending(p.amount, p.epoch, p.release, p.issuer, bytes.fromhex(p.key[2:]))
                            for p in a.pending])


def state(m: MigratedAccount) -> AccountState:
    if m.acceptor_balance is not None:
        return AccountState(m.address, (), 0, 0, acceptor_balance=m.acceptor_balance)
    return AccountState(m.address, tuple((int(e), int(n)) for e, n in m.lots), m.lifetime, m.tier,
                        (m.qualifying_current, m.qualifying_last),
                        tuple(PendingLot(p.amount, p.epoch, p.release_time, p.issuer, "0x" + bytes(p.key).hex())
                              for p in m.pending), m.last_epoch)


def record(a: AccountState) -> bytes:
    """One account's record."""
    return encode_account(migrated(a))


def encode(accounts: list[AccountState]) -> bytes:
    """The packed argument of one `migrateAccounts` call."""
    return encode_accounts([migrated(a) for a in accounts])


def decode(packed: bytes) -> list[AccountState]:
    """The account records of a `migrateAccounts` argument (the inverse of `encode`)."""
    return [state(m) for m in decode_accounts(packed)]
