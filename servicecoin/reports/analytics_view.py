"""The analytics report as people read it: its figures and tables, in words, built once from the data
`analytics()` returns. The terminal (`svc report analytics`) and the HTML page (html.py) both show
these tables, so a figure reads the same in both."""

from __future__ import annotations

from servicecoin.reports.tables import DASH, Table, count, decimal, pct, render_all

SEGMENT_HELP = {
    "champions": "bought recently, often and for many points",
    "loyal": "often and for many points, not the most recent",
    "loyal, cooling": "often and for many points, but not lately",
    "new or occasional": "recent, few or small purchases",
    "needs attention": "middling on recency, frequency and points",
    "hibernating": "not seen for a long time, few points",
}


def _share(n: int, total: int) -> str:
    return pct(n / total) if total else DASH


def _clv(d: dict) -> str:
    c = d.get("customer_lifetime_value")
    if not c:
        return DASH
    return f"{decimal(c['estimate'])} {c['unit']}"


def summary_table(d: dict) -> Table:
    rp = d["repeat_purchase_rate"]
    rows = [
        ["customers", count(d["customers"])],
        [f"active in the last {d['active_window_days']} days", count(d["active_customers"])],
        ["repeat purchase rate, rewarded", pct(rp["rewarded"])],
        ["repeat purchase rate, not rewarded", pct(rp["non_rewarded"]) if rp["non_rewarded"] is not None
         else f"{DASH} (needs --purchases)"],
        ["redemption rate (customers who spent points)", pct(d["redemption_rate"])],
        ["average points earned per customer", decimal(d["average_points_per_customer"])],
        ["customer lifetime value", _clv(d)],
    ]
    method = (d.get("customer_lifetime_value") or {}).get("method")
    note = f"Repeat purchases from {rp['source']}." + (f" Lifetime value: {method}." if method else "")
    return Table("Customers", ["figure", "value"], rows, key_value=True, note=note)


def tier_table(d: dict) -> Table:
    total = sum(d["tiers"].values())
    rows = [[name, count(n), _share(n, total)] for name, n in d["tiers"].items()]
    return Table("Customers by tier", ["tier", "customers", "share"], rows, empty="no customers yet")


def tier_migration_table(d: dict) -> Table:
    m = d.get("tier_migration") or {"periods": [], "mode": "lifetime", "period_epochs": 12}
    rows = [[f"{r['period']}{'' if r['complete'] else ' (so far)'}", r["starts"][:10], count(r["up"]), count(r["down"]),
             count(r["stayed"]), count(r["new"])] for r in m["periods"]]
    return Table(f"Tier migration per period ({m['mode']} tiers, {m['period_epochs']} epochs a period)",
                 ["period", "starts", "moved up", "moved down", "stayed", "new"], rows, empty="no customers yet",
                 note="The tier held at the end of each period against the end of the period before.")


def segment_table(d: dict) -> Table:
    total = sum(d["segments"].values())
    order = sorted(d["segments"].items(), key=lambda kv: (-kv[1], kv[0]))
    rows = [[name, count(n), _share(n, total), SEGMENT_HELP.get(name, "")] for name, n in order]
    return Table("Customer segments (recency, frequency, points)", ["segment", "customers", "share", "who"], rows,
                 align="lrrl", empty="no customers yet")


def rating_table(d: dict) -> Table:
    f = d["feedback"]
    total = f["count"]
    rows = [[f"{'★' * int(r)}{'☆' * (5 - int(r))} {r}", count(n), _share(n, total)]
            for r, n in sorted(f["ratings"].items(), key=lambda kv: -int(kv[0]))]
    note = (f"Average {f['average']:.2f} from {total:,} rating{'s' if total != 1 else ''}." if total
            else "No feedback yet.")
    return Table("Feedback ratings", ["rating", "records", "share"], rows, note=note)


def trend_table(d: dict) -> Table:
    rows = [[m, DASH if v is None else f"{v:.2f}"] for m, v in d["feedback"]["trend"].items()]
    return Table("Average rating per month", ["month", "average"], rows, empty="no feedback yet",
                 note="— : no rating that month." if any(r[1] == DASH for r in rows) else "")


def followup_table(d: dict) -> Table:
    rows = [["important tickets called back", pct(d["follow_up_coverage"])],
            ["callers satisfied", pct(d["follow_up_satisfaction"])]]
    return Table("Follow-up calls", ["figure", "value"], rows, key_value=True,
                 note="Important: complaints and low ratings. Work list: svc followups.")


def analytics_tables(d: dict) -> list[Table]:
    return [summary_table(d), tier_table(d), tier_migration_table(d), segment_table(d), rating_table(d), trend_table(d), followup_table(d)]


def format_analytics(d: dict) -> str:
    """`svc report analytics` for people: tables, never Python dicts."""
    text = render_all(f"ServiceCoin analytics as of {d['as_of_text']} (block {d.get('block', '?')})", analytics_tables(d))
    charts = d.get("charts") or {}
    if charts:
        text += "\n\n" + "\n".join(f"wrote {v}" for v in charts.values())
    return text
