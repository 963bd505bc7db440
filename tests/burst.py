"""Bursts of messages from many simulated users, and what became of them: answered, lost,
answered twice, out of order. Used by the burst tests (tests/kill_burst.py, tests/test_inbox_*.py)
and benchmarks/inbox_soak.py."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import create_engine, text


@dataclass
class Score:
    sent: int = 0
    answered: int = 0
    lost: int = 0
    duplicated: int = 0
    out_of_order: int = 0

    def add(self, other: Score) -> None:
        for name in ("sent", "answered", "lost", "duplicated", "out_of_order"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def score(expected: list[str], answered: list[str]) -> Score:
    """One chat: `expected` are the keys of the messages sent, in order; `answered` the keys the
    replies showed, in the order they came. Out of order: an answer that came after the answer
    to a later message."""
    counts = Counter(answered)
    firsts = list(dict.fromkeys(k for k in answered if k in expected))
    positions = [expected.index(key) for key in firsts]
    late = sum(1 for i, position in enumerate(positions) if i and position < max(positions[:i]))
    found = sum(1 for key in expected if counts[key])
    return Score(
        sent=len(expected),
        answered=found,
        lost=len(expected) - found,
        duplicated=sum(count - 1 for key, count in counts.items() if key in expected and count > 1),
        out_of_order=late,
    )


def unfinished_updates(database_url: str) -> int:
    """Stored updates not yet done. A turn is done once its last reply went out, so at 0 with
    every message answered nothing more can arrive, twice or otherwise: what the burst tests wait
    for before they count (instead of a pause in which a late duplicate would have shown)."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(
                connection.scalar(text("SELECT count(*) FROM telegram_inbox WHERE done_at IS NULL")) or 0
            )
    finally:
        engine.dispose()
