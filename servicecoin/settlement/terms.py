"""The clearing terms in force at any time, from the Settlement contract's `TermsAnnounced` events.

The contract's rule, replayed: the deployment's terms apply at once; an announcement applies from its
`effectiveAt`, and an announcement made before a pending one applied replaces it."""

from __future__ import annotations

import json
from bisect import bisect_right

from servicecoin.errors import ConfigError
from servicecoin.index.db import Database
from servicecoin.money import Terms


class TermsHistory:
    def __init__(self, schedule: list[tuple[int, Terms]]):
        self.schedule = schedule
        self._times = [t for t, _ in schedule]

    @classmethod
    def of(cls, db: Database) -> "TermsHistory":
        address = db.meta("contract.Settlement")
        if not address:
            raise ConfigError("the index holds no Settlement contract: deploy it ('svc deploy') and run 'svc index'")
        schedule: list[tuple[int, Terms]] = []
        for ts, args in db.query("SELECT ts, args FROM events WHERE contract = 'Settlement' AND name = 'TermsAnnounced' "
                                 "ORDER BY block, log_index"):
            a = json.loads(args)
            schedule = [(t, x) for t, x in schedule if t <= ts]  # a pending announcement is replaced
            schedule.append((int(a["effectiveAt"]), Terms.from_event(a["currency"], a["valuePerPoint"], a["breakage"])))
        if not schedule:
            raise ConfigError("the index holds no clearing terms yet: run 'svc index'")
        return cls(schedule)

    def at(self, ts: int) -> Terms:
        i = bisect_right(self._times, ts) - 1
        return self.schedule[max(i, 0)][1]

    def during(self, start: int, end: int) -> list[tuple[int, Terms]]:
        """The terms in force at some time of [start, end): (from, terms), the first from `start`."""
        out = [(start, self.at(start))]
        out += [(t, x) for t, x in self.schedule if start < t < end]
        return out
