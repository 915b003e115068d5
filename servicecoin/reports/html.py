"""The analytics report as a page: headings, key figures, the charts (charts.py) and the same tables the
terminal prints (analytics_view.py), with dates for times and text for every figure (no JSON, no None).
One self-contained file beside its PNG charts; no script, no external resource."""

from __future__ import annotations

import html
from pathlib import Path

from servicecoin.reports.analytics_view import (followup_table, rating_table, segment_table, summary_table,
                                                 tier_table, trend_table)
from servicecoin.reports.tables import Table, decimal, pct, points

STYLE = """
:root{--ink:#1d2433;--muted:#5b6475;--line:#e3e6ec;--accent:#1f5fbf;--card:#f6f8fb}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);margin:0;background:#fff}
header{background:#16315f;color:#fff;padding:28px 0 24px}
.wrap{max-width:1040px;margin:0 auto;padding:0 24px}
header h1{margin:0 0 4px;font-size:28px}
header p{margin:0;color:#c9d6ee}
nav{margin-top:12px;font-size:14px}nav a{color:#fff;margin-right:16px}
h2{font-size:21px;margin:36px 0 8px;padding-bottom:6px;border-bottom:2px solid var(--line)}
h3{font-size:16px;margin:20px 0 6px}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:12px;margin-top:20px}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.kpi .v{font-size:24px;font-weight:650;font-variant-numeric:tabular-nums}
.kpi .l{color:var(--muted);font-size:13px}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:24px;align-items:start}
@media (max-width:800px){.grid{grid-template-columns:1fr}}
figure{margin:12px 0}figure img{max-width:100%;height:auto;border:1px solid var(--line);border-radius:6px}
figcaption{color:var(--muted);font-size:13px}
table{border-collapse:collapse;width:100%;margin:4px 0 6px;font-variant-numeric:tabular-nums}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{background:var(--card);font-weight:600;font-size:13px;color:var(--muted)}
td.r,th.r{text-align:right}
p.note{color:var(--muted);font-size:13px;margin:2px 0 0}
footer{margin:40px 0 24px;color:var(--muted);font-size:13px}
"""


def _e(text: object) -> str:
    return html.escape(str(text))


def table_html(t: Table, heading: str = "h3") -> str:
    """A Table as an HTML table under its heading (the note below)."""
    head = f"<{heading}>{_e(t.title)}</{heading}>" if heading else ""
    if not t.rows:
        return head + f'<p class="note">{_e(t.empty)}</p>'
    aligns = "l" * len(t.rows[0]) if t.key_value else t.aligns()
    cls = lambda a: ' class="r"' if a == "r" else ""
    thead = "" if t.key_value else \
        "<thead><tr>" + "".join(f"<th{cls(a)}>{_e(h)}</th>" for h, a in zip(t.headers, aligns)) + "</tr></thead>"
    body = "".join(
        "<tr>" + "".join((f"<th>{_e(c)}</th>" if t.key_value and i == 0 else f"<td{cls(a)}>{_e(c)}</td>")
                         for i, (c, a) in enumerate(zip(row, aligns))) + "</tr>"
        for row in t.rows)
    note = f'<p class="note">{_e(t.note)}</p>' if t.note else ""
    return f"{head}<table>{thead}<tbody>{body}</tbody></table>{note}"


def flows_table(flows: dict[str, dict[str, int]]) -> Table:
    rows = [[m, points(v["issued"]), points(v["spent"]), points(v["expired"])] for m, v in flows.items()]
    if rows:
        rows.append(["total", *(points(sum(v[k] for v in flows.values())) for k in ("issued", "spent", "expired"))])
    return Table("Points per month", ["month", "issued", "spent", "expired"], rows, empty="no movements yet")


def _kpis(d: dict) -> str:
    clv = d.get("customer_lifetime_value")
    cards = [
        (f"{d['customers']:,}", "customers"),
        (f"{d['active_customers']:,}", f"active in the last {d['active_window_days']} days"),
        (pct(d["redemption_rate"]), "redeemed points"),
        (decimal(d["average_points_per_customer"]), "average points earned per customer"),
        (decimal(clv["estimate"]) if clv else "—", f"lifetime value ({clv['unit']})" if clv else "lifetime value"),
    ]
    return '<div class="kpis">' + "".join(
        f'<div class="kpi"><div class="v">{_e(v)}</div><div class="l">{_e(label)}</div></div>' for v, label in cards
    ) + "</div>"


def _figure(src: str | None, alt: str, caption: str) -> str:
    if not src:
        return ""
    return f'<figure><img src="{_e(src)}" alt="{_e(alt)}"><figcaption>{_e(caption)}</figcaption></figure>'


def page(d: dict, flows: dict[str, dict[str, int]], images: dict[str, str]) -> str:
    """The whole page as text."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>ServiceCoin analytics, {_e(d['as_of_text'])}</title><style>{STYLE}</style></head>
<body>
<header><div class="wrap"><h1>ServiceCoin analytics</h1>
<p>As of {_e(d['as_of_text'])}. Amounts in points (2 decimals).</p>
<nav><a href="#points">Points</a><a href="#customers">Customers</a><a href="#feedback">Feedback</a></nav>
</div></header>
<main class="wrap">
{_kpis(d)}
<section id="points"><h2>Points issued, spent and expired</h2>
{_figure(images.get('flows'), 'Bar charts of points issued, spent and expired per month',
         'Each series on its own scale; months with no movement are shown at zero.')}
{table_html(flows_table(flows))}
</section>
<section id="customers"><h2>Customers</h2>
<div class="grid"><div>{table_html(summary_table(d), "")}</div>
<div>{_figure(images.get('tiers'), 'Bar chart of customers by tier', 'Customers by tier.')}{table_html(tier_table(d))}</div></div>
{table_html(segment_table(d))}
</section>
<section id="feedback"><h2>Feedback and follow-ups</h2>
{_figure(images.get('ratings'), 'Rating distribution and average rating per month',
         'Left: how many records gave each rating. Right: the average per month (a gap: no rating that month).')}
<div class="grid"><div>{table_html(rating_table(d))}</div><div>{table_html(trend_table(d))}</div></div>
{table_html(followup_table(d))}
</section>
<footer>Made by <code>svc report analytics --charts</code> from the index at {_e(d['as_of_text'])}.
The same figures print in the terminal; <code>--json</code> gives them as data.</footer>
</main></body></html>
"""


def write_page(path: str | Path, d: dict, flows: dict[str, dict[str, int]], images: dict[str, str]) -> Path:
    path = Path(path)
    path.write_text(page(d, flows, images))
    return path
