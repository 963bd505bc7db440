"""CSV export of a dashboard table: the same suppressed cells as the page ("<5"), with the note.

Semicolon-separated, UTF-8 with BOM: spreadsheet programs set to German open it as columns.
The first lines say what the file is (table, period, place) and why some cells read "<5".
"""

from __future__ import annotations

import csv
import io

from referrals.statistics.labels import city_label, label
from referrals.statistics.queries import Filters, Table
from referrals.statistics.suppression import shown
from referrals.web_texts import text


def cell_text(value: object, kind: str, language: str) -> str:
    if kind.startswith("label:"):
        return label(language, kind.split(":", 1)[1], value)
    return shown(value, percent=kind == "rate")


def table_csv(table: Table, filters: Filters, language: str) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([f"# {text(f'table.{table.name}', language)}"])
    writer.writerow(
        [
            f"# {text('filter.period', language)}: {filters.start.isoformat()} – {filters.end.isoformat()}; "
            f"{text('filter.city', language)}: {city_label(language, filters.city)}"
        ]
    )
    writer.writerow([f"# {text('suppressed', language)}"])
    writer.writerow([text(f"col.{column}", language) for column in table.columns])
    for row in table.rows:
        writer.writerow(
            [cell_text(value, kind, language) for value, kind in zip(row, table.kinds, strict=True)]
        )
    return out.getvalue()
