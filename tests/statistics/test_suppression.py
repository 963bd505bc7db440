"""Small-count suppression rules, cell by cell."""

from __future__ import annotations

from referrals.statistics.suppression import WITHHELD, hidden, protect_column, rate, shown, suppress


def test_counts_from_one_to_four_are_hidden_zero_and_five_are_shown() -> None:
    assert [suppress(n) for n in range(7)] == [0, None, None, None, None, 5, 6]
    assert shown(None) == "<5" and shown(WITHHELD) == "x" and shown(0) == "0" and shown(5) == "5"


def test_a_single_hidden_cell_gets_a_companion() -> None:
    # 40 + 9 + 3 = 52 is shown elsewhere: 3 would be 52 - 40 - 9, so 9 is withheld as well.
    assert protect_column([40, 9, 3]) == [40, WITHHELD, None]
    assert protect_column([40, 9, 3, 2]) == [40, 9, None, None]  # two hidden: neither follows
    assert protect_column([40, 9, 12]) == [40, 9, 12]
    assert protect_column([0, 3, 8]) == [0, None, WITHHELD]  # a zero protects nothing
    assert protect_column([3]) == [None]
    assert protect_column([]) == []


def test_rates_built_on_a_hidden_count_are_hidden() -> None:
    assert rate(6, 36) == 6 / 36
    assert rate(None, 36) is None and rate(6, None) is None and rate(WITHHELD, 36) is None
    assert rate(0, 0) == 0.0
    assert shown(rate(6, 36), percent=True) == "16.7 %"
    assert hidden(None) and hidden(WITHHELD) and not hidden(0)
