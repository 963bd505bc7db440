"""Small-count suppression: no count from 1 to 4 is ever shown or exported.

A count below `THRESHOLD` could single out a person (one Farsi speaker asking about
violence in a small city), so it becomes `None` and is shown as "<5". Zero is shown:
it says nothing about anyone. A suppressed cell must not be recoverable by subtraction
either: where a table's column adds up to a total that is shown elsewhere, a single
suppressed cell would be (total - visible cells), so the next smallest cell is
suppressed with it ("complementary suppression"). Rates are suppressed when their
numerator or denominator is.
"""

from __future__ import annotations

from collections.abc import Sequence

THRESHOLD = 5
SHOWN_AS = "<5"
WITHHELD_AS = "x"


class _Withheld:
    """A count that may be shown on its own but is withheld to protect a suppressed one."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "WITHHELD"


WITHHELD = _Withheld()
Cell = int | None | _Withheld


def hidden(value: object) -> bool:
    return value is None or value is WITHHELD


def suppress(count: int | None) -> int | None:
    """The count if it may be shown, else None."""
    if count is None or 0 < count < THRESHOLD:
        return None
    return count


def protect_column(counts: Sequence[int | None]) -> list[Cell]:
    """Suppress small counts, and withhold one more when exactly one is suppressed (module doc)."""
    result: list[Cell] = [suppress(c) for c in counts]
    hidden = [i for i, c in enumerate(result) if c is None]
    if len(hidden) == 1:
        visible = [(c, i) for i, c in enumerate(result) if isinstance(c, int) and c]  # zeros reveal nothing
        if visible:
            result[min(visible)[1]] = WITHHELD
    return result


def rate(numerator: Cell, denominator: Cell) -> float | None:
    """numerator / denominator, None when either is suppressed; 0 when nothing was counted."""
    if not isinstance(numerator, int) or not isinstance(denominator, int):
        return None
    return numerator / denominator if denominator else 0.0


def shown(value: object, percent: bool = False) -> str:
    """How a cell reads on the page and in CSV."""
    if value is None:
        return SHOWN_AS
    if value is WITHHELD:
        return WITHHELD_AS
    if percent and isinstance(value, float):
        return f"{value * 100:.1f} %"
    return str(value)
