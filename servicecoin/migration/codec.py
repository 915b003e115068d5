"""Account states → the bytes `migrateAccounts(bytes)` takes, by the layout in interfaces/IRewardToken.sol:

    address (20) | lots n (1) | n x (epoch (2) | amount (6)) | lifetime (6)
    | qualifying current (4) | qualifying last (4) | last touched epoch (2) | tier (1)
    | pending m (1) | m x (amount (6) | epoch (2) | releaseTime (6) | issuer (20) | key (32))

big-endian, no padding, records concatenated (the pending epoch: token-spec.md's CHANGED of 10:40). A value that does not fit its field is a ConfigError
naming the account (the token would refuse the batch with `BadMigrationData`).
"""

from __future__ import annotations

from servicecoin.errors import ConfigError
from servicecoin.migration.accounts import AccountState


def _field(value: int, size: int, what: str, account: str) -> bytes:
    if not 0 <= value < 1 << (8 * size):
        raise ConfigError(f"{account}: {what} {value} does not fit the migration record ({size} bytes)")
    return value.to_bytes(size, "big")


def record(a: AccountState) -> bytes:
    """One account's record."""
    out = [bytes.fromhex(a.address[2:]), _field(len(a.lots), 1, "lot count", a.address)]
    for epoch, amount in a.lots:
        out += [_field(epoch, 2, "lot epoch", a.address), _field(amount, 6, "lot amount", a.address)]
    out += [_field(a.lifetime, 6, "lifetime earned", a.address),
            _field(a.qualifying[0], 4, "qualifying points (current)", a.address),
            _field(a.qualifying[1], 4, "qualifying points (last)", a.address),
            _field(a.touched, 2, "last touched epoch", a.address), _field(a.tier, 1, "tier", a.address),
            _field(len(a.pending), 1, "pending count", a.address)]
    for p in a.pending:
        out += [_field(p.amount, 6, "pending amount", a.address), _field(p.epoch, 2, "pending epoch", a.address),
                _field(p.release, 6, "release time", a.address),
                bytes.fromhex(p.issuer[2:]), bytes.fromhex(p.key[2:])]
    return b"".join(out)


def encode(accounts: list[AccountState]) -> bytes:
    """The packed argument of one `migrateAccounts` call."""
    return b"".join(record(a) for a in accounts)


def decode(packed: bytes) -> list[AccountState]:
    """The account records of a `migrateAccounts` argument (the inverse of `encode`); a ConfigError at the
    first record that does not decode."""
    from servicecoin.migration.accounts import PendingLot

    out, at = [], 0

    def take(size: int) -> bytes:
        nonlocal at
        if at + size > len(packed):
            raise ConfigError(f"migration record truncated at byte {at}")
        at += size
        return packed[at - size:at]

    def num(size: int) -> int:
        return int.from_bytes(take(size), "big")

    while at < len(packed):
        address = "0x" + take(20).hex()
        lots = tuple((num(2), num(6)) for _ in range(num(1)))
        lifetime, current, last, touched, tier = num(6), num(4), num(4), num(2), num(1)
        pending = tuple(PendingLot(num(6), num(2), num(6), "0x" + take(20).hex(), "0x" + take(32).hex())
                        for _ in range(num(1)))
        out.append(AccountState(address, lots, lifetime, tier, (current, last), pending, touched))
    return out
