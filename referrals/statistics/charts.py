"""Charts of the dashboard tables: SVG drawn on the server by pygal.

No JavaScript and nothing fetched at run time (pygal's tooltip script, normally loaded
from a CDN, is switched off); the SVG scales to the width of a phone. Charts draw the
already suppressed tables, so a hidden count ("<5") is simply missing from the chart.
"""

from __future__ import annotations

import pygal
from markupsafe import Markup
from pygal.style import Style

from referrals.statistics.i18n import label, text
from referrals.statistics.queries import Table
from referrals.statistics.suppression import hidden

MAX_BARS = 12
STYLE = Style(
    background="transparent",
    plot_background="transparent",
    colors=("#1f5f8b", "#c0392b", "#7f8c8d"),
    font_family="system-ui, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=12,
    legend_font_size=13,
    title_font_size=15,
)
# table -> (chart kind, the column drawn)
CHARTS = {
    "weekly": ("bar", "conversations"),
    "hours": ("bar", "turns"),
    "language": ("hbar", "conversations"),
    "topic": ("hbar", "conversations"),
    "cities": ("hbar", "conversations"),
    "needs": ("hbar", "without_local"),
    "fallback": ("line", "fallback_rate"),
    "misunderstood_topics": ("hbar", "turns"),
    "organisations": ("hbar", "shown"),
}


def _config(chart: pygal.graph.graph.Graph) -> None:
    chart.config.js = []  # no script from a CDN, no script at all
    chart.config.disable_xml_declaration = True
    chart.config.explicit_size = False  # scale with the page (viewBox only)
    chart.config.show_legend = False
    chart.config.print_values = False
    chart.config.truncate_label = 40


def _row_label(table: Table, row: list, language: str) -> str:
    labels = [
        label(language, kind.split(":", 1)[1], cell)
        for cell, kind in zip(row, table.kinds, strict=True)
        if kind.startswith("label:")
    ]
    return " · ".join(labels)


def render(table: Table, language: str) -> Markup | None:
    """The chart of `table` as inline SVG, or None if it has none or nothing to draw."""
    if table.name not in CHARTS or not table.rows:
        return None
    kind, column = CHARTS[table.name]
    index = table.columns.index(column)
    rows = table.rows if kind != "hbar" else [r for r in table.rows if not hidden(r[index])][:MAX_BARS]
    if not rows:
        return None
    values = [None if hidden(row[index]) else row[index] for row in rows]
    if table.kinds[index] == "rate":
        values = [None if v is None else round(v * 100, 1) for v in values]
    if kind == "hbar":
        chart = pygal.HorizontalBar(style=STYLE, width=800, height=max(220, 34 * len(rows) + 60))
        rows, values = rows[::-1], values[::-1]  # largest at the top
    elif kind == "line":
        chart = pygal.Line(style=STYLE, width=800, height=320, x_label_rotation=40, range=(0, 100))
    else:
        chart = pygal.Bar(style=STYLE, width=800, height=320, x_label_rotation=40)
    _config(chart)
    chart.title = text(language, f"col.{column}") + (" (%)" if table.kinds[index] == "rate" else "")
    chart.x_labels = [_row_label(table, row, language) for row in rows]
    if kind != "hbar" and len(rows) > 16:
        chart.x_labels_major_every = max(1, len(rows) // 8)
        chart.show_minor_x_labels = False
    chart.add(text(language, f"col.{column}"), values)
    return Markup(chart.render(is_unicode=True))  # noqa: S704 - pygal escapes every label it draws
