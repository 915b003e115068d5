"""Tables for people: what a report shows, built once, then laid out as text (here) or HTML (html.py).

A `Table` holds cells that are already text (points with 2 decimals and thousands separators,
percentages, dates), so the terminal and the HTML page show the same figures by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

from servicecoin.token import fmt

DASH = "—"  # what a missing figure reads (never 'None')


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: list[list[str]]
    align: str = ""  # one letter per column, 'l' or 'r' (default: first left, the rest right)
    note: str = ""  # one line under the table
    empty: str = "none"  # what the table says when it has no rows
    key_value: bool = False  # a list of figures (label, value) rather than a grid with a header

    def aligns(self) -> str:
        width = len(self.headers) or (len(self.rows[0]) if self.rows else 0)
        a = self.align or ("l" + "r" * (width - 1))
        return a.ljust(width, "r")


def points(raw: int | None) -> str:
    """Raw units → '1,234.50' (2 decimals, thousands separators)."""
    return DASH if raw is None else fmt(int(raw))


def decimal(value: float | None, places: int = 2) -> str:
    """A figure already in points (or currency) → '1,234.50'."""
    return DASH if value is None else f"{value:,.{places}f}"


def pct(value: float | None) -> str:
    """0.2 → '20%'; a share too small to round to 1% reads '<1%', never a misleading '0%'."""
    if value is None:
        return DASH
    return "<1%" if 0 < value < 0.005 else f"{value:.0%}"


def count(value: int | None) -> str:
    return DASH if value is None else f"{value:,}"


def render_text(table: Table, indent: str = "  ") -> list[str]:
    """The table as aligned text lines: the title, a header, the rows, and the note."""
    lines = [table.title]
    if not table.rows:
        return lines + [indent + table.empty] + ([indent + table.note] if table.note else [])
    grid = ([] if table.key_value else [table.headers]) + table.rows
    widths = [max(len(r[i]) for r in grid) for i in range(len(grid[0]))]
    aligns = "l" * len(widths) if table.key_value else table.aligns()

    def line(cells: list[str]) -> str:
        parts = [c.ljust(w) if a == "l" else c.rjust(w) for c, w, a in zip(cells, widths, aligns)]
        return (indent + "  ".join(parts)).rstrip()

    if not table.key_value:
        lines.append(line(table.headers))
        lines.append(indent + "  ".join("-" * w for w in widths))
    lines += [line(r) for r in table.rows]
    if table.note:
        lines.append(indent + table.note)
    return lines


def render_all(title: str, tables: list[Table]) -> str:
    """A title line and every table, a blank line between them."""
    out = [title]
    for t in tables:
        out += [""] + render_text(t)
    return "\n".join(out)
