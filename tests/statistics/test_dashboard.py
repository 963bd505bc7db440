"""The dashboard as a coordinator sees it: views, filters, charts, CSV, and small counts suppressed."""

from __future__ import annotations

import base64
import csv
import io
import re
from datetime import date, datetime

import pytest

from referrals.admin.statistics_pages import TABLES, VIEWS
from referrals.statistics.recording import TurnFacts

WEDNESDAY = date(2026, 11, 18)


def turn(recorder, sender: str, language: str, intent: str, topic: str = "", city: str = "", **kw) -> None:
    now = recorder.now()
    facts = TurnFacts(now.date(), now.hour, language, intent, topic, recorder.city(city), **kw)
    recorder.record_turn(sender, facts)


@pytest.fixture
def scenario(recorder, clock) -> None:
    """One Wednesday: 28 conversations, 35 messages; an old Ukrainian week in June."""
    for i in range(7):  # Arabic, health, Berlin: two messages each
        turn(recorder, f"ar{i}", "ar", "request_referral", "health", "Berlin")
        turn(recorder, f"ar{i}", "ar", "inform_place", "health", "Berlin")
        recorder.record_referral("health", "Berlin", "local", ["Org Berlin"])
    for i in range(12):  # German, Kita, Darmstadt: half of the searches find nothing local
        turn(recorder, f"de{i}", "de", "request_referral", "youth_family", "Darmstadt")
        outcome = "local" if i % 2 else "nationwide"
        recorder.record_referral("youth_family", "Darmstadt", outcome, ["Org Darmstadt"] if i % 2 else [])
    for i in range(3):  # Persian, women, Bochum: too few to show
        turn(recorder, f"fa{i}", "fa", "request_referral", "women", "Bochum")
        recorder.record_referral("women", "Bochum", "nationwide", ["Hotline"])
    for i in range(6):  # not understood, no place
        turn(recorder, f"f{i}", "de", "faq", fallback=True)
    turn(recorder, "c0", "tr", "crisis_violence", crisis="violence")  # one crisis answer: suppressed
    clock.set(datetime(2026, 6, 3, 14, 0))
    for i in range(5):
        turn(recorder, f"uk{i}", "uk", "faq", "citizen_office", "Hamburg")
    clock.set(datetime(2026, 11, 18, 10, 30))


def rows_of(csv_text: str) -> list[list[str]]:
    assert csv_text.startswith("\ufeff")
    lines = [row for row in csv.reader(io.StringIO(csv_text[1:]), delimiter=";")]
    assert lines[0][0].startswith("# ") and lines[2][0].startswith("# ")
    assert "<5" in lines[2][0]  # the note, in every export
    return lines[3:]  # header and data


def export(client, table: str, query: str = "") -> list[list[str]]:
    response = client.get(f"/statistics/csv/{table}.csv?lang=en&{query}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    return rows_of(response.text)


def test_languages_topics_and_places_with_small_counts_suppressed(scenario, dashboard_client) -> None:
    client = dashboard_client("coordinator")
    page = client.get("/statistics/people?lang=en")
    assert page.status_code == 200
    assert "By language" in page.text and "By topic" in page.text
    assert "counts below 5 are never shown" in page.text  # the note

    languages = export(client, "language")
    assert languages[0] == ["Language", "Conversations", "Messages"]
    assert ["German", "18", "18"] in languages
    assert ["Persian", "<5", "<5"] in languages
    assert ["Turkish", "<5", "<5"] in languages
    # Two cells hidden in each column: nothing can be worked out from the totals, Arabic stays.
    assert ["Arabic", "7", "14"] in languages

    topics = {row[0]: row[1:] for row in export(client, "topic")[1:]}
    assert topics["Women"] == ["<5", "<5"]
    # One hidden cell alone (Women) would follow from the total: the next smallest is withheld.
    assert topics["Health"] == ["x", "14"]
    assert topics["Kita, school, youth and family"] == ["12", "x"]

    cities = {row[0]: row[1:] for row in export(client, "cities")[1:]}
    assert cities["Bochum"] == ["<5", "<5"]
    assert cities["no place given"] == ["x", "x"]  # 7 conversations, withheld to protect Bochum
    assert cities["Darmstadt"] == ["12", "12"]
    assert cities["Berlin"] == ["7", "14"]


def test_weekly_overview_period_filter_and_totals(scenario, dashboard_client) -> None:
    client = dashboard_client("coordinator")
    weekly = export(client, "weekly")
    assert weekly[0] == ["Week of", "Conversations", "Messages", "Crisis answers"]
    assert weekly[-1] == ["2026-11-16", "29", "36", "<5"]
    assert len(weekly) == 1 + 12  # every week of the default period, also the empty ones
    assert all(row[1:] == ["0", "0", "0"] for row in weekly[1:-1])
    assert not [row for row in weekly if row[0] == "2026-06-01"]  # June is outside 12 weeks

    half_year = export(client, "weekly", "period=26w")
    assert ["2026-06-01", "5", "5", "0"] in half_year
    custom = export(client, "weekly", "from=2026-06-01&to=2026-06-07")
    assert custom[1:] == [["2026-06-01", "5", "5", "0"]]
    assert export(client, "weekly", "period=&from=2026-06-01&to=2026-06-07") == custom
    assert export(client, "weekly", "period=4w&from=2026-06-01&to=2026-06-07")[-1][0] == "2026-11-16"
    form = client.get("/statistics/?period=&from=2026-06-01&to=2026-06-07").text
    assert '<option value="" selected>' in form and 'value="2026-06-01"' in form

    page = client.get("/statistics/?lang=en")
    assert "29 conversations, 36 messages from 2026-08-31 to 2026-11-18" in page.text
    german = client.get("/statistics/", headers={"accept-language": "de-DE,de;q=0.9"})
    assert "Gespräche pro Woche" in german.text and "29 Gespräche, 36 Nachrichten" in german.text


def test_city_filter(scenario, dashboard_client) -> None:
    client = dashboard_client("coordinator")
    bochum = export(client, "language", "city=Bochum")
    assert bochum[1:] == [["Persian", "<5", "<5"]]
    darmstadt = export(client, "weekly", "city=Darmstadt")
    assert darmstadt[-1] == ["2026-11-16", "12", "12", "0"]
    page = client.get("/statistics/people?lang=en&city=Darmstadt")
    assert '<option value="Darmstadt" selected>' in page.text
    # Only cities of the directory are accepted; anything else means all places.
    unknown = export(client, "weekly", "city=Atlantis")
    assert unknown[-1][1] == "29"


def test_needs_without_a_local_offer(scenario, dashboard_client) -> None:
    client = dashboard_client("coordinator")
    needs = export(client, "needs")
    assert needs[0] == [
        "Topic",
        "Place",
        "Searches",
        "without a local offer",
        "of which nothing at all",
        "Share without a local offer",
    ]
    assert needs[1] == ["Kita, school, youth and family", "Darmstadt", "12", "6", "0", "50.0 %"]
    assert ["Health", "Berlin", "7", "0", "0", "0.0 %"] in needs
    assert ["Women", "Bochum", "<5", "<5", "0", "<5"] in needs


def test_understanding_and_organisations(scenario, dashboard_client) -> None:
    client = dashboard_client("coordinator")
    fallback = export(client, "fallback")
    assert fallback[-1] == ["2026-11-16", "36", "6", "16.7 %"]
    misunderstood = export(client, "misunderstood_intents")
    assert misunderstood[1:] == [["information question", "6", "6"]]
    organisations = {row[0]: row[1] for row in export(client, "organisations")[1:]}
    assert organisations == {"Org Berlin": "7", "Org Darmstadt": "x", "Hotline": "<5"}


def test_every_view_and_table_renders_with_charts_and_no_small_count(scenario, dashboard_client) -> None:
    client = dashboard_client("coordinator")
    for view in VIEWS:
        for language in ("de", "en"):
            page = client.get(f"/statistics/{view}?lang={language}&period=52w")
            assert page.status_code == 200, (view, page.text[:500])
            assert 'name="viewport"' in page.text
            cells = re.findall(r'<td class="num">([^<]*)</td>', page.text)
            assert not {"1", "2", "3", "4"} & set(cells), view
            for uri in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page.text):
                svg = base64.b64decode(uri).decode()
                assert svg.startswith("<svg"), svg[:100]
                assert "<script" not in svg, re.findall(r".{80}<script.{80}", svg)
                assert not re.search(r"(href|src)=\"https?:", svg)  # nothing fetched from elsewhere
    for table in TABLES:
        rows = export(client, table, "period=52w")
        for row in rows[1:]:
            assert not {"1", "2", "3", "4"} & set(row[1:]), (table, row)
    charts = client.get("/statistics/people?lang=en").text
    svgs = [base64.b64decode(u).decode() for u in re.findall(r"base64,([^\"]+)", charts)]
    # three charts, each drawn for phones and for wide screens; a suppressed count is not drawn
    assert len(svgs) == 6 and not any("Persian" in svg for svg in svgs)


def test_unknown_view_or_table(dashboard_client) -> None:
    client = dashboard_client("admin")
    assert client.get("/statistics/nothing").status_code == 404
    assert client.get("/statistics/csv/nothing.csv").status_code == 404
    empty = client.get("/statistics/organisations?lang=de").text
    assert "gab es keine Gespräche" in empty and "<table" not in empty  # one line, no table of zeros


def test_the_city_filter_lists_the_directory_cities(directory) -> None:
    from referrals.directory.search import directory_places
    from referrals.statistics.queries import directory_cities

    with directory() as session:
        assert directory_cities(session) == directory_places(session)
