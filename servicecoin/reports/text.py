"""Reports as text for people: what `svc statement` prints and `make demo` shows.

The data comes from servicecoin.statement; here it is only laid out. The CLI and the demo both use
these functions, so a statement reads the same wherever it is shown.
"""

from __future__ import annotations

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
            what = "spend" + (f"  redemption #{h['redemption']} {h.get('item_name') or h['item']} ({h['status']})"
                              if "redemption" in h else "")
        elif h["kind"] in ("transfer out", "transfer in"):
            other = h.get("to") or h.get("from")
            what = f"{h['kind']} {'to' if 'to' in h else 'from'} {labels.get(other, other)}"
        elif h["kind"] in ("recovered to", "recovered from"):
            other = h.get("to") or h.get("from")
            what = (f"wallet {h['kind']} {labels.get(other, other)} ({len(h['lots'])} lots, "
                    f"lifetime {fmt(h['lifetime'])})")
        elif h["kind"] == "expired":
            what = f"expired (epoch {h['epoch']})"
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
