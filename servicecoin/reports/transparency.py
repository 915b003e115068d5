"""The transparency report the program owner publishes: where every point came from and went.

Issued (by reason and by issuer), spent and redeemed (by item kind), refunded, expired, outstanding,
issuer budgets used — every figure from the index, reconciled against the token's own counters
read at the same block, with any difference called out.
"""

from __future__ import annotations

from decimal import Decimal

from servicecoin.index import ledger, pending
from servicecoin.index.db import Database
from servicecoin.index.events import ZERO
from servicecoin.index.ledger import REASONS
from servicecoin.index.vault import GIVEN_BACK, redemptions
from servicecoin.reports.provenance import redemptions_by_source
from servicecoin.reports.dates import utc
from servicecoin.statement import iso
from servicecoin.token import fmt


def chain_totals(chain, db: Database) -> dict:
    """The token's counters and issuer budgets at the index's last block."""
    from web3 import Web3

    token = chain.contract("RewardToken", db.meta("token"))
    at = int(db.meta("cursor"))
    f = token.functions
    out = {name: getattr(f, name)().call(block_identifier=at)
           for name in ("totalIssued", "totalSupply", "totalExpired", "totalBurned")}
    out.update(newer_totals(chain, token.address, at))
    out["budgets"] = {}
    for (issuer,) in db.query("SELECT DISTINCT issuer FROM budget_changes UNION SELECT DISTINCT issuer FROM credits"):
        allowance, used, remaining = f.issuerBudget(Web3.to_checksum_address(issuer)).call(block_identifier=at)
        out["budgets"][issuer] = {"allowance": allowance, "used": used, "remaining": remaining}
    return out


def newer_totals(chain, address: str, at: int) -> dict:
    """totalPending and totalCancelled where the token has them (an old-layout token has neither)."""
    from servicecoin.migration.snapshot import optional, reader

    f = reader(chain, address).functions
    found = {name: optional(getattr(f, name)(), at, None) for name in ("totalPending", "totalCancelled")}
    return {k: v for k, v in found.items() if v is not None}


def transparency(db: Database, on_chain: dict | None = None, names: dict[str, str] | None = None,
                 now: int | None = None) -> dict:
    now = ledger.indexed_now(db) if now is None else now
    names = names or {}
    by_reason = {REASONS[r]: int(a) for r, a in db.query("SELECT reason, SUM(amount) FROM credits GROUP BY reason ORDER BY reason")}
    by_issuer = {i: int(a) for i, a in db.query("SELECT issuer, SUM(amount) FROM credits GROUP BY issuer ORDER BY 2 DESC")}
    issued = int(db.scalar("SELECT SUM(amount) FROM transfers WHERE sender = ?", (ZERO,), 0))  # pending ones too
    still_pending, cancelled = pending.pending_total(db, now), pending.cancelled_total(db)
    burned = int(db.scalar("SELECT SUM(amount) FROM transfers WHERE recipient = ?", (ZERO,), 0))
    expired = ledger.expired_total(db, now)
    outstanding = ledger.outstanding(db, now)
    redeemed_by_kind: dict[str, int] = {}
    vault_refunds = 0
    for r in redemptions(db):
        redeemed_by_kind[r["kind"]] = redeemed_by_kind.get(r["kind"], 0) + r["points"]
        if r["status"] in GIVEN_BACK:
            vault_refunds += r["points"]
    redeemed = sum(redeemed_by_kind.values())
    given_back = {i: int(a) for i, a in db.query("SELECT issuer, SUM(amount) FROM pending_cancels GROUP BY issuer")}
    budgets = {}
    latest = {}
    for issuer, allowance in db.query("SELECT issuer, allowance FROM budget_changes ORDER BY block, log_index"):
        latest[issuer] = int(allowance)
    for issuer in sorted(set(latest) | set(by_issuer)):
        used = by_issuer.get(issuer, 0) - given_back.get(issuer, 0)  # a cancelled pending credit gives budget back
        allowance = latest.get(issuer, 0)
        budgets[issuer] = {"name": names.get(issuer), "allowance": allowance, "used": used,
                           "remaining": max(0, allowance - used),
                           "used_share": round(used / allowance, 4) if allowance else None}
    report = {
        "as_of": now,
        "as_of_utc": utc(now),
        "as_of_text": iso(now),
        "block": int(db.meta("cursor", "0")),
        "token": db.meta("token"),
        "issued": {"total": issued, "by_reason": by_reason,
                   "by_issuer": {i: {"name": names.get(i), "amount": a} for i, a in by_issuer.items()}},
        "spent": {"total": burned, "redeemed_by_item_kind": redeemed_by_kind, "redeemed": redeemed,
                  "other_burns": burned - redeemed},
        "refunded": {"credited_as_refund": by_reason.get("refund", 0), "vault_refunds": vault_refunds},
        "expired": expired,
        "outstanding": outstanding,
        "budgets": budgets,
        "liability": liability(db, outstanding["customers"], now),
        "breakage_rate": breakage_rate(db, now, expired),
        "redemptions": redemptions_by_source(db),
        "pending": {"points": still_pending, "liability": liability(db, still_pending, now), "cancelled": cancelled},
        "identity": _identity(issued, outstanding["total"], still_pending, expired, burned, cancelled),
    }
    if on_chain is not None:
        report["reconciliation"] = reconcile(report, on_chain)
    return report


def _identity(issued: int, outstanding: int, still_pending: int, expired: int, burned: int, cancelled: int) -> dict:
    """issued = outstanding + pending + expired + spent + cancelled (the token's supply identity)."""
    accounted = outstanding + still_pending + expired + burned + cancelled
    return {"issued": issued, "outstanding_plus_expired_plus_spent": accounted,
            "outstanding_plus_pending_plus_expired_plus_spent_plus_cancelled": accounted, "balanced": issued == accounted}


def liability(db: Database, customer_points: int, now: int) -> dict:
    """Customers' outstanding points, and their money value at the clearing terms in force (when the index
    holds a Settlement contract)."""
    out = {"points": customer_points, "currency": None, "value": None}
    if db.meta("contract.Settlement"):
        from servicecoin.money import plain
        from servicecoin.settlement.terms import TermsHistory

        terms = TermsHistory.of(db).at(now)
        out.update(currency=terms.currency, value=plain(terms.value(customer_points)),
                   value_per_point=plain(terms.value_per_point * 100))
    return out


def breakage_rate(db: Database, now: int, expired: int) -> dict:
    """Expired ÷ issued over the lots that have matured (whose epoch's expiry has passed); None before any has."""
    ep = ledger.Epochs.of(db)
    matured = ep.first_live(now)  # epochs below this one have expired
    accepting = ledger.acceptors(db)
    issued = sum(int(a) for acc, a in db.query("SELECT account, SUM(amount) FROM credits WHERE epoch < ? GROUP BY account",
                                               (matured,)) if acc not in accepting)
    rate = None if not issued else str((Decimal(expired) / Decimal(issued)).quantize(Decimal("0.0001")))
    return {"matured_epochs": matured, "issued_in_matured_lots": issued, "expired": expired, "rate": rate}


def reconcile(report: dict, on_chain: dict) -> dict:
    """Index figures beside the token's counters; every difference is listed."""
    pairs = {
        "issued": (report["issued"]["total"], on_chain["totalIssued"]),
        "outstanding": (report["outstanding"]["total"], on_chain["totalSupply"]),
        "expired": (report["expired"], on_chain["totalExpired"]),
        "spent": (report["spent"]["total"], on_chain["totalBurned"]),
    }
    if "totalPending" in on_chain:
        pairs["pending"] = (report["pending"]["points"], on_chain["totalPending"])
        pairs["cancelled"] = (report["pending"]["cancelled"], on_chain["totalCancelled"])
    for issuer, b in on_chain.get("budgets", {}).items():
        mine = report["budgets"].get(issuer, {"used": 0, "allowance": 0})
        pairs[f"budget used {issuer}"] = (mine["used"], b["used"])
        pairs[f"budget allowance {issuer}"] = (mine["allowance"], b["allowance"])
    rows = [{"figure": k, "index": a, "chain": b, "difference": a - b} for k, (a, b) in pairs.items()]
    differences = [r for r in rows if r["difference"]]
    return {"rows": rows, "differences": differences, "reconciled": not differences}


def _liability_text(l: dict) -> str:
    if l["value"] is None:
        return f"{fmt(l['points'])} points (no clearing terms on chain)"
    from servicecoin.money import from_plain, human

    return f"{fmt(l['points'])} points, worth {human(from_plain(l['value']), l['currency'])}"


def _rate_text(b: dict) -> str:
    if b["rate"] is None:
        return "no lot has matured yet"
    return f"{float(b['rate']):.2%} ({fmt(b['expired'])} of {fmt(b['issued_in_matured_lots'])} points)"


def to_markdown(r: dict) -> str:
    """The report as the Markdown page the owner publishes."""
    out = ["# ServiceCoin transparency report", "",
           f"As of block {r['block']} ({r['as_of_text']}), token `{r['token']}`. Amounts in points.", "",
           "## Summary", "", "| | points |", "|---|---:|",
           f"| Issued | {fmt(r['issued']['total'])} |",
           f"| Spent (burned) | {fmt(r['spent']['total'])} |",
           f"| — of which redeemed in the vault | {fmt(r['spent']['redeemed'])} |",
           f"| Refunded (credited back) | {fmt(r['refunded']['credited_as_refund'])} |",
           f"| Expired unspent | {fmt(r['expired'])} |",
           f"| Outstanding, customers | {fmt(r['outstanding']['customers'])} |",
           f"| Outstanding, merchants and vault | {fmt(r['outstanding']['acceptors'])} |",
           f"| **Outstanding, total** | **{fmt(r['outstanding']['total'])}** |",
           f"| Pending (inside the return window, not spendable) | {fmt(r['pending']['points'])} |",
           f"| Cancelled before release (returns) | {fmt(r['pending']['cancelled'])} |", "",
           "Liability (customers' outstanding points): " + _liability_text(r["liability"]) + ".",
           "Pending liability (credits inside their return window, shown apart): "
           + _liability_text(r["pending"]["liability"]) + ".",
           "Breakage rate (expired ÷ issued, over lots that have matured): " + _rate_text(r["breakage_rate"]) + ".", "",
           "Issued = outstanding + pending + expired + spent + cancelled: " + (
               "holds." if r["identity"]["balanced"] else
               f"**does not hold** ({fmt(r['identity']['outstanding_plus_expired_plus_spent'])})."),
           "", "## Issued by reason", "", "| reason | points |", "|---|---:|"]
    out += [f"| {k} | {fmt(v)} |" for k, v in r["issued"]["by_reason"].items()]
    out += ["", "## Issued by issuer and budgets", "", "| issuer | issued | allowance | used |", "|---|---:|---:|---:|"]
    for issuer, b in r["budgets"].items():
        label = f"{b['name']} `{issuer}`" if b["name"] else f"`{issuer}`"
        share = f"{b['used_share']:.1%}" if b["used_share"] is not None else "—"
        out.append(f"| {label} | {fmt(b['used'])} | {fmt(b['allowance'])} | {share} |")
    if r["spent"]["redeemed_by_item_kind"]:
        out += ["", "## Redeemed by item kind", "", "| kind | points |", "|---|---:|"]
        out += [f"| {k} | {fmt(v)} |" for k, v in r["spent"]["redeemed_by_item_kind"].items()]
    for title, key in (("Redeemed by issuer of the points", "by_issuer"), ("Redeemed by campaign", "by_campaign")):
        if r["redemptions"][key]:
            out += ["", f"## {title}", "", "| source | points |", "|---|---:|"]
            out += [f"| `{k}` | {fmt(v)} |" for k, v in r["redemptions"][key].items()]
    rec = r.get("reconciliation")
    out += ["", "## Reconciliation with the chain", ""]
    if rec is None:
        out.append("Not reconciled (no node was asked).")
    else:
        out += ["| figure | index | chain | difference |", "|---|---:|---:|---:|"]
        out += [f"| {x['figure']} | {fmt(x['index'])} | {fmt(x['chain'])} | {fmt(x['difference'])} |" for x in rec["rows"]]
        out += ["", "Every figure matches the token's counters." if rec["reconciled"] else
                f"**{len(rec['differences'])} difference(s)** between the index and the chain: see the table."]
    return "\n".join(out) + "\n"
