"""Charts a person would rather look at than read: PNG plots and an HTML page embedding them."""

from __future__ import annotations

import html
import json
from pathlib import Path

from servicecoin.token import UNIT


def write_charts(directory: str | Path, flows: dict[str, dict[str, int]], report: dict) -> dict[str, Path]:
    """Write flows.png, tiers.png, ratings.png and report.html into `directory`; returns the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}

    months = list(flows) or ["—"]
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.27
    xs = range(len(months))
    for i, (key, colour) in enumerate((("issued", "#2e7d32"), ("spent", "#1565c0"), ("expired", "#b71c1c"))):
        ax.bar([x + (i - 1) * width for x in xs], [flows.get(m, {}).get(key, 0) / UNIT for m in months], width,
               label=key, color=colour)
    ax.set_xticks(list(xs), months, rotation=45, ha="right")
    ax.set_ylabel("points")
    ax.set_title("Points issued, spent and expired per month")
    ax.legend()
    fig.tight_layout()
    written["flows"] = out / "flows.png"
    fig.savefig(written["flows"], dpi=110)
    plt.close(fig)

    tiers = report.get("tiers") or {"none": 0}
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.bar(list(tiers), list(tiers.values()), color="#6a1b9a")
    ax.set_ylabel("customers")
    ax.set_title("Customers by tier")
    fig.tight_layout()
    written["tiers"] = out / "tiers.png"
    fig.savefig(written["tiers"], dpi=110)
    plt.close(fig)

    feedback = report.get("feedback", {})
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    ratings = feedback.get("ratings") or {}
    left.bar(list(ratings), list(ratings.values()), color="#ef6c00")
    left.set_xlabel("rating")
    left.set_ylabel("feedback records")
    left.set_title("Rating distribution")
    trend = feedback.get("trend") or {}
    if trend:
        right.plot(list(trend), list(trend.values()), marker="o", color="#ef6c00")
    else:
        right.text(0.5, 0.5, "no feedback yet", ha="center", va="center", transform=right.transAxes)
    right.set_ylim(1, 5)
    right.set_title("Average rating per month")
    fig.tight_layout()
    written["ratings"] = out / "ratings.png"
    fig.savefig(written["ratings"], dpi=110)
    plt.close(fig)

    rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(json.dumps(v) if isinstance(v, (dict, list)) else str(v))}</td></tr>"
                   for k, v in report.items() if k not in ("feedback", "segments", "tiers"))
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ServiceCoin analytics</title>
<style>body{{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#222}}
th{{text-align:left;padding-right:1em;vertical-align:top}}img{{max-width:100%;margin:1em 0}}</style></head>
<body><h1>ServiceCoin analytics</h1><p>As of {html.escape(str(report.get('as_of_text')))}.</p>
<img src="flows.png" alt="Points issued, spent and expired per month">
<img src="tiers.png" alt="Customers by tier">
<img src="ratings.png" alt="Rating distribution and trend">
<h2>Figures</h2><table>{rows}</table>
<h2>Segments</h2><pre>{html.escape(json.dumps(report.get('segments'), indent=2))}</pre>
</body></html>
"""
    written["html"] = out / "report.html"
    written["html"].write_text(page)
    return written
