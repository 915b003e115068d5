"""The packed bytes of `RewardToken.migrateAccounts`: one record per account, as the contract's NatSpec lays out.

    address (20) | lots n (1) | n x (epoch (2) | amount (6)) | lifetime (6)
    | qualifying current (4) | qualifying last (4) | last touched epoch (2) | tier (1)
    | pending m (1) | m x (amount (6) | epoch earned (2) | release time (6) | issuer (20) | key (32))

or, for an acceptor (a merchant's plain balance): address (20) | 0xff | balance (16).

Big-endian, no padding. `svc migrate token` reads each account from the old token, encodes it here and sends the
records in chunks that keep every transaction under the block gas limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from servicecoin.errors import ChainError

MAX_LOTS = 15  # the ring's places (validity at most 15 epochs)
MAX_PENDING = 15  # MAX_PENDING_PER_ACCOUNT
MAX_QUALIFYING = (1 << 27) - 1
PENDING_BYTES = 66
ACCEPTOR_RECORD = 0xFF  # in the lot count's place: an acceptor's record


@dataclass(frozen=True)
class MigratedPending:
    """A pending credit not yet released: `key` is its ref (single issue) or batch id."""
    amount: int
    epoch: int
    release_time: int
    issuer: str
    key: bytes


@dataclass(frozen=True)
class MigratedAccount:
    """One customer as the old token holds it: live lots (epoch, amount) oldest first, lifetime earned, the
    qualifying points of the period of `last_epoch` and of the one before, the tier held then, pending credits."""
    address: str
    lots: list[tuple[int, int]] = field(default_factory=list)
    lifetime: int = 0
    qualifying_current: int = 0
    qualifying_last: int = 0
    last_epoch: int = 0
    tier: int = 0
    pending: list[MigratedPending] = field(default_factory=list)
    acceptor_balance: int | None = None  # an acceptor: its plain balance (nothing else is carried)


def _int(value: int, size: int, what: str) -> bytes:
    if not 0 <= value < 1 << (8 * size):
        raise ChainError(f"migration record: {what} {value} does not fit {size} bytes")
    return value.to_bytes(size, "big")


def _address(text: str, what: str) -> bytes:
    raw = bytes.fromhex(text[2:] if text.startswith(("0x", "0X")) else text)
    if len(raw) != 20:
        raise ChainError(f"migration record: {what} {text!r} is not a 20-byte address")
    return raw


def encode_account(account: MigratedAccount) -> bytes:
    """The record of one account; a field out of range is a ChainError naming it."""
    who = account.address
    if account.acceptor_balance is not None:
        return _address(who, "account") + bytes([ACCEPTOR_RECORD]) + _int(account.acceptor_balance, 16, "acceptor balance")
    if len(account.lots) > MAX_LOTS or len(account.pending) > MAX_PENDING:
        raise ChainError(f"migration record of {who}: {len(account.lots)} lots and {len(account.pending)} pending "
                         f"credits (at most {MAX_LOTS} and {MAX_PENDING})")
    epochs = [epoch for epoch, _ in account.lots]
    if epochs != sorted(set(epochs)):
        raise ChainError(f"migration record of {who}: lots must be oldest first, one an epoch")
    if max(account.qualifying_current, account.qualifying_last) > MAX_QUALIFYING or not 0 <= account.tier < 4:
        raise ChainError(f"migration record of {who}: qualifying points above {MAX_QUALIFYING} or tier not in 0..3")
    out = [_address(who, "account"), _int(len(account.lots), 1, "lot count")]
    for epoch, amount in account.lots:
        out += [_int(epoch, 2, "lot epoch"), _int(amount, 6, "lot amount")]
    out += [_int(account.lifetime, 6, "lifetime"), _int(account.qualifying_current, 4, "qualifying current"),
            _int(account.qualifying_last, 4, "qualifying last"), _int(account.last_epoch, 2, "last epoch"),
            _int(account.tier, 1, "tier"), _int(len(account.pending), 1, "pending count")]
    for p in account.pending:
        if len(p.key) != 32:
            raise ChainError(f"migration record of {who}: a pending key must be 32 bytes")
        out += [_int(p.amount, 6, "pending amount"), _int(p.epoch, 2, "pending epoch"),
                _int(p.release_time, 6, "release time"), _address(p.issuer, "issuer"), bytes(p.key)]
    return b"".join(out)


def encode_accounts(accounts: list[MigratedAccount]) -> bytes:
    """The records of `accounts`, concatenated (one `migrateAccounts` call)."""
    return b"".join(encode_account(a) for a in accounts)


def chunks(accounts: list[MigratedAccount], max_bytes: int = 12_000) -> list[bytes]:
    """The records in calls of at most `max_bytes` each (one record is never split); about 600 accounts of
    a year of lots stay far below the 16,777,216 gas a transaction may use."""
    out: list[bytes] = []
    current = b""
    for account in accounts:
        record = encode_account(account)
        if current and len(current) + len(record) > max_bytes:
            out.append(current)
            current = b""
        current += record
    if current:
        out.append(current)
    return out


def decode_accounts(packed: bytes) -> list[MigratedAccount]:
    """The inverse of `encode_accounts` (for reconciliation reports and tests)."""
    accounts, o = [], 0

    def take(size: int) -> int:
        nonlocal o
        if o + size > len(packed):
            raise ChainError(f"migration records: truncated at byte {o}")
        value = int.from_bytes(packed[o:o + size], "big")
        o += size
        return value

    while o < len(packed):
        address = "0x" + take(20).to_bytes(20, "big").hex()
        n = take(1)
        if n == ACCEPTOR_RECORD:
            accounts.append(MigratedAccount(address, acceptor_balance=take(16)))
            continue
        lots = [(take(2), take(6)) for _ in range(n)]
        lifetime, current, last, epoch, tier = take(6), take(4), take(4), take(2), take(1)
        pending = [MigratedPending(take(6), take(2), take(6), "0x" + take(20).to_bytes(20, "big").hex(),
                                   take(32).to_bytes(32, "big")) for _ in range(take(1))]
        accounts.append(MigratedAccount(address, lots, lifetime, current, last, epoch, tier, pending))
    return accounts
