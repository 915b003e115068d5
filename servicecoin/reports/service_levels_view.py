"""The service-level report as people read it: terminal tables and a page with charts, from the dict
`service_levels()` returns (`--json` prints that dict; `--csv` its figure,value rows, reports/export.py).
Tables are built once (tables.py) and shown by the terminal and the page alike; charts follow the rules of
charts.py (continuous month axis, whole-number ticks for counts, thousands separators)."""

from __future__ import annotations

from pathlib import Path

from servicecoin.reports.charts import _plt, rating_trend, save, thousands
from servicecoin.reports.dates import iso, span
from servicecoin.reports.html import STYLE, _e, _figure, table_html
from servicecoin.reports.tables import DASH, Table, count, pct, render_all

TIME_HEADERS = ["tickets", "first reply: median", "p90", "within target", "resolution: median", "p90",
                "within target"]
CARE_HEADERS = ["tickets", "complaints", "per 1,000 tickets", "important, resolved", "called back", "calls",
                "satisfied after call", "ratings", "average rating"]
COLOURS = ["#1f5fbf", "#2e7d32", "#ef6c00", "#6a1b9a", "#c62828", "#00838f", "#5d4037", "#455a64"]


def _avg(v: float | None) -> str:
    return DASH if v is None else f"{v:.2f}"


def _times_row(name: str, f: dict) -> list[str]:
    fr, rs = f["first_reply"], f["resolution"]
    return [name, count(f["tickets"]), span(fr["median_s"]), span(fr["p90_s"]), pct(fr["share_within_target"]),
            span(rs["median_s"]), span(rs["p90_s"]), pct(rs["share_within_target"])]


def _care_row(name: str, f: dict) -> list[str]:
    fu, r = f["follow_up"], f["ratings"]
    return [name, count(f["tickets"]), count(f["complaints"]),
            DASH if f["complaints_per_1000"] is None else f"{f['complaints_per_1000']:,.1f}",
            count(fu["important_resolved"]), pct(fu["coverage"]), count(fu["calls"]), pct(fu["satisfaction"]),
            count(r["count"]), _avg(r["average"])]


def _pair(what: str, first: str, rows: dict[str, dict], d: dict, note: str = "") -> list[Table]:
    """Two tables for one split: response times, then complaints, follow-up calls and ratings."""
    t = d["targets"]
    return [Table(f"Response times {what}", [first, *TIME_HEADERS], [_times_row(k, v) for k, v in rows.items()],
                  empty="no tickets", note=f"Targets: first reply within {span(t['first_reply_s'])}, resolution "
                                           f"within {span(t['resolution_s'])}. p90: 9 in 10 tickets took at most this."),
            Table(f"Complaints, follow-up calls and ratings {what}", [first, *CARE_HEADERS],
                  [_care_row(k, v) for k, v in rows.items()], empty="no tickets",
                  note=note or "Important: resolved with a complaint or a low rating; called back: "
                               "with a follow-up call recorded.")]


def about_table(d: dict) -> Table:
    r, a = d["records"], d["records"]["anchored"]
    rows = [["blocks", f"{d['from_block']:,} to {d['to_block']:,}"],
            ["as of", iso(d.get("as_of")) or DASH],
            ["log head", f"{d['log_head']} after record {d['log_count']:,}"],
            ["records counted", count(r["counted"])],
            ["without an event time (block time used)", count(r["timed_by_block"])],
            ["anchored on chain", f"{count(a['on_chain'])} in {count(a['batches'])} batches"],
            ["anchored, receipts held and counted", count(a["held"])],
            ["anchored, not held (not counted)", count(a["not_held"])],
            ["targets", f"first reply {span(d['targets']['first_reply_s'])}, "
                        f"resolution {span(d['targets']['resolution_s'])}"]]
    if a.get("held_not_matching"):
        rows.append(["held batch files that do not match their root", count(a["held_not_matching"])])
    if r["on_tickets_never_opened"]:
        rows.append(["records on tickets never opened (left out)", count(r["on_tickets_never_opened"])])
    return Table("Computed from", ["figure", "value"], rows, key_value=True,
                 note="Times are the help desk's event times in the records, not block times.")


def group_title(d: dict) -> str:
    return "Per team" if d["by"] == "team" else "Per agent (numbered, no keys: public)" if d["public"] \
        else "Per agent (sending key)"


def trend_table(d: dict) -> Table:
    months = list(d["overall"]["ratings"]["trend"])
    names = ["all", *d["channels"]]
    series = [d["overall"], *d["channels"].values()]
    rows = [[m, *(_avg(f["ratings"]["trend"][m]) for f in series)] for m in months]
    return Table("Average rating per month", ["month", *names], rows, empty="no feedback yet",
                 note="— : no rating that month." if any(DASH in r for r in rows) else "")


def channel_tables(d: dict) -> list[Table]:
    return _pair("per channel", "channel", {"all": d["overall"], **d["channels"]}, d)


def group_tables(d: dict) -> list[Table]:
    who = "team" if d["by"] == "team" else "agent"
    note = "A ticket counts for the agent who sent its first reply (else who resolved, else who opened it)"
    note += ", in that agent's team." if who == "team" else \
        (". Agents are numbered in the order they first appear in the log." if d["public"] else ".")
    return _pair(f"per {who}", who, d["groups"], d, note=note)


def tables(d: dict) -> list[Table]:
    return [about_table(d), *channel_tables(d), *group_tables(d), trend_table(d)]


def format_service_levels(d: dict) -> str:
    text = render_all("ServiceCoin service levels" + (" (public)" if d["public"] else ""), tables(d))
    v = d.get("verify")
    if v is not None:
        text += "\n\n" + ("VERIFIED: every figure recomputed from chain data alone matches" if v["matches"]
                          else "MISMATCH: figures from the index differ from those recomputed from chain data alone")
        text += f"\n  the log read from the chain: {v['log_audit']}"
        if v["differences"]:
            text += "\n  figure: index ≠ chain" + "".join(f"\n  {line}" for line in v["differences"][:20])
            more = len(v["differences"]) - 20
            text += f"\n  … {more} more (--json lists them all)" if more > 0 else ""
    if d.get("charts"):
        text += "\n\n" + "\n".join(f"wrote {p}" for p in d["charts"].values())
    return text


# =====================================================================================
# Charts and the page
# =====================================================================================

def times_chart(path: Path, d: dict) -> Path:
    """Median and p90 per channel, first reply beside resolution (hours), the target as a line."""
    from matplotlib.ticker import FuncFormatter

    plt = _plt()
    names = list(d["channels"]) or ["no tickets"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for ax, key, title in zip(axes, ("first_reply", "resolution"), ("Time to first reply", "Time to resolution")):
        med = [(d["channels"][n][key]["median_s"] or 0) / 3600 if n in d["channels"] else 0 for n in names]
        p90 = [(d["channels"][n][key]["p90_s"] or 0) / 3600 if n in d["channels"] else 0 for n in names]
        xs = range(len(names))
        ax.bar([x - 0.2 for x in xs], med, width=0.4, color=COLOURS[0], label="median")
        ax.bar([x + 0.2 for x in xs], p90, width=0.4, color=COLOURS[2], label="p90")
        target = d["targets"][f"{key}_s"] / 3600
        ax.axhline(target, color="#c62828", linestyle="--", linewidth=1, label=f"target {thousands(target)} h")
        ax.set_xticks(list(xs))
        ax.set_xticklabels(names)
        ax.yaxis.set_major_formatter(FuncFormatter(thousands))
        ax.set_ylim(0, max([*med, *p90, target]) * 1.2)
        ax.set_ylabel("hours")
        ax.set_title(title)
        ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(fontsize=8, frameon=False)
    return save(fig, path)


def tickets_chart(path: Path, d: dict) -> Path:
    """Tickets per channel and complaints per 1,000 tickets: counts on whole-number ticks."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    plt = _plt()
    names = list(d["channels"]) or ["no tickets"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    n = [d["channels"][c]["tickets"] if c in d["channels"] else 0 for c in names]
    left.bar(names, n, width=0.55, color=COLOURS[0])
    left.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    left.set_title("Tickets per channel")
    per = [d["channels"][c]["complaints_per_1000"] or 0 if c in d["channels"] else 0 for c in names]
    right.bar(names, per, width=0.55, color=COLOURS[4])
    right.set_title("Complaints per 1,000 tickets")
    for ax, top in ((left, max(n, default=0)), (right, max(per, default=0))):
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
        ax.set_ylim(0, top * 1.2 if top else 1)
        ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
        ax.set_axisbelow(True)
    return save(fig, path)


def trend_chart(path: Path, d: dict) -> Path:
    """The average rating per month, all tickets and each channel; a gap where a month had no rating."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(10, 4))
    series = [("all", d["overall"])] + list(d["channels"].items())
    rating_trend(ax, [(name, f["ratings"]["trend"], COLOURS[i % len(COLOURS)], 2.2 if name == "all" else 1.2)
                      for i, (name, f) in enumerate(series)])
    return save(fig, path)


def short_key(label: str) -> str:
    """An agent key as the page shows it, '0x14dc79…3d9955' (the terminal and --json give it whole)."""
    return f"{label[:8]}…{label[-6:]}" if label.startswith("0x") and len(label) == 42 else label


def page(d: dict, images: dict[str, str]) -> str:
    o = d["overall"]
    cards = [(f"{o['tickets']:,}", "tickets"), (span(o["first_reply"]["median_s"]), "median first reply"),
             (pct(o["first_reply"]["share_within_target"]), f"replied within {span(d['targets']['first_reply_s'])}"),
             (span(o["resolution"]["median_s"]), "median resolution"),
             (pct(o["resolution"]["share_within_target"]), f"resolved within {span(d['targets']['resolution_s'])}"),
             (DASH if o["complaints_per_1000"] is None else f"{o['complaints_per_1000']:,.1f}", "complaints per 1,000")]
    kpis = '<div class="kpis">' + "".join(f'<div class="kpi"><div class="v">{_e(v)}</div><div class="l">{_e(lab)}</div>'
                                          f"</div>" for v, lab in cards) + "</div>"
    about, trend = about_table(d), trend_table(d)
    times, care = channel_tables(d)
    keys_note = '<p class="note">Keys shortened here; the terminal and <code>--json</code> give them whole.</p>' \
        if any(k != short_key(k) for k in d["groups"]) else ""
    gtimes, gcare = group_tables({**d, "groups": {short_key(k): v for k, v in d["groups"].items()}})
    as_of = iso(d.get("as_of")) or DASH
    title = "ServiceCoin service levels" + (" (public)" if d["public"] else "")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{_e(title)}, {_e(as_of)}</title><style>{STYLE}td:first-child,td.r{{white-space:nowrap}}</style></head>
<body>
<header><div class="wrap"><h1>{_e(title)}</h1>
<p>As of {_e(as_of)}: blocks {d['from_block']:,} to {d['to_block']:,}, log head {_e(d['log_head'][:18])}… after record
{d['log_count']:,}. Recompute it: <code>svc report service-levels --verify</code>.</p>
<nav><a href="#times">Response times</a><a href="#channels">Complaints and follow-ups</a><a href="#groups">{_e(group_title(d))}</a>
<a href="#ratings">Ratings</a></nav></div></header>
<main class="wrap">
{kpis}
<section id="times"><h2>Response times</h2>
{_figure(images.get('times'), 'Median and p90 per channel', 'Median and 90th percentile per channel, in hours; '
         'the dashed line is the target. Help-desk event times, not block times.')}
{table_html(times)}
</section>
<section id="channels"><h2>Complaints, follow-up calls and ratings</h2>
{_figure(images.get('tickets'), 'Tickets and complaints per channel', 'Tickets per channel and complaints per 1,000.')}
{table_html(care)}
</section>
<section id="groups"><h2>{_e(group_title(d))}</h2>{table_html(gtimes)}{table_html(gcare)}{keys_note}</section>
<section id="ratings"><h2>Ratings</h2>
{_figure(images.get('trend'), 'Average rating per month', 'Average rating per month (a gap: no rating that month).')}
{table_html(trend, "")}
</section>
<section id="source"><h2>Computed from</h2>{table_html(about, "")}</section>
<footer>Made by <code>svc report service-levels --charts</code>. The same figures print in the terminal;
<code>--json</code> and <code>--csv</code> give them as data.</footer>
</main></body></html>
"""


def write_charts(directory: str | Path, d: dict) -> dict[str, Path]:
    """times.png, tickets.png, trend.png and service-levels.html in `directory`."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = {"times": times_chart(out / "times.png", d), "tickets": tickets_chart(out / "tickets.png", d),
               "trend": trend_chart(out / "trend.png", d)}
    html_path = out / "service-levels.html"
    html_path.write_text(page(d, {k: p.name for k, p in written.items()}))
    written["html"] = html_path
    return written
