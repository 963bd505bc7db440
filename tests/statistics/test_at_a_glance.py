"""The statistics read at a glance: the overview leads with conversations, needs without a local
offer and the share not understood, with their change against the period before; an empty period
says so in one line; every chart's text stays legible on a phone and on a wide screen."""

from __future__ import annotations

import base64
import re
from datetime import datetime

import pytest

from referrals.admin.statistics_pages import TABLES
from referrals.statistics import charts
from referrals.statistics.queries import Filters
from tests.statistics.test_dashboard import WEDNESDAY, scenario, turn  # noqa: F401 - the fixture

# Width a chart is shown at (px): at 390 px, the page's and the card's padding leave about 337;
# at 1280 px the page is 60rem wide, which leaves about 906 (measured in Chromium, see the
# browser test).
SHOWN_AT = {"narrow": 337, "wide": 906}


@pytest.fixture
def july(recorder, clock, scenario) -> None:  # noqa: F811 - the imported fixture
    """The previous 12 weeks: 20 conversations, 5 of them not understood, 5 searches without a local offer."""
    clock.set(datetime(2026, 7, 15, 11, 0))
    for i in range(15):
        turn(recorder, f"j{i}", "ar", "request_referral", "health", "Berlin")
    for i in range(5):
        turn(recorder, f"jf{i}", "de", "faq", fallback=True)
        recorder.record_referral("women", "Berlin", "nationwide", ["Hotline"])
    clock.set(datetime(2026, 11, 18, 10, 30))


def figures(html: str) -> list[tuple[str, str, str]]:
    return re.findall(
        r'id="figure-([a-z_]+)"><span class="label">[^<]+</span><strong class="value">([^<]+)</strong>'
        r'<span class="trend [a-z]+">([^<]+)</span>',
        html,
    )


def test_the_overview_leads_with_three_numbers_and_their_change(july, dashboard_client) -> None:
    page = dashboard_client("coordinator").get("/statistics/?lang=de").text
    assert figures(page) == [
        ("conversations", "29", "+45 % zum Zeitraum davor"),  # 20 -> 29
        ("without_local", "9", "+80 % zum Zeitraum davor"),  # 5 -> 9
        ("fallback_rate", "16,7 %", "-8,3 Prozentpunkte zum Zeitraum davor"),  # 25 % -> 6 of 36
    ]
    assert page.index('id="figure-conversations"') < page.index('id="weekly"')  # before any table


def test_a_change_from_a_hidden_or_empty_period_is_not_made_up(scenario, dashboard_client) -> None:  # noqa: F811
    page = dashboard_client("coordinator").get("/statistics/?lang=en").text
    assert [trend for _key, _value, trend in figures(page)] == ["no comparison possible"] * 3


def test_an_empty_period_says_so_in_one_line(scenario, dashboard_client) -> None:  # noqa: F811
    client = dashboard_client("coordinator")
    for view in ("", "people", "needs", "understanding", "organisations"):
        page = client.get(f"/statistics/{view}?lang=de&period=&from=2025-01-01&to=2025-03-31").text
        assert "Vom 01.01.2025 bis 31.03.2025 gab es keine Gespräche." in page
        assert "<table" not in page and "<img" not in page and "figure-" not in page


def test_a_table_of_zeros_becomes_one_line(scenario, dashboard_client) -> None:  # noqa: F811
    """June: five conversations in Hamburg, and none of them a referral search."""
    page = dashboard_client("coordinator").get(
        "/statistics/needs?lang=de&period=&from=2026-06-01&to=2026-06-07"
    )
    section = page.text.split('id="needs"')[1].split("</section>")[0]
    assert "Keine Daten in diesem Zeitraum." in section and "<table" not in section


def _smallest_text_px(svg: str, shown_at: int) -> float:
    view_width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
    sizes = [float(s) for s in re.findall(r"font-size:\s*([\d.]+)px", svg)]
    return min(sizes) * shown_at / view_width


@pytest.mark.parametrize("size", ["narrow", "wide"])
def test_chart_text_is_legible_where_the_chart_is_shown(scenario, directory, size: str) -> None:  # noqa: F811
    filters = Filters.last_weeks(52, WEDNESDAY)
    drawn = 0
    with directory() as session:
        for name, build in TABLES.items():
            svg = charts.render(build(session, filters), "de", size)
            if svg is None:
                continue
            drawn += 1
            smallest = _smallest_text_px(str(svg), SHOWN_AT[size])
            assert smallest >= charts.MIN_PIXELS, f"{name} ({size}): {smallest:.1f} px"
    assert drawn >= 6


def test_the_page_offers_the_wide_drawing_to_wide_screens_only(scenario, dashboard_client) -> None:  # noqa: F811
    page = dashboard_client("coordinator").get("/statistics/people?lang=en").text
    pictures = re.findall(
        r'<source media="\(min-width: 40rem\)" srcset="data:image/svg\+xml;base64,([^"]+)">', page
    )
    assert len(pictures) == 3
    widths = {re.search(r'viewBox="0 0 (\d+)', base64.b64decode(p).decode()).group(1) for p in pictures}
    assert widths == {"1000"}
