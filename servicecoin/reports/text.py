"""Reports as text for people: what `svc statement`, `svc reminders` and `svc followups` print and
`make demo` shows.

The data comes from servicecoin.statement; here it is only laid out. The CLI and the demo both use
these functions, so a statement reads the same wherever it is shown.
"""

from __future__ import annotations

from servicecoin.reports.dates import iso
from servicecoin.reports.tables import Table, count, pct, points, render_text
from servicecoin.token import fmt


def account_labels(record: dict) -> dict[str, str]:
    """Lower-case address → name for the accounts and contracts of a deployment record (what a report
    shows instead of a bare address)."""
    labels = {a.lower(): role for role, a in record.get("accounts", {}).items()}
    labels.update({a.lower(): name for name, a in record.get("contracts", {}).items()})
    return labels


def format_statement(d: dict, labels: dict[str, str] | None = None) -> str:
    labels = labels or {}
    lines = [f"Statement for {d['address']} as of {d['as_of_text']} (block {d['indexed_block']})",
             f"  balance      {fmt(d['balance']):>14} points"]
    if "chain" in d:
        lines[-1] += "   (matches the chain)" if d["chain"]["matches"] else \
            f"   (CHAIN SAYS {fmt(d['chain']['balance'])}, tier {d['chain']['tier']}: the index is behind or wrong)"
    lines.append(f"  tier         {d['tier_name']} (x{d['multiplier_bps'] / 10_000:g}), lifetime {fmt(d['lifetime_earned'])}")
    if d["next_tier"]:
        n = d["next_tier"]
        lines.append(f"  next tier    {n['name']} at {fmt(n['threshold'])}: {fmt(n['needed'])} to go ({n['progress']:.0%})")
    lines += outlook_lines(d)
    s = d["expiring_soon"]
    lines.append(f"  expiring     {fmt(s['amount'])} within {s['within_days']} days")
    if d["lots"]:
        lines.append("  lots")
        lines += [f"    {fmt(l['amount']):>14}  expire {l['expires']}" for l in d["lots"]]
    lines.append("  history")
    for h in d["history"]:
        what = h["kind"]
        if h["kind"] == "credit":
            who = labels.get(h["issuer"], h["issuer"][:10])
            what = f"credit  {h['reason']} by {who}" + (f" batch {h['batch'][:10]}…" if h["batch"] else f" ref {h['ref'][:10]}…")
        elif h["kind"] == "spend":
            what = "spend" + (f"  redemption {h['redemption']} {h.get('item_name') or h['item']} ({h['status']})"
                              if "redemption" in h else "")
        elif h["kind"] in ("transfer out", "transfer in"):
            other = h.get("to") or h.get("from")
            what = f"{h['kind']} {'to' if 'to' in h else 'from'} {labels.get(other, other)}"
        elif h["kind"] in ("recovered to", "recovered from"):
            other = h.get("to") or h.get("from")
            what = (f"wallet {h['kind']} {labels.get(other, other)} ({len(h['lots'])} lots, "
                    f"lifetime {fmt(h['lifetime'])})")
        elif h["kind"] == "expired":
            what = f"expired (epoch {h['epoch']})" + (", not yet swept on chain" if h.get("unswept") else "")
        lines.append(f"    {h['date']}  {fmt(h['amount']):>12}  {what}")
    page = d.get("history_page") or {}
    if page.get("more"):
        lines.append(f"    … older movements: --before {page['next_before']}")
    if d["tickets"]:
        lines.append("  tickets")
        for t in d["tickets"]:
            extra = (f", rating {t['rating']}" if t["rating"] else "") + (", complaint" if t["complaint"] else "")
            extra += f", follow-up: {', '.join(t['follow_ups'])}" if t["follow_ups"] else ""
            lines.append(f"    #{t['ticket']} {t['status']} (opened {t['opened']}){extra}")
    return "\n".join(lines)


def outlook_lines(d: dict) -> list[str]:
    """Pending credits ("pending until DATE") and, with rolling tiers, what keeps the tier (issue 14)."""
    lines = []
    t = d.get("tier_outlook")
    if t and t.get("text"):
        lines.append(f"  keep tier    {t['text']}")
    if t and t.get("next_text"):
        lines.append(f"  to reach     {t['next_text']}")
    p = d.get("pending") or {}
    if p.get("credits"):
        lines.append(f"  pending      {fmt(p['amount']):>14} points (not spendable yet)")
        lines += [f"    {c['text']}" for c in p["credits"]]
    return lines


def format_reminders(rows: list[dict], within: str) -> str:
    """`svc reminders`: who to remind first (soonest expiry, then the most points), days left, a count and a total."""
    if not rows:
        return f"No points expire within {within}."
    total = sum(r["amount"] for r in rows)
    n = len(rows)
    table = Table(f"{count(n)} customer{'s' if n != 1 else ''} with {points(total)} points expiring within {within}, "
                  "most urgent first",
                  ["#", "expires on", "days left", "customer", "points"],
                  [[str(i), r["first_expiry_text"], count(r["days_left"]), r["address"], points(r["amount"])]
                   for i, r in enumerate(rows, start=1)] + [["", "", "", "total", points(total)]],
                  align="rlrlr")
    return "\n".join(render_text(table))


def format_tier_reminders(rows: list[dict], within: str) -> str:
    """`svc reminders --tiers`: who must still earn points to keep their tier at a review within the window."""
    if not rows:
        return f"No tier review within {within} needs more points."
    table = Table(f"{count(len(rows))} customer{'s' if len(rows) != 1 else ''} to remind before a tier review within "
                  f"{within}, soonest review first", ["#", "review", "customer", "tier", "to keep", "reminder"],
                  [[str(i), r["review"][:10], r["address"], r["tier_name"], points(r["to_keep"]), r["text"]]
                   for i, r in enumerate(rows, start=1)], align="rllrrl")
    return "\n".join(render_text(table))


def format_followups(d: dict, labels: dict[str, str] | None = None) -> str:
    """`svc followups` as a work list: the calls to make, oldest first, and how the calls so far went."""
    labels = labels or {}
    due = d["due"]
    lines = []
    if due:
        table = Table(f"{len(due)} follow-up call{'s' if len(due) != 1 else ''} to make, oldest first "
                      f"(a call is due {d['delay_days']:g} days after an important ticket is resolved)",
                      ["#", "ticket", "customer", "why", "resolved on", "overdue"],
                      [[str(i), f"#{f['ticket']}", labels.get(f["customer"], f["customer"]), f["why"], f["resolved"],
                        f"{f['overdue_days']:g} day{'s' if f['overdue_days'] != 1 else ''}"]
                       for i, f in enumerate(due, start=1)],
                      align="rllllr")
        lines += render_text(table)
        lines.append("  after each call: svc log followup TICKET CUSTOMER --outcome "
                     "reached|not-reached|satisfied|unsatisfied")
    else:
        lines.append("No follow-up calls to make.")
    o = d["outcomes"]
    lines.append("")
    lines.append(f"Called back so far: {count(d['followed_up'])} of {count(d['important_resolved'])} important resolved "
                 f"tickets ({pct(d['coverage'])}); complaints and ratings of {d.get('low_rating', 2)} or less are important.")
    lines.append(f"Outcomes: {o.get('satisfied', 0)} satisfied, {o.get('unsatisfied', 0)} unsatisfied, "
                 f"{o.get('reached', 0)} reached, {o.get('not reached', 0)} not reached; "
                 f"satisfaction {pct(d['satisfaction_rate'])}.")
    lines.append(f"As of {iso(d['as_of'])} (block {d.get('block', '?')}).")
    return "\n".join(lines)
