"""One account's state as a migration carries it from the old token to the new one.

Everything `migrateAccounts` takes per account (issue 14): the live lots with their epochs, lifetime
earned, the qualifying points of the current and the last period, the tier, and the pending credits
(amount, release time, issuer, key). An old-layout token has no qualifying points and no pending
credits: they are zero and empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PendingLot:
    amount: int
    epoch: int  # the epoch it was earned in (its expiry runs from there)
    release: int  # unix time the credit becomes spendable
    issuer: str
    key: str  # 0x + 64 hex: the credit's ref or batch id (what cancelPending takes)


@dataclass(frozen=True)
class AccountState:
    address: str  # checksummed
    lots: tuple[tuple[int, int], ...]  # (epoch, amount), oldest first
    lifetime: int
    tier: int
    qualifying: tuple[int, int] = (0, 0)  # (current period, last period), raw units
    pending: tuple[PendingLot, ...] = field(default_factory=tuple)
    touched: int = 0  # the epoch the qualifying points are counted as of (the snapshot's epoch)
    acceptor_balance: int | None = None  # an acceptor (merchant): its plain balance, and nothing else

    @property
    def balance(self) -> int:
        if self.acceptor_balance is not None:
            return self.acceptor_balance
        return sum(amount for _, amount in self.lots)

    @property
    def pending_total(self) -> int:
        return sum(p.amount for p in self.pending)

    @property
    def empty(self) -> bool:
        """Nothing to carry: no points, no pending credit, no lifetime (so no tier) and no qualification."""
        return self.acceptor_balance is None and not (self.lots or self.pending or self.lifetime
                                                      or any(self.qualifying) or self.tier)

    def to_json(self) -> dict:
        return {"address": self.address, "lots": [list(l) for l in self.lots], "lifetime": self.lifetime,
                "tier": self.tier, "qualifying": list(self.qualifying),
                "pending": [[p.amount, p.epoch, p.release, p.issuer, p.key] for p in self.pending], "touched": self.touched,
                "acceptor_balance": self.acceptor_balance}

    @classmethod
    def from_json(cls, d: dict) -> "AccountState":
        return cls(d["address"], tuple((int(e), int(a)) for e, a in d["lots"]), int(d["lifetime"]), int(d["tier"]),
                   (int(d["qualifying"][0]), int(d["qualifying"][1])),
                   tuple(PendingLot(int(a), int(e), int(r), i, k) for a, e, r, i, k in d["pending"]), int(d.get("touched", 0)),
                   None if d.get("acceptor_balance") is None else int(d["acceptor_balance"]))

    def shifted(self, epochs: int) -> "AccountState":
        """The same state with lot epochs moved by `epochs` (a new token whose genesis is earlier by a whole
        number of epochs numbers the same expiry date higher)."""
        if not epochs or self.acceptor_balance is not None:
            return self
        pending = tuple(PendingLot(p.amount, p.epoch + epochs, p.release, p.issuer, p.key) for p in self.pending)
        return AccountState(self.address, tuple((e + epochs, a) for e, a in self.lots), self.lifetime, self.tier,
                            self.qualifying, pending, self.touched + epochs)
