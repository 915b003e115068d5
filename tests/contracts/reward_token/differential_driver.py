"""The driver of the differential fuzz (test_differential.py): sends each operation to RewardToken and
applies it to the model (tokenmodel.py), asserting the token refuses exactly what the model refuses, and
compares every view the model predicts, read in one JSON-RPC batch."""

import itertools
from collections import Counter

import brownie
import requests
from brownie import chain, web3
from eth_abi import decode

from tests.tokenkit import batch_id

EDGE = 30  # seconds kept between a block and a pending credit's release
ZERO = "0x" + "00" * 20
_ids = itertools.count()


# ---------------------------------------------------------------------------- views in one batch
def read_views(calls):
    """eth_call every (contract method, args, output types) at the latest block in one JSON-RPC batch."""
    payload = [{"jsonrpc": "2.0", "id": i, "method": "eth_call",
                "params": [{"to": fn._address, "data": fn.encode_input(*args)}, "latest"]}
               for i, (fn, args, _) in enumerate(calls)]
    answers = sorted(requests.post(web3.provider.endpoint_uri, json=payload, timeout=60).json(), key=lambda a: a["id"])
    out = []
    for (fn, _, types), answer in zip(calls, answers):
        assert "error" not in answer, (fn._name, answer)
        out.append(decode(types, bytes.fromhex(answer["result"][2:])))
    return out


# ---------------------------------------------------------------------------- the driver
class Driver:
    """Sends one operation to the token and applies it to the model; asserts the token refuses
    exactly what the model refuses."""

    def __init__(self, token, model, issuer, spender, admin, burner):
        self.token, self.model = token, model
        self.issuer, self.spender, self.admin, self.burner = issuer, spender, admin, burner
        self.recoveries = Counter()  # accepted recovery operations (printed)
        self.pendings = Counter()  # pending credits made and cancels (printed)
        self.tiers = Counter()  # tier moves seen between two comparisons, and tiers held by a floor (printed)
        self._last_tier = {}

    def _latest(self):
        return web3.eth.get_block("latest").timestamp

    def _clear_of_releases(self):
        """Keep the coming block away from every pending credit's release time."""
        now = self._latest()
        if any(abs(x.release - now) < EDGE for xs in self.model.entries.values() for x in xs):
            self.sleep(2 * EDGE)

    def _op(self, apply, fn, *args):
        """Apply to the model at the epoch and time of the coming block, then send: the token must
        accept exactly what the model accepts (`sleep` keeps blocks away from epoch boundaries, and
        `_clear_of_releases` from release times, so a few seconds' guess of the time is safe)."""
        self._clear_of_releases()
        now = self._latest() + 1
        cur = self.model.epoch_at(now)
        self.model.vest(now)
        if not apply(cur, now):
            with brownie.reverts():
                fn(*args)
            return
        tx = fn(*args)
        assert self.model.epoch_at(tx.timestamp) == cur
        entries = [x for xs in self.model.entries.values() for x in xs]
        assert not any(x.release is not None and now - EDGE < x.release <= tx.timestamp for x in entries)
        self.pendings["made"] += sum(1 for x in entries if x.release is None)
        self.model.stamp(tx.timestamp + self.model.window)

    def issue(self, to, amount, reason):
        ref = batch_id(f"ref-{next(_ids)}")
        self._op(lambda cur, now: self.model.issue(to.address, amount, reason, cur, ref, now) is not None,
                 self.token.issue, to, amount, reason, ref, {"from": self.issuer})
        return ref

    def issue_batch(self, recipients, amounts, reason):
        bid = batch_id(f"differential-{next(_ids)}")
        self._op(lambda cur, now: self.model.issue_batch([r.address for r in recipients], amounts, reason, cur,
                                                         bid, now) is not None,
                 self.token.issueBatch, bid, recipients, amounts, reason, {"from": self.issuer})
        return bid

    def transfer(self, sender, to, amount):
        self._op(lambda cur, now: self.model.transfer(sender.address, to.address, amount, cur, now),
                 self.token.transfer, to, amount, {"from": sender})

    def burn(self, who, amount):
        self._op(lambda cur, now: self.model.burn(who.address, amount, cur, now),
                 self.token.burn, amount, {"from": who})

    def spend(self, who, amount):
        self._op(lambda cur, now: self.model.spend(who.address, amount, cur, now),
                 self.token.spend, who, amount, {"from": self.spender})

    def burn_from(self, who, allowance, amount):
        self.token.approve(self.burner, allowance, {"from": who})
        self.model.approve(who.address, self.burner.address, allowance)
        self._op(lambda cur, now: self.model.burn_from(self.burner.address, who.address, amount, cur, now),
                 self.token.burnFrom, who, amount, {"from": self.burner})

    def cancel_pending(self, key, recipient, by):
        """The issuer (or `by`, who made nothing) cancels the pending credit under `key` to `recipient`."""
        done = []

        def apply(cur, now):
            if by == self.issuer:
                done.append(self.model.cancel_pending(key, recipient.address, now, cur))
            return bool(done and done[0])

        self._op(apply, self.token.cancelPending, key, recipient, {"from": by})
        self.pendings["cancelled" if done and done[0] else "refused cancels"] += 1

    def start_recovery(self, old, new):
        cur = self.model.epoch_at(self._latest())
        if self.model.recoverable(old.address, cur) is None:
            return  # touched but holding nothing live: whether the token kept a trace decides
        if not self.model.start_recovery(old.address, new.address, cur):
            with brownie.reverts():
                self.token.startRecovery(old, new, {"from": self.admin})
            return
        tx = self.token.startRecovery(old, new, {"from": self.admin})
        self.recoveries["started"] += 1
        self.model.pending[old.address] = (new.address, tx.timestamp + self.model.recovery_delay)

    def cancel_recovery(self, old, by):
        if not self.model.cancel_recovery(old.address, by.address, {self.admin.address}):
            with brownie.reverts():
                self.token.cancelRecovery(old, {"from": by})
            return
        self.token.cancelRecovery(old, {"from": by})
        self.recoveries["cancelled"] += 1

    def complete_recovery(self, old):
        ready_at = self.model.recovery_of(old.address)[1]
        if abs(ready_at - self._latest()) < 10:
            self.sleep(20)  # away from the ready time, where the next block's time is a guess
        done = []
        self._op(lambda cur, now: done.append(self.model.complete_recovery(old.address, now, cur)) or done[0] is not None,
                 self.token.completeRecovery, old, {"from": self.burner})
        self.recoveries["completed" if done and done[0] is not None else "refused completions"] += 1

    def set_transfers_open(self, open_):
        self.token.setTransfersOpen(open_, {"from": self.admin})
        self.model.transfers_open = open_

    def to_period(self, k):
        """Let time pass to ten minutes into the k-th qualification period from the current one."""
        m = self.model
        start = m.genesis + (m.rules.period_of(m.epoch_at(self._latest())) + k) * m.rules.period * m.epoch_length
        self.sleep(start + 600 - self._latest())

    def sleep(self, seconds):
        """Let time pass, never ending within five minutes of an epoch boundary."""
        chain.sleep(int(seconds))
        chain.mine()
        left = self.model.epoch_length - (web3.eth.get_block("latest").timestamp - self.model.genesis) % self.model.epoch_length
        if left < 300:
            chain.sleep(left + 1)
            chain.mine()

    # ------------------------------------------------------------------ comparison
    def forget_tiers(self):
        """A new run from the snapshot: tier moves count from there."""
        self._last_tier = {}

    def _count_tier(self, who, tier, cur):
        was = self._last_tier.get(who, 0)
        self.tiers["up" if tier > was else "down" if tier < was else "same"] += 1
        self._last_tier[who] = tier
        q = self.model.qual.get(who)
        if q and self.model.rules.mode and tier > self.model.rules.tier_for(q.points.get(self.model.rules.period_of(cur), 0)):
            self.tiers["held by the floor"] += 1

    def compare(self, actors):
        t, m = self.token, self.model
        v = m.validity
        now = self._latest()
        cur = m.epoch_at(now)
        m.vest(now)
        # Every epoch boundary at which a live lot can expire, each side of it, and far ahead.
        edges = [m.expiry_of(e) + d for e in range(max(0, cur - v + 1), cur + 1) for d in (-1, 0)]
        edges += [now, 2**64]
        u = ["uint256"]
        calls = [(t.currentEpoch, (), u), (t.totalSupply, (), u), (t.totalIssued, (), u), (t.totalExpired, (), u),
                 (t.totalBurned, (), u), (t.totalPending, (), u), (t.totalCancelled, (), u), (t.totalMigrated, (), u),
                 (t.issuerBudget, (self.issuer,), ["uint256", "uint256", "uint256"])]
        for a in actors:
            calls += [(t.balanceOf, (a,), u), (t.lotsOf, (a,), ["(uint256,uint256,uint256)[]"]),
                      (t.lifetimeEarned, (a,), u), (t.tierOf, (a,), ["uint8"]),
                      (t.qualifyingPoints, (a,), ["uint256", "uint256"]), (t.nextTierReview, (a,), u),
                      (t.tierProgress, (a,), ["uint8", "uint256", "uint256"]),
                      (t.pendingOf, (a,), ["uint256[]", "uint256[]"]), (t.recoveryOf, (a,), ["address", "uint256"])]
            calls += [(t.expiringBefore, (a, edge), u) for edge in edges]
        got = iter(read_views(calls))
        assert next(got)[0] == cur, "currentEpoch"
        supply, issued, expired, burned, pending, cancelled, migrated = (next(got)[0] for _ in range(7))
        assert (supply, issued, expired, burned) == (m.total_supply(cur, now), m.issued, m.total_expired(cur), m.burned)
        assert (pending, cancelled, migrated) == (m.total_pending(cur, now), m.cancelled, 0)
        assert issued == supply + pending + expired + burned + cancelled, "supply identity"
        assert next(got)[1] == m.budget_used(), "issuer budget used"
        for a in actors:
            who = a.address
            assert next(got)[0] == m.balance_of(who, cur, now), f"balanceOf {who}"
            assert [tuple(lot) for lot in next(got)[0]] == m.lots_of(who, cur, now), f"lotsOf {who}"
            assert next(got)[0] == m.lifetime_of(who), f"lifetimeEarned {who}"
            tier = next(got)[0]
            assert tier == m.tier_of(who, cur)[0], f"tierOf {who}"
            self._count_tier(who, tier, cur)
            assert next(got) == m.qualifying_points(who, cur), f"qualifyingPoints {who}"
            assert next(got)[0] == m.next_tier_review(cur), f"nextTierReview {who}"
            assert next(got) == m.tier_progress(who, cur), f"tierProgress {who}"
            amounts, releases = next(got)
            assert list(releases) == sorted(releases), f"pendingOf {who}: oldest first"
            assert sorted(zip(releases, amounts)) == m.pending_of(who, cur, now), f"pendingOf {who}"
            to, ready_at = next(got)
            want_to, want_ready = m.recovery_of(who)
            assert (to.lower(), ready_at) == ((want_to or ZERO).lower(), want_ready), f"recoveryOf {who}"
            for edge in edges:
                assert next(got)[0] == m.expiring_before(who, edge, cur, now), f"expiringBefore {who} {edge}"
