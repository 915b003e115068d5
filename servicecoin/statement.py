"""Account statements, expiry reminders and the follow-up queue, answered from the index.

A statement is what a customer (or the help desk for them) wants to see: live balance (checked
against the chain), tier and progress to the next, lots with their expiry, what expires soon, and
the history of every credit, spend, redemption, transfer, wallet recovery and expiry, plus tickets
and feedback. A wallet recovery is one entry in both addresses' histories ("recovered to" on the
lost wallet's, "recovered from" on the new one's), not a transfer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from servicecoin.errors import ConfigError
from servicecoin.index import ledger
from servicecoin.index.db import Database
from servicecoin.index.events import ZERO
from servicecoin.index.ledger import DAY, NOT_RECOVERY, OUTCOMES, REASONS, RECORD_KINDS, norm
from servicecoin.reports.dates import days_left, iso
from servicecoin.reports.ids import redemption_ref

DEFAULT_TIER_NAMES = ["Member", "Silver", "Gold", "Platinum"]
HISTORY_PAGE = 100  # movements per statement page (svc statement --limit)


def parse_window(text: str, where: str = "--within") -> int:
    """'30d', '12h', '2w', '90m' or plain seconds → seconds."""
    m = re.fullmatch(r"\s*(\d+)\s*([smhdw]?)\s*", str(text))
    if not m:
        raise ConfigError(f"{where}: '{text}' is not a duration (like 30d, 12h, 2w)")
    scale = {"": 1, "s": 1, "m": 60, "h": 3600, "d": DAY, "w": 7 * DAY}[m.group(2)]
    return int(m.group(1)) * scale


@dataclass
class ChainView:
    """What a statement checks against the chain (None when no node is asked)."""

    balance: int
    tier: int
    lifetime: int
    now: int
    progress: tuple[int, int, int, int] | None = None  # rolling tiers: tierProgress (tier, toKeep, toNext), review


def chain_view(chain, db: Database, account: str) -> ChainView:
    """The token's own answers for `account` at the index's last block (same block, same time)."""
    from web3 import Web3

    token = chain.contract("RewardToken", db.meta("token"))
    addr = Web3.to_checksum_address(norm(account))
    at = int(db.meta("cursor"))
    block = chain.w3.eth.get_block(at)
    return ChainView(token.functions.balanceOf(addr).call(block_identifier=at),
                     token.functions.tierOf(addr).call(block_identifier=at),
                     token.functions.lifetimeEarned(addr).call(block_identifier=at),
                     int(block["timestamp"]), _progress(token, addr, at))


def _progress(token, address: str, at: int) -> tuple[int, int, int, int] | None:
    """tierProgress and nextTierReview at block `at` (None for an old-layout token, which has neither)."""
    from web3.exceptions import ContractLogicError, Web3Exception

    try:
        tier, to_keep, to_next = token.functions.tierProgress(address).call(block_identifier=at)
        return tier, to_keep, to_next, token.functions.nextTierReview(address).call(block_identifier=at)
    except (ContractLogicError, Web3Exception, ValueError, AttributeError):
        return None


def ahead(db: Database, account: str, now: int, on_chain: ChainView | None, names: list[str]) -> dict:
    """Issue 14's statement rows: pending credits with their release dates, and (from the chain's views)
    what keeps the tier at the next review."""
    from servicecoin.reports.outlook import pending_view, tier_outlook

    out = {"pending": pending_view(db, account, now), "tier_outlook": None}
    if on_chain is not None and on_chain.progress is not None:
        out["tier_outlook"] = tier_outlook(*on_chain.progress, names)
    return out


def statement(db: Database, address: str, now: int | None = None, on_chain: ChainView | None = None,
              tier_names: list[str] | None = None, soon_seconds: int = 30 * DAY, limit: int | None = HISTORY_PAGE,
              before: tuple[int, int] | None = None) -> dict:
    """The statement of `address` at time `now` (the chain's time when `on_chain` is given).

    `history` is one page: the newest `limit` movements before position `before` (block, log index),
    oldest first; `history_page` says whether older ones remain and where the next page starts.
    `limit=None` gives the whole history. Totals always cover the whole history."""
    account = norm(address)
    now = on_chain.now if on_chain else (now if now is not None else ledger.indexed_now(db))
    names = tier_names or DEFAULT_TIER_NAMES
    lots = ledger.lots(db, account, now)
    plain = ledger.plain_balance(db, account)
    balance = plain + sum(l["amount"] for l in lots)
    thresholds, multipliers = ledger.tier_table(db)
    earned = ledger.lifetime(db, account, now)
    tier = ledger.tier_for(earned, thresholds)
    rolling = ledger.tier_policy(db)[0] == 1
    if rolling:  # the tier follows recent points: the token's answer (or its last stored one, offline)
        tier = on_chain.tier if on_chain else ledger.stored_tier(db, account)
    nxt = None
    if tier + 1 < len(thresholds) and not rolling:  # rolling: tier_outlook says what reaches the next one
        nxt = {"tier": tier + 1, "name": _name(names, tier + 1), "threshold": thresholds[tier + 1],
               "needed": thresholds[tier + 1] - earned,
               "progress": round(earned / thresholds[tier + 1], 4) if thresholds[tier + 1] else 1.0}
    soon = sum(l["amount"] for l in lots if l["expires_at"] <= now + soon_seconds)
    for lot in lots:
        lot["expires"] = iso(lot["expires_at"])

    history, more = _history(db, account, limit, before)
    next_before = f"{history[0]['block']}:{history[0]['log_index']}" if more else None
    if before is None:  # the newest page: points past their expiry that no sweep removed yet
        _add_unswept(history, ledger.expired_unswept(db, account, now), more)
    tickets = _tickets(db, account)
    data = {
        "address": account,
        "as_of": now,
        "as_of_text": iso(now),
        "indexed_block": int(db.meta("cursor", "0")),
        "balance": balance,
        "acceptor_balance": plain,
        "tier": tier,
        "tier_name": _name(names, tier),
        "multiplier_bps": multipliers[tier] if tier < len(multipliers) else 10_000,
        "lifetime_earned": earned,
        "next_tier": nxt,
        "lots": lots,
        "expiring_soon": {"within_days": soon_seconds // DAY, "amount": soon,
                          "first_expiry": iso(lots[0]["expires_at"]) if lots else None},
        "totals": _totals(db, account),
        "history": history,
        "history_page": {"limit": limit, "before": f"{before[0]}:{before[1]}" if before else None, "more": more,
                         "next_before": next_before},
        "tickets": tickets,
        **ahead(db, account, now, on_chain, names),
    }
    if on_chain is not None:
        data["chain"] = {"balance": on_chain.balance, "tier": on_chain.tier, "lifetime_earned": on_chain.lifetime,
                         "matches": on_chain.balance == balance and on_chain.tier == tier and on_chain.lifetime == earned}
    return data


def _name(names: list[str], tier: int) -> str:
    return names[tier] if tier < len(names) else f"tier {tier}"


def parse_position(text: str | None, where: str = "--before") -> tuple[int, int] | None:
    """'BLOCK:LOGINDEX' (or 'BLOCK') → (block, log_index): a position in the chain's event order."""
    if text is None or str(text).strip() == "":
        return None
    m = re.fullmatch(r"\s*(\d+)\s*(?::\s*(\d+)\s*)?", str(text))
    if not m:
        raise ConfigError(f"{where}: '{text}' is not a position (BLOCK:LOGINDEX, like 1200:3)")
    return int(m.group(1)), int(m.group(2)) if m.group(2) is not None else 0


def _history(db: Database, account: str, limit: int | None = None,
             before: tuple[int, int] | None = None) -> tuple[list[dict], bool]:
    """The account's movements before `before` (default: all), the newest `limit` of them, oldest
    first; and whether older ones remain. Each table is read newest first, up to limit + 1 rows."""
    cut, params = "", ()
    if before is not None:
        cut, params = " AND (block < ? OR (block = ? AND log_index < ?))", (before[0], before[0], before[1])
    tail = " ORDER BY block DESC, log_index DESC" + (f" LIMIT {int(limit) + 1}" if limit is not None else "")
    items: list[tuple] = []
    for block, li, tx, ts, issuer, reason, amount, base, ref, batch, epoch in db.query(
            "SELECT block, log_index, tx_hash, ts, issuer, reason, amount, base_amount, ref, batch_id, epoch "
            "FROM credits WHERE account = ?" + cut + tail, (account, *params)):
        items.append((block, li, {"kind": "credit", "ts": ts, "amount": amount, "reason": REASONS[reason],
                                  "ref": ref, "issuer": issuer, "batch": batch, "base_amount": base, "tx": tx}))
    redemptions = _redemptions_by_tx(db, account)
    moves = db.query("SELECT block, log_index, tx_hash, ts, sender, recipient, amount FROM transfers "
                     f"WHERE sender = ? AND {NOT_RECOVERY}" + cut + tail, (account, *params))
    moves += db.query("SELECT block, log_index, tx_hash, ts, sender, recipient, amount FROM transfers "
                      f"WHERE recipient = ? AND sender <> ? AND sender <> ? AND {NOT_RECOVERY}" + cut + tail,
                      (account, ZERO, account, *params))
    for block, li, tx, ts, sender, recipient, amount in moves:
        if recipient == ZERO:
            entry = {"kind": "spend", "ts": ts, "amount": -amount, "tx": tx}
            entry.update(redemptions.get(tx, {}))
        elif sender == account:
            entry = {"kind": "transfer out", "ts": ts, "amount": -amount, "to": recipient, "tx": tx}
        else:
            entry = {"kind": "transfer in", "ts": ts, "amount": amount, "from": sender, "tx": tx}
        items.append((block, li, entry))
    for side in ("sender", "recipient"):
        for block, li, tx, ts, sender, recipient, amount, earned, lots in db.query(
                "SELECT block, log_index, tx_hash, ts, sender, recipient, amount, lifetime, lots FROM recoveries "
                f"WHERE {side} = ?" + cut + tail, (account, *params)):
            out_ = side == "sender"
            items.append((block, li, {"kind": "recovered to" if out_ else "recovered from", "ts": ts,
                                      "amount": -amount if out_ else amount, "lifetime": earned,
                                      "lots": [{"epoch": e, "amount": n} for e, n in json.loads(lots)],
                                      ("to" if out_ else "from"): recipient if out_ else sender, "tx": tx}))
    for block, li, tx, ts, epoch, amount in db.query(
            "SELECT block, log_index, tx_hash, ts, epoch, amount FROM expirations WHERE account = ?" + cut + tail,
            (account, *params)):
        items.append((block, li, {"kind": "expired", "ts": ts, "amount": -amount, "epoch": epoch, "tx": tx}))
    items.sort(key=lambda x: (x[0], x[1]), reverse=True)
    more = limit is not None and len(items) > limit
    if limit is not None:
        items = items[:limit]
    out = []
    for block, li, entry in reversed(items):
        entry["block"] = block
        entry["log_index"] = li
        entry["date"] = iso(entry["ts"])
        out.append(entry)
    return out, more


def _add_unswept(history: list[dict], expired: list[dict], more: bool) -> None:
    """Put a row for each expired, not yet swept lot into `history` (oldest first) at its expiry time. It has no
    transaction or block: the chain still lists the lot, but the balance no longer counts it. With older pages
    left, a row older than this page's first movement belongs to an older page and is left out here."""
    for lot in expired:
        row = {"kind": "expired", "unswept": True, "ts": lot["expires_at"], "amount": -lot["amount"],
               "epoch": lot["epoch"], "tx": None, "block": None, "log_index": None, "date": iso(lot["expires_at"])}
        if more and history and lot["expires_at"] < history[0]["ts"]:
            continue
        at = next((i for i, h in enumerate(history) if h["ts"] > lot["expires_at"]), len(history))
        history.insert(at, row)


def _redemptions_by_tx(db: Database, account: str) -> dict[str, dict]:
    """What a spend bought, when the vault recorded it (tx hash → item, status)."""
    from servicecoin.index.vault import discounts_of, redemptions_of

    found: dict[str, dict] = discounts_of(db, account)
    for r in redemptions_of(db, account):
        found[r["tx"]] = {"redemption": redemption_ref(r["id"]), "item": r["item"], "item_name": r["item_name"],
                          "item_kind": r["kind"], "status": r["status"]}
    return found


def _totals(db: Database, account: str) -> dict:
    """The account's totals over its whole history: its newest running totals row (no re-sum). A wallet
    recovery's Transfer is counted there as a transfer; it is shown as recovered in and out instead."""
    names = ("credited", "spent", "expired", "transferred_in", "transferred_out")
    row = db.query(f"SELECT {', '.join(names)} FROM account_totals WHERE account = ? ORDER BY block DESC LIMIT 1",
                   (account,))
    totals = dict(zip(names, (int(v) for v in row[0]))) if row else dict.fromkeys(names, 0)
    totals["recovered_in"] = int(db.scalar("SELECT SUM(amount) FROM recoveries WHERE recipient = ?", (account,), 0))
    totals["recovered_out"] = int(db.scalar("SELECT SUM(amount) FROM recoveries WHERE sender = ?", (account,), 0))
    totals["transferred_in"] -= totals["recovered_in"]
    totals["transferred_out"] -= totals["recovered_out"]
    return totals


def _tickets(db: Database, account: str) -> list[dict]:
    """The customer's tickets with their records (kinds, ratings, follow-up outcomes)."""
    tickets: dict[str, dict] = {}
    for seq, kind, ticket, detail, ref, ts in db.query(
            "SELECT seq, kind, ticket, detail, ref, record_ts FROM service_records WHERE customer = ? ORDER BY seq",
            (account,)):
        t = tickets.setdefault(ticket, {"ticket": ticket, "opened": None, "status": "open", "records": [],
                                        "rating": None, "complaint": False, "follow_ups": []})
        rec = {"seq": seq, "kind": RECORD_KINDS[kind], "date": iso(ts)}
        if kind == 0:
            t["opened"] = iso(ts)
        elif kind == 2:
            t["status"] = "resolved"
            t["resolved"] = iso(ts)
        elif kind == 3:
            rec["outcome"] = OUTCOMES[detail] if detail < len(OUTCOMES) else str(detail)
            t["follow_ups"].append(rec["outcome"])
        elif kind == 4:
            t["complaint"] = True
        elif kind == 5:
            rec["rating"] = detail
            t["rating"] = detail
        elif kind == 6:
            rec["amends"] = ref
        t["records"].append(rec)
    for seq, ticket, due, paid in db.query(
            "SELECT seq, ticket, due, paid FROM service_rewards WHERE customer = ? ORDER BY seq", (account,)):
        if ticket in tickets:
            tickets[ticket].setdefault("rewards", []).append({"seq": seq, "due": due, "paid": paid})
    return list(tickets.values())


# =====================================================================================
# Reminders
# =====================================================================================

def reminders(db: Database, within_seconds: int, now: int | None = None) -> list[dict]:
    """Customers with live points expiring within the window, most urgent first (soonest expiry, then
    the most points), with the days left, for notifications."""
    now = ledger.indexed_now(db) if now is None else now
    rows = [{"address": a, "amount": amount, "first_expiry": first, "first_expiry_text": iso(first),
             "days_left": days_left(first, now)}
            for a, amount, first in ledger.expiring_within(db, now, within_seconds)]
    return sorted(rows, key=lambda r: (r["first_expiry"], -r["amount"], r["address"]))


# =====================================================================================
# Follow-up queue
# =====================================================================================

@dataclass
class FollowupPolicy:
    delay_seconds: int = 3 * DAY  # a follow-up call is due this long after resolution
    low_rating: int = 2  # feedback at or below this makes a ticket important

    @classmethod
    def from_config(cls, config: dict | None) -> "FollowupPolicy":
        section = (config or {}).get("followups", {}) or {}
        p = cls()
        if "delay" in section:
            p.delay_seconds = parse_window(section["delay"], "servicecoin.yaml followups.delay")
        if "low_rating" in section:
            p.low_rating = int(section["low_rating"])
        return p


def followups(db: Database, policy: FollowupPolicy | None = None, now: int | None = None) -> dict:
    """Due follow-ups (important tickets resolved without a follow-up call), and how calls went."""
    policy = policy or FollowupPolicy()
    now = ledger.indexed_now(db) if now is None else now
    tickets: dict[str, dict] = {}
    outcomes = {name: 0 for name in OUTCOMES}
    for seq, kind, ticket, customer, detail, ts in db.query(
            "SELECT seq, kind, ticket, customer, detail, record_ts FROM service_records ORDER BY seq"):
        t = tickets.setdefault(ticket, {"ticket": ticket, "customer": customer, "complaint": False, "rating": None,
                                        "resolved_at": None, "followed_up": False})
        if kind == 2:
            t["resolved_at"] = ts
            t["followed_up"] = False  # a reopened-and-resolved ticket needs a new call
        elif kind == 3:
            t["followed_up"] = True
            if detail < len(OUTCOMES):
                outcomes[OUTCOMES[detail]] += 1
        elif kind == 4:
            t["complaint"] = True
        elif kind == 5:
            t["rating"] = detail
    due = []
    important = 0
    covered = 0
    for t in tickets.values():
        low = t["rating"] is not None and t["rating"] <= policy.low_rating
        if not (t["complaint"] or low) or t["resolved_at"] is None:
            continue
        important += 1
        if t["followed_up"]:
            covered += 1
        elif t["resolved_at"] + policy.delay_seconds <= now:
            due.append({"ticket": t["ticket"], "customer": t["customer"],
                        "why": "complaint" if t["complaint"] else f"rating {t['rating']}",
                        "resolved_at": t["resolved_at"], "resolved": iso(t["resolved_at"]),
                        "overdue_days": round((now - t["resolved_at"] - policy.delay_seconds) / DAY, 1)})
    due.sort(key=lambda d: (d["resolved_at"], d["ticket"]))
    answered = outcomes["satisfied"] + outcomes["unsatisfied"]
    return {
        "as_of": now,
        "block": int(db.meta("cursor", "0")),
        "delay_days": policy.delay_seconds / DAY,
        "low_rating": policy.low_rating,
        "due": due,
        "important_resolved": important,
        "followed_up": covered,
        "coverage": round(covered / important, 4) if important else None,
        "outcomes": outcomes,
        "satisfaction_rate": round(outcomes["satisfied"] / answered, 4) if answered else None,
    }
