"""Benchmark: the coordinator dashboard over 1 000 000 recorded turns (default).

Generates a year of conversations (about 3.5 turns each; skewed languages, topics and
cities of the demo directory, "no place" and "another place"; 8 % not understood, 0.5 %
crisis; a referral search in one turn of five), counts them exactly as the action server
does (referrals.statistics.recording: the same cells, the same daily distinct-conversation
counting), writes the counters, then times every dashboard view through the real
Starlette routes (HTML with charts; and every CSV export) for the whole year, the default
12 weeks and one city. Also times the recording of single turns (the upsert path).
SQLite, and PostgreSQL when a server answers at 127.0.0.1:5432 (database `test`).
Target: <= 500 ms per view on 2 cores.

    .venv/bin/python benchmarks/statistics_dashboard.py [--turns 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.testclient import TestClient

from referrals.admin import statistics_pages as dashboard
from referrals.db import make_engine, upgrade_database
from referrals.directory.hsds_read import import_file
from referrals.directory.search import directory_places
from referrals.statistics.models import (
    NO_CITY,
    OTHER_CITY,
    StatisticsCount,
    StatisticsOrganization,
    StatisticsReferral,
)
from referrals.statistics.recording import TIMEZONE, DailyConversations, Recorder, TurnFacts
from referrals.topics import SUPPORTED_LANGUAGES, TOPICS

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo_directory.json"
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TODAY = date(2026, 11, 18)
LANGUAGE_WEIGHTS = [22, 8, 20, 12, 9, 14, 10, 5]  # de en ar tr ru uk fa fr
INTENTS = {
    "request_referral": 24, "faq": 22, "inform_place": 12, "greet": 10, "affirm": 7, "deny": 3,
    "thanks": 6, "help": 4, "goodbye": 3, "choose_language": 2, "bot_challenge": 1, "out_of_scope": 2,
}  # fmt: skip
CRISES = ["crisis_medical", "crisis_violence", "crisis_suicidal", "crisis_child_danger"]
OUTCOMES = (["local"] * 62) + (["nearby"] * 14) + (["nationwide"] * 18) + (["none"] * 6)
ORGANISATIONS_BY_CITY = """
    SELECT DISTINCT o.name, a.city FROM organization o JOIN service s ON s.organization_id = o.id
    JOIN service_at_location sal ON sal.service_id = s.id JOIN address a ON a.location_id = sal.location_id
    UNION SELECT DISTINCT o.name, '' FROM organization o JOIN service s ON s.organization_id = o.id
    JOIN service_area sa ON sa.service_id = s.id WHERE sa.scope = 'nationwide'
"""
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 4, 7, 10, 12, 12, 11, 10, 10, 11, 11, 10, 10, 11, 12, 12, 10, 6, 3]


def generate(turns: int, cities: list[str], organisations: dict[str, list[str]], seed: int = 7):
    """Counter rows as the recorder would have written them for `turns` generated turns."""
    rng = random.Random(seed)
    city_choices = [*cities, NO_CITY, OTHER_CITY]
    city_weights = [10 + 30 / (i + 1) for i in range(len(cities))] + [60, 25]
    topics = list(TOPICS)
    topic_weights = [30 / (i + 1) for i in range(len(topics))]
    intents, intent_weights = list(INTENTS), list(INTENTS.values())
    days = [TODAY - timedelta(days=d) for d in range(365)]
    day_weights = [0.6 + d / 365 for d in range(365, 0, -1)]  # growing use over the year
    seen = DailyConversations()
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    searches: dict[tuple, int] = defaultdict(int)
    shown: dict[tuple, int] = defaultdict(int)
    done = conversation = 0
    while done < turns:
        conversation += 1
        sender = f"c{conversation}"
        day = rng.choices(days, day_weights)[0]
        hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
        language = rng.choices(SUPPORTED_LANGUAGES, LANGUAGE_WEIGHTS)[0]
        city = rng.choices(city_choices, city_weights)[0]
        topic = rng.choices(topics, topic_weights)[0]
        for _ in range(min(turns - done, max(1, round(rng.expovariate(1 / 3.5))))):
            done += 1
            roll = rng.random()
            if roll < 0.08:
                facts = TurnFacts(day, hour, language, rng.choices(intents, intent_weights)[0], fallback=True,
                                  topic=topic if rng.random() < 0.3 else "", city=city)  # fmt: skip
            elif roll < 0.085:
                crisis = rng.choice(CRISES)
                kind = crisis.removeprefix("crisis_")
                facts = TurnFacts(day, hour, language, crisis, city=city, crisis=kind)
            else:
                intent = rng.choices(intents, intent_weights)[0]
                carries = intent in ("request_referral", "faq", "inform_place")
                facts = TurnFacts(day, hour, language, intent, topic if carries else "", city)
            cells = facts.cells()
            first = seen.first_seen(day, sender, cells)
            for cell in cells:
                count = counts[(cell[0], cell[1], day, cell[2])]
                count[0] += 1
                count[1] += cell in first
            if rng.random() < 0.2:
                outcome = rng.choice(OUTCOMES)
                searches[(day, city, topic, outcome)] += 1
                if outcome != "none":  # the city's own organisations, else nationwide ones
                    offer = organisations.get(city if outcome == "local" else "", organisations[""])
                    for name in rng.sample(offer, min(3, len(offer))):
                        shown[(day, city, name)] += 1
    return counts, searches, shown, conversation


def write(factory: sessionmaker[Session], counts, searches, shown) -> None:
    batch = 20_000
    tables = [
        (
            StatisticsCount,
            [
                {
                    "dimension": k[0],
                    "city": k[1],
                    "day": k[2],
                    "value": k[3],
                    "turns": v[0],
                    "conversations": v[1],
                }
                for k, v in counts.items()
            ],
        ),  # fmt: skip
        (
            StatisticsReferral,
            [
                {"day": k[0], "city": k[1], "topic": k[2], "outcome": k[3], "searches": v}
                for k, v in searches.items()
            ],
        ),  # fmt: skip
        (
            StatisticsOrganization,
            [{"day": k[0], "city": k[1], "organization": k[2], "shown": v} for k, v in shown.items()],
        ),  # fmt: skip
    ]
    with factory() as session:
        for model, rows in tables:
            session.execute(model.__table__.delete())
            for start in range(0, len(rows), batch):
                session.execute(model.__table__.insert(), rows[start : start + batch])
        session.commit()
        session.execute(text("ANALYZE"))  # fresh planner statistics, as autovacuum would gather
        session.commit()


class Coordinator:
    """The admin's login stand-in: a coordinator is logged in."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        scope["current_user"] = SimpleNamespace(role="coordinator", must_change_password=False)
        await self.app(scope, receive, send)


def time_views(factory: sessionmaker[Session], repeat: int, city: str) -> list[tuple[str, float, float]]:
    app = Starlette(routes=[Mount("/statistics", routes=dashboard.routes)])
    app.state.sessionmaker = factory
    client = TestClient(Coordinator(app))
    started = time.perf_counter()  # the first request compiles templates and imports pygal's parts
    assert client.get("/statistics/overview?lang=de&period=52w").status_code == 200
    first = (time.perf_counter() - started) * 1000
    results = [("first request after start (overview, 52 w)", first, first)]
    periods = (("period=52w", "52 weeks"), ("period=12w", "12 weeks"), (f"period=52w&city={city}", city))
    for period, label in periods:
        for view in dashboard.VIEWS:
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                response = client.get(f"/statistics/{view}?lang=de&{period}")
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, response.text[:300]
            results.append((f"{view} ({label})", statistics.median(times), max(times)))
        csv_times = []
        for table in dashboard.TABLES:
            started = time.perf_counter()
            assert client.get(f"/statistics/csv/{table}.csv?{period}").status_code == 200
            csv_times.append((time.perf_counter() - started) * 1000)
        results.append((f"slowest CSV export ({label})", max(csv_times), max(csv_times)))
    client.close()
    return results


def time_recording(factory: sessionmaker[Session], cities: list[str], turns: int = 2000) -> float:
    recorder = Recorder(lambda: factory, lambda: cities, lambda: datetime.now(TIMEZONE))
    started = time.perf_counter()
    for n in range(turns):
        now = recorder.now()
        recorder.record_turn(f"r{n % 300}", TurnFacts(now.date(), now.hour, "ar", "faq", "health", cities[0]))
    return (time.perf_counter() - started) * 1000 / turns


def run(name: str, url: str, turns: int, repeat: int) -> None:
    upgrade_database(url)
    engine = make_engine(url)
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session:
        empty = not directory_places(session)
    if empty:
        with factory() as session:
            import_file(session, DEMO)
    with factory() as session:
        cities = directory_places(session)
        organisations: dict[str, list[str]] = defaultdict(list)  # city ("" = nationwide) -> names
        for organisation, city in session.execute(text(ORGANISATIONS_BY_CITY)):
            organisations[city or ""].append(organisation)
    started = time.perf_counter()
    counts, searches, shown, conversations = generate(turns, cities, organisations)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    write(factory, counts, searches, shown)
    written = time.perf_counter() - started
    with factory() as session:
        rows = session.scalar(select(func.count()).select_from(StatisticsCount))
    print(f"\n== {name}: {turns:,} turns in {conversations:,} conversations over 365 days")
    print(f"counted in {generated:.1f} s; written in {written:.1f} s: {rows:,} counter rows, "
          f"{len(searches):,} referral rows, {len(shown):,} organisation rows")  # fmt: skip
    dashboard._today = lambda: TODAY  # the generated year ends on TODAY
    results = time_views(factory, repeat, "Berlin")
    print(f"{'view':42} {'median ms':>10} {'max ms':>8}")
    for view, median, worst in results:
        print(f"{view:42} {median:10.1f} {worst:8.1f}")
    slowest = max(worst for _view, _median, worst in results[1:])
    verdict = "OK" if slowest <= 500 else "TOO SLOW"
    print(f"slowest view after the first request: {slowest:.0f} ms (target 500 ms) -> {verdict}")
    print(f"recording one turn (upsert of its counters): {time_recording(factory, cities):.2f} ms")
    engine.dispose()


def postgres_url() -> str | None:
    admin = make_url(POSTGRES_URL).set(database="postgres")
    try:
        engine = create_engine(admin, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = 'test'")):
                connection.execute(text('CREATE DATABASE "test"'))
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - no server: SQLite only
        print(f"\nPostgreSQL skipped: {type(error).__name__}: {str(error).splitlines()[0]}")
        return None
    return POSTGRES_URL


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--turns", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sqlite", type=Path, help="SQLite file (default: a temporary one)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one database only")
    args = parser.parse_args()
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as tmp:
            path = args.sqlite or Path(tmp) / "statistics.sqlite3"
            run("SQLite", f"sqlite:///{path}", args.turns, args.repeat)
    if args.only != "sqlite" and (url := postgres_url()):
        run("PostgreSQL", url, args.turns, args.repeat)


if __name__ == "__main__":
    main()
