"""Decoded RewardToken logs replayed into a real index database as the indexer does (no node): for tests of
the replay rules and of what is answered from them."""

import pytest

from servicecoin.index import open_db
from servicecoin.index import replay_v2  # noqa: F401  (registers the handlers)
from servicecoin.index.events import ZERO, Log
from servicecoin.index.replay import Replay

A, ISSUER = "0x" + "aa" * 20, "0x" + "11" * 20
REF = "0x" + "01" * 32
LENGTH, VALIDITY = 100, 2  # epochs of 100 s, points live two epochs


@pytest.fixture
def db(tmp_path):
    """An index database of a token with genesis 0, epochs of LENGTH s and VALIDITY epochs."""
    d = open_db(str(tmp_path / "index.sqlite"), "development")
    with d.transaction():
        for key, value in (("genesis", 0), ("epoch_length", LENGTH), ("validity", VALIDITY), ("cursor", 0),
                           ("token", "0x" + "22" * 20)):
            d.set_meta(key, value)
    yield d
    d.close()


class Chain:
    """Logs in chain order, each range replayed and written as the indexer does."""

    def __init__(self, db):
        self.db, self.block = db, 0

    def tx(self, ts: int, *events: tuple[str, dict]) -> None:
        self.block += 1
        logs = [Log(self.block, i, f"0x{self.block:064x}", ts, "RewardToken", name, args)
                for i, (name, args) in enumerate(events)]
        replay = Replay.for_range(self.db, 0, LENGTH, VALIDITY)
        replay.apply(logs)
        with self.db.transaction():
            replay.write()
            self.db.set_meta("cursor", self.block)
            self.db.set_meta("cursor_ts", ts)


def mint(to: str, amount: int, ref: str = REF) -> list[tuple[str, dict]]:
    return [("Transfer", {"from": ZERO, "to": to, "value": amount}),
            ("Issued", {"to": to, "issuer": ISSUER, "reason": 0, "amount": amount, "baseAmount": amount, "ref": ref})]


def pending_credit(to: str, amount: int, ref: str = REF) -> tuple[str, dict]:
    return "Issued", {"to": to, "issuer": ISSUER, "reason": 0, "amount": amount, "baseAmount": amount, "ref": ref}
