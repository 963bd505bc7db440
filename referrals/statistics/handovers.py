"""Handovers to counsellors per town, topic or language, for the coordinators: counts only,
suppressed below 5 like every other figure (referrals.statistics.suppression)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from referrals.handover.models import HandoverCount
from referrals.statistics.suppression import Cell, protect_column

DIMENSIONS = {"town": HandoverCount.town, "topic": HandoverCount.topic, "language": HandoverCount.language}


def handovers_by(session: Session, dimension: str, start: date, end: date) -> list[tuple[str, Cell]]:
    """(value, count) per value of `dimension` in [start, end], largest first; small counts hidden."""
    column = DIMENSIONS[dimension]
    rows = session.execute(
        select(column, func.sum(HandoverCount.handovers))
        .where(HandoverCount.day >= start, HandoverCount.day <= end)
        .group_by(column)
        .order_by(func.sum(HandoverCount.handovers).desc(), column)
    ).all()
    cells = protect_column([int(count) for _, count in rows])
    return [(value, cell) for (value, _), cell in zip(rows, cells, strict=True)]
