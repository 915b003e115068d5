"""Where redeemed points came from: each customer's points replayed oldest lot first, so every point a
customer spends or pays to a merchant is traced to the credit (issuer, campaign batch) it was earned by.

The token spends the oldest epoch first; within an epoch this replay takes the oldest credit first (the
token does not tell credits of one epoch apart, so that order is a convention). Points moved between
customers keep their provenance; expiry removes the oldest credits of the expired epoch."""

from __future__ import annotations

from collections import defaultdict, deque

from servicecoin.index import ledger
from servicecoin.index.db import Database
from servicecoin.index.events import ZERO

NO_CAMPAIGN = "(no campaign)"


def redemptions_by_source(db: Database) -> dict:
    """Points customers redeemed (burned, or paid to a merchant or the vault), by issuer and by campaign."""
    accepting = ledger.acceptors(db)
    ep = ledger.Epochs.of(db)
    events = [((b, i), "credit", (a, iss, batch or NO_CAMPAIGN, amt, ep)) for b, i, a, iss, batch, amt, ep in db.query(
        "SELECT block, log_index, account, issuer, batch_id, amount, epoch FROM credits")]
    events += [((b, i), "move", (s, r, amt, ts)) for b, i, s, r, amt, ts in db.query(
        "SELECT block, log_index, sender, recipient, amount, ts FROM transfers WHERE sender <> ?", (ZERO,))]
    events += [((b, i), "expire", (a, ep, amt)) for b, i, a, ep, amt in db.query(
        "SELECT block, log_index, account, epoch, amount FROM expirations")]
    events.sort(key=lambda e: (e[0], e[1] != "credit"))
    lots: dict[str, dict[int, deque]] = defaultdict(lambda: defaultdict(deque))  # account → epoch → [source, amount]
    by_issuer: dict[str, int] = defaultdict(int)
    by_campaign: dict[str, int] = defaultdict(int)

    def take(account: str, amount: int, epoch: int | None = None) -> list[tuple[int, tuple, int]]:
        out = []
        for e in sorted(lots[account]) if epoch is None else [epoch]:
            q = lots[account][e]
            while amount and q:
                src = q[0]
                n = min(amount, src[2])
                out.append((e, src[:2], n))
                amount -= n
                src[2] -= n
                if not src[2]:
                    q.popleft()
            if not amount:
                break
        return out

    for _, kind, data in events:
        if kind == "credit":
            account, issuer, batch, amount, epoch = data
            if account not in accepting:
                lots[account][epoch].append([issuer, batch, amount])
        elif kind == "expire":  # the oldest lots: one epoch (old layout), or a sweep of epochs from `epoch` on
            account, epoch, amount = data
            take(account, amount)
        else:
            sender, recipient, amount, ts = data
            if sender in accepting:  # a merchant paying points out starts a new lot: its own issue
                if recipient != ZERO and recipient not in accepting:
                    lots[recipient][ep.epoch_at(ts)].append([sender, NO_CAMPAIGN, amount])
                continue
            moved = take(sender, amount)
            if recipient != ZERO and recipient not in accepting:
                for epoch, src, n in moved:
                    lots[recipient][epoch].append([*src, n])
                continue
            for _, (issuer, batch), n in moved:
                by_issuer[issuer] += n
                by_campaign[batch] += n
    return {"by_issuer": dict(sorted(by_issuer.items(), key=lambda x: (-x[1], x[0]))),
            "by_campaign": dict(sorted(by_campaign.items(), key=lambda x: (-x[1], x[0])))}
