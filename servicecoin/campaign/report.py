"""The campaign report (Markdown and JSON): who got how much and why, batches and transactions,
gas and cost, skipped rows, duration. Minted amounts come from the receipts' Transfer events
(tier multipliers apply on chain), as journaled when each batch was confirmed.
"""

from __future__ import annotations

import json
from pathlib import Path

from servicecoin.campaign.journal import CONFIRMED, Journal
from servicecoin.campaign.plan import Plan, recut
from servicecoin.paths import data_dir
from servicecoin.reports.dates import duration, when
from servicecoin.token import fmt


def run_seconds(runs: list[dict], records: list) -> float:
    """Time spent running, summed over every run of the campaign. A run killed before it could record
    its end (SIGKILL, power loss) lasted until its last journal write: the latest batch update made
    after it started and before the next run started."""
    total = 0.0
    for i, run in enumerate(runs):
        end = run["ended_at"]
        if end is None:
            upto = runs[i + 1]["started_at"] if i + 1 < len(runs) else float("inf")
            end = max((r.updated_at for r in records if run["started_at"] <= r.updated_at < upto),
                      default=run["started_at"])
        total += end - run["started_at"]
    return total


def build_report(plan: Plan, journal: Journal, token: str, network: str = "", chain_id: int | None = None) -> dict:
    """The report as a dict (the JSON form); works mid-run too (status)."""
    key = Journal.key(plan.campaign.id, token)
    meta = journal.campaign(key) or {}
    records = journal.batches(key) if meta else []
    credits = journal.batch_credits(key) if meta else {}
    runs = journal.runs(key) if meta else []
    plan = recut(plan, [r.batch_id for r in records])  # the batches as sized by the run (plan.size_plan)
    confirmed = [r for r in records if r.status == CONFIRMED]
    counts: dict[str, int] = {}
    for r in records:
        counts[r.status] = counts.get(r.status, 0) + 1
    batch_of = {}
    for b in plan.batches:
        for a in b.recipients:
            batch_of[(b.reason, a)] = b.index
    by_idx = {r.idx: r for r in records}
    reason_of = {b.index: b.reason.name.lower() for b in plan.batches}
    recipients = []
    for alloc in plan.allocations:
        idx = batch_of[(alloc.reason, alloc.address)]
        rec = by_idx.get(idx)
        recipients.append({
            "address": alloc.address,
            "reason": alloc.reason.name.lower(),
            "points": alloc.points,
            "minted": credits.get((idx, alloc.address)),
            "batch": idx,
            "tx": rec.tx_hash if rec and rec.status == CONFIRMED else None,
            "why": alloc.why(),
            "rows": [{"line": r.line, "action": r.action, "amount": None if r.amount is None else str(r.amount),
                      "ref": r.ref, "points": r.points} for r in alloc.rows],
        })
    ended = [r["ended_at"] for r in runs if r["ended_at"]]
    return {
        "campaign": plan.campaign.id,
        "name": plan.campaign.name,
        "network": network or meta.get("network"),
        "chain_id": chain_id or meta.get("chain_id"),
        "token": token,
        "reason": plan.campaign.reason.name.lower(),
        "reasons": plan.summary()["reasons"],
        "status": "complete" if meta.get("finished_at") else ("not started" if not meta else "in progress"),
        "totals": {
            "rows_valid": plan.rows,
            "rows_skipped": len(plan.skipped),
            "recipients": len(plan.allocations),
            "recipients_paid": sum(r.recipients for r in confirmed),
            "points_planned": plan.total,
            "points_minted": sum(r.minted or 0 for r in confirmed),
            "batches": len(plan.batches),
            "batches_by_status": counts,
            "transactions": len(confirmed),
            "gas_used": sum(r.gas_used or 0 for r in confirmed),
            "cost_wei": sum((r.gas_used or 0) * (r.gas_price or 0) for r in confirmed),
        },
        "runs": runs,
        "started_at": runs[0]["started_at"] if runs else None,
        "finished_at": meta.get("finished_at"),
        "started_at_text": when(runs[0]["started_at"], None) if runs else None,
        "finished_at_text": when(meta.get("finished_at"), None),
        "duration_seconds": run_seconds(runs, records),
        "wall_seconds": (max(ended) - runs[0]["started_at"]) if ended else None,
        "batches": [{"index": r.idx, "batch_id": r.batch_id, "reason": reason_of.get(r.idx), "recipients": r.recipients, "points": r.points,
                     "status": r.status, "tx": r.tx_hash, "nonce": r.nonce, "block": r.block, "gas_used": r.gas_used,
                     "gas_price": r.gas_price, "minted": r.minted, "note": r.error} for r in records],
        "recipients": recipients,
        "skipped": [b.to_json() for b in plan.skipped],
    }


def to_markdown(report: dict) -> str:
    t = report["totals"]
    eth = t["cost_wei"] / 10**18
    lines = [
        f"# Campaign report: {report['name']} (`{report['campaign']}`)",
        "",
        f"- Status: **{report['status']}** on {report['network']} (chain id {report['chain_id']}), token `{report['token']}`",
        f"- Reason: {report['reason']}" + (f" (rows carry their own: {', '.join(report['reasons'])})"
                                           if set(report.get("reasons") or [report["reason"]]) != {report["reason"]} else ""),
        f"- Rows: {t['rows_valid']:,} valid, {t['rows_skipped']:,} skipped",
        f"- Recipients: {t['recipients_paid']:,} paid of {t['recipients']:,}",
        f"- Points: {fmt(t['points_planned'])} planned (base), {fmt(t['points_minted'])} minted (after tier multipliers)",
        f"- Batches: {t['batches']:,} ({', '.join(f'{n} {s}' for s, n in sorted(t['batches_by_status'].items()))}), "
        f"{t['transactions']:,} transactions",
        f"- Gas: {t['gas_used']:,} ({t['gas_used'] // max(1, t['recipients_paid']):,} per recipient), cost {eth:.6f} ETH",
        f"- Duration: {duration(report['duration_seconds'])} over {len(report['runs'])} run(s)"
        + (f", the first started {when(report['started_at'])}" if report["started_at"] else ""),
        "",
        "## Batches",
        "",
        "| # | batch id | recipients | points | minted | status | tx | block | gas |",
        "|--:|---|--:|--:|--:|---|---|--:|--:|",
    ]
    for b in report["batches"]:
        lines.append(f"| {b['index']} | `{b['batch_id'][:18]}…` | {b['recipients']:,} | {fmt(b['points'])} | "
                     f"{fmt(b['minted']) if b['minted'] is not None else ''} | {b['status']} | "
                     f"{('`' + b['tx'] + '`') if b['tx'] else ''} | {b['block'] or ''} | "
                     f"{format(b['gas_used'], ',') if b['gas_used'] else ''} |")
    lines += ["", "## Recipients", "", "| address | reason | points | minted | why (refs) |", "|---|---|--:|--:|---|"]
    for r in report["recipients"]:
        refs = ", ".join(row["ref"] for row in r["rows"])
        minted = fmt(r["minted"]) if r["minted"] is not None else "—"
        lines.append(f"| `{r['address']}` | {r['reason']} | {fmt(r['points'])} | {minted} | {r['why']} ({refs}) |")
    lines += ["", "## Skipped rows", ""]
    if report["skipped"]:
        lines += ["| file | line | column | value | reason |", "|---|--:|---|---|---|"]
        for s in report["skipped"]:
            lines.append(f"| {s['file']} | {s['line']} | {s['column']} | `{s['value']}` | {s['reason']} |")
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def write_report(report: dict, out_dir: str | Path | None = None) -> tuple[Path, Path]:
    """Write report.md and report.json; default under .servicecoin/<network>/campaigns/<id>/."""
    folder = Path(out_dir) if out_dir else data_dir(report["network"] or "unknown") / "campaigns" / report["campaign"]
    folder.mkdir(parents=True, exist_ok=True)
    md, js = folder / "report.md", folder / "report.json"
    md.write_text(to_markdown(report))
    js.write_text(json.dumps(report, indent=2, default=str) + "\n")
    return md, js


def summary_lines(report: dict) -> list[str]:
    t = report["totals"]
    return [
        f"campaign {report['campaign']}: {report['status']}",
        f"  recipients {t['recipients_paid']:,}/{t['recipients']:,}, points planned {fmt(t['points_planned'])}, "
        f"minted {fmt(t['points_minted'])}",
        f"  batches {t['batches']:,} ({', '.join(f'{n} {s}' for s, n in sorted(t['batches_by_status'].items()))}), "
        f"gas {t['gas_used']:,}, cost {t['cost_wei'] / 10**18:.6f} ETH",
        f"  skipped rows {t['rows_skipped']}, duration {duration(report['duration_seconds'])} over "
        f"{len(report['runs'])} run(s)",
    ]
