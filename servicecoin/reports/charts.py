"""Charts a person would rather look at than read: PNG plots (matplotlib, Agg) and the HTML page that
shows them beside the tables (html.py).

Rules every chart follows: a continuous month axis (a month with no movement is on it, at zero); each
series of the flows chart on its own scale, so spent and expired stay visible beside issued; counts
get whole-number ticks; every number carries thousands separators.
"""

from __future__ import annotations

import math
from pathlib import Path

from servicecoin.token import UNIT

COLOURS = {"issued": "#2e7d32", "spent": "#1565c0", "expired": "#c62828", "tiers": "#6a1b9a", "ratings": "#ef6c00"}
DPI = 110


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 10, "axes.spines.top": False, "axes.spines.right": False,
                         "axes.titlelocation": "left", "axes.titleweight": "bold"})
    return plt


def thousands(value: float, _pos=None) -> str:
    """A tick or bar label: '12,345' (whole numbers), '12.50' below 100 when not whole."""
    if abs(value) < 100 and value != int(value):
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def _month_ticks(ax, months: list[str]) -> None:
    """Every month on the axis; the labels thinned out to about 12 when there are many."""
    step = max(1, math.ceil(len(months) / 12))
    ax.set_xticks(range(len(months)))
    ax.set_xticklabels([m if i % step == 0 else "" for i, m in enumerate(months)],
                       rotation=45 if len(months) > 6 else 0, ha="right" if len(months) > 6 else "center")
    pad = max(0.6, (6 - len(months)) / 2)  # a short axis keeps the width of six months: no wall-wide bars
    ax.set_xlim(-pad, len(months) - 1 + pad)


def _label_bars(ax, bars, values: list[float]) -> None:
    for bar, v in zip(bars, values):
        if v:
            ax.annotate(thousands(v), (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center",
                        va="bottom", fontsize=8, xytext=(0, 2), textcoords="offset points")


def flows_chart(path: Path, flows: dict[str, dict[str, int]]) -> Path:
    """Issued, spent and expired points per month: three panels on one month axis, each on its own scale."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    plt = _plt()
    months = list(flows)
    fig, axes = plt.subplots(3, 1, figsize=(9, 6.6), sharex=True)
    fig.suptitle("Points issued, spent and expired per month", x=0.01, ha="left", fontweight="bold")
    for ax, key in zip(axes, ("issued", "spent", "expired")):
        values = [flows[m][key] / UNIT for m in months]
        total = sum(values)
        ax.set_title(f"{key.capitalize()}: {total:,.2f} points in all", fontsize=10)
        bars = ax.bar(range(len(months)), values, width=0.6, color=COLOURS[key])
        _label_bars(ax, bars, values)
        ax.yaxis.set_major_formatter(FuncFormatter(thousands))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4))
        top = max(values, default=0)
        ax.set_ylim(0, top * 1.25 if top else 1)
        if not top:
            ax.set_yticks([0])
            ax.text(0.5, 0.5, f"nothing {key}", ha="center", va="center", transform=ax.transAxes, color="#666")
        ax.set_ylabel("points")
        ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
        ax.set_axisbelow(True)
    if not months:
        axes[-1].set_xticks([])
    else:
        _month_ticks(axes[-1], months)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def tiers_chart(path: Path, tiers: dict[str, int]) -> Path:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    names, values = list(tiers) or ["no customers"], list(tiers.values()) or [0]
    bars = ax.bar(names, values, width=0.55, color=COLOURS["tiers"])
    _label_bars(ax, bars, values)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    ax.set_ylim(0, max(values) * 1.2 if max(values) else 1)
    ax.set_ylabel("customers")
    ax.set_title("Customers by tier")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def ratings_chart(path: Path, feedback: dict) -> Path:
    """Rating distribution (counts) beside the average rating per month (a gap where a month had none)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    plt = _plt()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8), gridspec_kw={"width_ratios": [2, 3]})
    ratings = feedback.get("ratings") or {str(r): 0 for r in range(1, 6)}
    values = list(ratings.values())
    bars = left.bar(list(ratings), values, width=0.6, color=COLOURS["ratings"])
    _label_bars(left, bars, values)
    left.yaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    left.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    left.set_ylim(0, max(values) * 1.25 if max(values) else 1)
    left.set_xlabel("rating (stars)")
    left.set_ylabel("feedback records")
    left.set_title("Rating distribution")
    rating_trend(right, [("", feedback.get("trend") or {}, COLOURS["ratings"], 1.5)])
    return save(fig, path)


def rating_trend(ax, series: list[tuple[str, dict, str, float]]) -> None:
    """Average ratings per month on `ax`: one line per (label, {month: average or None}, colour, width), all on
    the same continuous month axis, a gap where a month had no rating; a legend below when lines are named."""
    months = list(series[0][1]) if series else []
    if months:
        for label, trend, colour, width in series:
            ys = [math.nan if v is None else v for v in trend.values()]
            ax.plot(range(len(months)), ys, marker="o", color=colour, label=label or None, linewidth=width)
        _month_ticks(ax, months)
        if any(label for label, *_ in series):
            ax.legend(fontsize=8, frameon=False, ncol=len(series), loc="upper center",
                      bbox_to_anchor=(0.5, -0.16 if len(months) <= 6 else -0.3))
    else:
        ax.set_xticks([])
        ax.text(0.5, 0.5, "no feedback yet", ha="center", va="center", transform=ax.transAxes, color="#666")
    ax.set_ylim(0.5, 5.5)
    ax.set_yticks([1, 2, 3, 4, 5])
    ax.set_ylabel("average rating")
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
    ax.set_title("Average rating per month")


def save(fig, path: Path) -> Path:
    """Lay out, write and close a figure."""
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    _plt().close(fig)
    return path


def write_charts(directory: str | Path, flows: dict[str, dict[str, int]], report: dict) -> dict[str, Path]:
    """Write flows.png, tiers.png, ratings.png and report.html into `directory`; returns the paths."""
    from servicecoin.reports.html import write_page

    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written = {
        "flows": flows_chart(out / "flows.png", flows),
        "tiers": tiers_chart(out / "tiers.png", report.get("tiers") or {}),
        "ratings": ratings_chart(out / "ratings.png", report.get("feedback") or {}),
    }
    written["html"] = write_page(out / "report.html", report, flows, {k: p.name for k, p in written.items()})
    return written
