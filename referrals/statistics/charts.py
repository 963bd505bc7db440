"""Charts of the dashboard tables: SVG drawn on the server by pygal.

No JavaScript and nothing fetched at run time (pygal's tooltip script, normally loaded
from a CDN, is switched off); the SVG scales to the width of a phone. Charts draw the
already suppressed tables, so a hidden count ("<5") is simply missing from the chart.
"""

from __future__ import annotations

import pygal
from markupsafe import Markup
from pygal.style import Style

from referrals.statistics.labels import label
from referrals.statistics.queries import Table
from referrals.statistics.suppression import hidden
from referrals.web_texts import text

MAX_BARS = 12
# Two drawings of each chart, so that its text is legible where it is shown: a narrow one for
# phones (380 units wide, shown about 337 px wide at 390 px: 13-unit text reads as 11.5 px) and
# a wide one for screens from 40rem (1000 units, shown up to about 930 px wide at 1280 px).
SIZES = {"narrow": (380, 14, 16), "wide": (1000, 15, 40)}  # width, font size, label characters
MIN_PIXELS = 11  # the smallest text a chart may show at its display width (checked by a test)


def _style(font: int) -> Style:
    return Style(
        background="transparent",
        plot_background="transparent",
        colors=("#1f5f8b", "#c0392b", "#7f8c8d"),
        font_family="system-ui, sans-serif",
        label_font_size=font,
        major_label_font_size=font,
        value_font_size=font - 1,
        value_label_font_size=font - 1,
        legend_font_size=font,
        title_font_size=font + 2,
        tooltip_font_size=font,
        no_data_font_size=font + 2,
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


def _config(chart: pygal.graph.graph.Graph, label_chars: int) -> None:
    chart.config.js = []  # no script from a CDN, no script at all
    chart.config.disable_xml_declaration = True
    chart.config.explicit_size = False  # scale with the page (viewBox only)
    chart.config.show_legend = False
    chart.config.print_values = False
    chart.config.truncate_label = label_chars


def _row_label(table: Table, row: list, language: str) -> str:
    labels = [
        label(language, kind.split(":", 1)[1], cell)
        for cell, kind in zip(row, table.kinds, strict=True)
        if kind.startswith("label:")
    ]
    return " · ".join(labels)


def render(table: Table, language: str, size: str = "wide") -> Markup | None:
    """The chart of `table` as inline SVG ("narrow" for phones, "wide" for screens), or None if
    it has none or nothing to draw."""
    if table.name not in CHARTS or not table.rows:
        return None
    width, font, label_chars = SIZES[size]
    kind, column = CHARTS[table.name]
    index = table.columns.index(column)
    rows = table.rows if kind != "hbar" else [r for r in table.rows if not hidden(r[index])][:MAX_BARS]
    if not rows:
        return None
    values = [None if hidden(row[index]) else row[index] for row in rows]
    if table.kinds[index] == "rate":
        values = [None if v is None else round(v * 100, 1) for v in values]
    style = _style(font)
    height = round(width * (0.62 if size == "narrow" else 0.36))
    if kind == "hbar":
        bar_height = max(height, (font * 2 + 8) * len(rows) + 4 * font)
        chart = pygal.HorizontalBar(style=style, width=width, height=bar_height)
        rows, values = rows[::-1], values[::-1]  # largest at the top
    elif kind == "line":
        chart = pygal.Line(style=style, width=width, height=height, x_label_rotation=40, range=(0, 100))
    else:
        chart = pygal.Bar(style=style, width=width, height=height, x_label_rotation=40)
    _config(chart, label_chars)
    chart.title = text(f"col.{column}", language) + (" (%)" if table.kinds[index] == "rate" else "")
    chart.x_labels = [_row_label(table, row, language) for row in rows]
    most_labels = 6 if size == "narrow" else 16
    if kind != "hbar" and len(rows) > most_labels:
        chart.x_labels_major_every = -(-len(rows) // most_labels)
        chart.show_minor_x_labels = False
    chart.add(text(f"col.{column}", language), values)
    return Markup(chart.render(is_unicode=True))  # noqa: S704 - pygal escapes every label it draws
