"""Benchmark: a generated directory of N services across Germany (default 100 000).

Prints the import time of the whole HSDS JSON file and search latency p50/p95 on
SQLite and (when a server is reachable) PostgreSQL. Target: p95 <= 20 ms on SQLite.

    .venv/bin/python benchmarks/directory_search.py [--services 100000] [--queries 500]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from referrals.db import make_engine, upgrade_database
from referrals.directory.hsds_read import import_file
from referrals.directory.search import search
from referrals.gazetteer import Place, gazetteer
from referrals.topics import TOPICS

LANGUAGES = ["de", "en", "ar", "tr", "ru", "uk", "fa", "fr", "ku", "ti", "pl", "ro"]
DAYS = ["MO", "TU", "WE", "TH", "FR"]
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def generate(count: int, seed: int = 1) -> tuple[list[dict], list[Place]]:
    """Services spread over German towns in proportion to their population."""
    rng = random.Random(seed)
    towns = [p for p in {id(p): p for p in gazetteer()._by_name.values()}.values()]  # noqa: SLF001
    weights = [max(p.population, 1000) for p in towns]
    services = []
    for n, town in enumerate(rng.choices(towns, weights=weights, k=count)):
        sid = f"svc-{n}"
        lat = town.latitude + rng.uniform(-0.03, 0.03)
        lon = town.longitude + rng.uniform(-0.05, 0.05)
        day = rng.choice(DAYS)
        services.append(
            {
                "id": sid,
                "name": f"Beratungsstelle {n}",
                "organization": {"id": f"org-{n // 3}", "name": f"Verein {n // 3}", "x_is_mso": n % 4 == 0},
                "phones": [{"id": f"{sid}-p", "number": f"+49 30 {1000000 + n}"}],
                "languages": [{"code": c} for c in {"de", *rng.sample(LANGUAGES, rng.randint(0, 3))}],
                "schedules": [{"id": f"{sid}-s", "byday": day, "opens_at": "09:00", "closes_at": "13:00"}],
                "attributes": [
                    {"taxonomy_term": {"code": c}} for c in rng.sample(list(TOPICS), rng.randint(1, 3))
                ],
                "assured_date": f"2026-{rng.randint(1, 11):02d}-01" if rng.random() < 0.7 else None,
                "service_at_locations": [
                    {
                        "id": f"{sid}-at",
                        "location": {
                            "id": f"loc-{n}",
                            "latitude": round(lat, 5),
                            "longitude": round(lon, 5),
                            "addresses": [
                                {
                                    "address_1": f"Hauptstraße {n % 200 + 1}",
                                    "city": town.name,
                                    "postal_code": f"{10000 + n % 89999:05d}",
                                }
                            ],
                        },
                    }
                ],
            }
        )
    return services, rng.choices(towns, weights=weights, k=200)


def run(url: str, label: str, path: Path | None, places: list[Place], queries: int) -> None:
    """Import `path` (unless None: the database is already filled), then time the searches."""
    upgrade_database(url)
    engine = make_engine(url)
    factory = sessionmaker(engine, expire_on_commit=False)
    if path is not None:
        started = time.perf_counter()
        with factory() as session:
            count = import_file(session, path)
        print(f"{label}: imported {count} services in {time.perf_counter() - started:.1f} s")
    rng = random.Random(2)
    timings = []
    with factory() as session:
        for i in range(queries):
            place, topic = rng.choice(places), rng.choice(list(TOPICS))
            language = rng.choice([None, None, "ar", "tr", "ru"])
            t0 = time.perf_counter()
            result = search(session, topic, place, prefer_language=language, open_now=i % 5 == 0)
            timings.append((time.perf_counter() - t0) * 1000)
            assert result.referrals
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(
        f"{label}: search over {queries} queries: p50 {statistics.median(timings):.1f} ms, "
        f"p95 {p95:.1f} ms, max {timings[-1]:.1f} ms"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument(
        "--sqlite-file",
        type=Path,
        help="search an SQLite directory filled by an earlier run with the same --services "
        "(skips generation, import and PostgreSQL)",
    )
    args = parser.parse_args()
    if args.sqlite_file:
        _services, places = generate(args.services)
        run(f"sqlite:///{args.sqlite_file}", "SQLite", None, places, args.queries)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "directory.json"
        started = time.perf_counter()
        services, places = generate(args.services)
        path.write_text(json.dumps({"services": services}))
        print(
            f"generated {len(services)} services ({path.stat().st_size / 1e6:.0f} MB) "
            f"in {time.perf_counter() - started:.1f} s"
        )
        run(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", "SQLite", path, places, args.queries)
        try:
            admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
            name = f"wegweiser_bench_{uuid.uuid4().hex[:8]}"
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        except Exception as error:  # noqa: BLE001
            print(f"PostgreSQL: skipped ({type(error).__name__}: {str(error).splitlines()[0]})")
            return
        try:
            run(
                make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(False),
                "PostgreSQL",
                path,
                places,
                args.queries,
            )
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
