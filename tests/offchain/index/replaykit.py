"""Decoded RewardToken logs replayed into a real index database as the indexer does (no node): for tests of
the replay rules and of what is answered from them."""

import pytest

from servicecoin.index import open_db
from servicecoin.index import replay_v2  # noqa: F401  (registers the handlers)
from servicecoin.index.events import ZERO, Log
from servicecoin.index.replay import Replay
from servicecoin.index.token_inputs import attach_token_inputs

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
        attach_token_inputs(None, logs, "")  # no node: what a transaction's own logs say (cancel burns)
        replay = Replay.for_range(self.db, 0, LENGTH, VALIDITY)
        replay.apply(logs)
        with self.db.transaction():
            replay.write()
            self.db.set_meta("cursor", self.block)
            self.db.set_meta("cursor_ts", ts)


def mint(to: str, amount: int, ref: str = REF, reason: int = 0) -> list[tuple[str, dict]]:
    """A single credit: its mint Transfer and its Issued (pending when `reason` is in the pending policy)."""
    return [("Transfer", {"from": ZERO, "to": to, "value": amount}),
            ("Issued", {"to": to, "issuer": ISSUER, "reason": reason, "amount": amount, "baseAmount": amount, "ref": ref})]


def cancel(to: str, amount: int, ref: str = REF) -> list[tuple[str, dict]]:
    """An issuer's cancel of a pending credit: the burn, then PendingCancelled."""
    return [("Transfer", {"from": to, "to": ZERO, "value": amount}),
            ("PendingCancelled", {"issuer": ISSUER, "key": ref, "recipient": to, "amount": amount})]


PENDING_PURCHASES = ("PendingPolicySet", {"reasonMask": 1, "window": 50})  # purchases wait 50 s
SURVEY = 2
