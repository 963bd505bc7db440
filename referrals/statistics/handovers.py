"""Handovers to counsellors per town, topic or language, for the coordinators: counts only,
suppressed below 5 like every other figure (referrals.statistics.suppression), and ordered so
that the place of a "<5" row tells nothing about its size (as queries._ranked does)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from referrals.handover.models import HandoverCount
from referrals.statistics.models import ALL_CITIES
from referrals.statistics.queries import Filters, Table
from referrals.statistics.suppression import Cell, hidden, protect_column

DIMENSIONS = {"city": HandoverCount.town, "topic": HandoverCount.topic, "language": HandoverCount.language}


def handovers_by(session: Session, dimension: str, f: Filters) -> list[tuple[str, Cell]]:
    """(value, count) per value of `dimension` in the period (and town), shown counts first."""
    column = DIMENSIONS[dimension]
    query = (
        select(column, func.sum(HandoverCount.handovers))
        .where(HandoverCount.day.between(f.start, f.end))
        .group_by(column)
        .order_by(column)  # the same cell is withheld on every request
    )
    if f.city != ALL_CITIES:
        query = query.where(HandoverCount.town == f.city)
    rows = session.execute(query).all()
    cells = protect_column([int(count) for _, count in rows])
    result = [(str(value), cell) for (value, _), cell in zip(rows, cells, strict=True)]
    return sorted(result, key=_shown_first)


def _shown_first(row: tuple[str, Cell]) -> tuple[bool, int, str]:
    """Shown counts first, largest first; hidden ones after, by name (not by their size)."""
    value, cell = row
    return (True, 0, value) if hidden(cell) or not isinstance(cell, int) else (False, -cell, value)


def table(session: Session, f: Filters, dimension: str) -> Table:
    """The dashboard's table of handovers per `dimension` (city, topic, language)."""
    result = Table(f"handovers_{dimension}", [dimension, "handovers"], [f"label:{dimension}", "count"])
    result.rows = [[value, cell] for value, cell in handovers_by(session, dimension, f)]
    return result
