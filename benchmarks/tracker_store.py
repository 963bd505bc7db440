"""The tracker store's share of a turn: Rasa's own SQLTrackerStore, SQLite and PostgreSQL side by side,
before and after the indexes the run command adds (assistant/conversations.py, QUERY_INDEXES).

Per turn Rasa reads the conversation (retrieve) and saves the new events (save); both look up the
latest session start first. The store is filled with `--conversations` conversations of
`--turns` earlier turns each (7 events a turn, as a referral turn stores: the user message with its
parse data, slots, actions, the bot's messages), then `--samples` turns of random conversations
are timed: p50 / p95 of retrieve + save, in ms.

Runs in the Rasa environment (it is Rasa's code that is measured); the indexes are created by the
application's own function, in the application's environment:

    RASA_TELEMETRY_ENABLED=false .venv-rasa/bin/python benchmarks/tracker_store.py \
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--conversations 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered

ROOT = Path(__file__).resolve().parent.parent
APP_PYTHON = ROOT / ".venv" / "bin" / "python"


def turn_events(step: int) -> list:
    parse = {
        "intent": {"name": "request_referral", "confidence": 0.93},
        "entities": [{"entity": "topic", "value": "health", "start": 9, "end": 15}],
        "intent_ranking": [{"name": f"intent_{i}", "confidence": 0.01} for i in range(10)],
        "text": "I need a doctor in Berlin",
    }
    return [
        UserUttered("I need a doctor in Berlin", parse["intent"], parse["entities"], parse),
        SlotSet("reply_language", "en"),
        SlotSet("place", "Berlin"),
        ActionExecuted("action_find_referrals"),
        BotUttered("Health · Berlin:\n" + "card " * 80, {"buttons": [{"title": "more", "payload": "/more"}]}),
        SlotSet("turn", str(step)),
        ActionExecuted("action_listen"),
    ]


def fill(store: SQLTrackerStore, senders: list[str], turns: int) -> None:
    start = time.time() - 3600
    with store.session_scope() as session:
        for sender in senders:
            events = [
                ActionExecuted("action_session_start"),
                SessionStarted(),
                ActionExecuted("action_listen"),
            ]
            for step in range(turns):
                events += turn_events(step)
            for offset, event in enumerate(events):
                data = event.as_dict()
                data["timestamp"] = start + offset
                session.add(
                    store.SQLEvent(
                        sender_id=sender,
                        type_name=event.type_name,
                        timestamp=data["timestamp"],
                        intent_name=None,
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
        session.commit()


async def one_turn(store: SQLTrackerStore, sender: str, step: int) -> float:
    started = time.perf_counter()
    tracker = await store.retrieve(sender)
    assert tracker is not None
    for event in turn_events(step):
        tracker.update(event)
    await store.save(tracker)
    return time.perf_counter() - started


async def alternating_turns(
    stores: list[SQLTrackerStore], senders: list[str], samples: int
) -> list[list[float]]:
    """The same turns on each store in turn (A B A B ...), so that a change in the machine's
    load (it is shared) weighs on both alike."""
    durations: list[list[float]] = [[] for _ in stores]
    for step in range(samples):
        sender = random.choice(senders)
        for index, store in enumerate(stores):
            durations[index].append(await one_turn(store, sender, step))
    return durations


def add_indexes(url: str) -> None:
    """The application's own function, run where it lives (the application's environment)."""
    code = "from assistant.conversations import add_query_indexes; print(add_query_indexes())"
    app_url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    env = {**os.environ, "TRACKER_STORE_URL": app_url, "DATABASE_URL": app_url}
    subprocess.run([str(APP_PYTHON), "-c", code], cwd=ROOT, env=env, check=True, capture_output=True)


def measure(name: str, urls: list[str], domain: Domain, args: argparse.Namespace) -> None:
    """Two stores with the same conversations: Rasa's index only, and with the query indexes."""
    stores = [SQLTrackerStore(domain, **store_arguments(url)) for url in urls]
    random.seed(1)
    senders = [uuid.uuid4().hex for _ in range(args.conversations)]
    for store in stores:
        fill(store, senders, args.turns)
    add_indexes(urls[1])
    for store, url in zip(stores, urls, strict=True):
        with store.engine.begin() as connection:
            connection.execute(sa.text("ANALYZE events" if "postgresql" in url else "ANALYZE"))
    asyncio.run(alternating_turns(stores, senders, 20))  # warm the caches
    rows = args.conversations * (args.turns * 7 + 3)
    for label, durations in zip(
        ("Rasa's index only", "with the query indexes"),
        asyncio.run(alternating_turns(stores, senders, args.samples)),
        strict=True,
    ):
        durations.sort()
        p50 = statistics.median(durations) * 1000
        p95 = durations[int(0.95 * len(durations))] * 1000
        print(f"| {name} | {rows} | {label} | {p50:.1f} | {p95:.1f} |", flush=True)
    for store in stores:
        store.engine.dispose()


def store_arguments(url: str) -> dict:
    parsed = sa.engine.make_url(url)
    return {
        "dialect": parsed.drivername,
        "host": parsed.host,
        "port": parsed.port,
        "db": parsed.database,
        "username": parsed.username,
        "password": parsed.password,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--turns", type=int, default=10, help="earlier turns per conversation")
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server (a scratch database is made)")
    args = parser.parse_args()
    domain = Domain.load(str(ROOT / "domain"))
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print("| database | stored events | indexes | turn p50 ms | turn p95 ms |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        urls = [f"sqlite:///{folder}/{kind}.sqlite3" for kind in ("rasa", "indexed")]
        measure("SQLite", urls, domain, args)
    if args.postgres:
        admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        names = [f"bench_tracker_{uuid.uuid4().hex[:8]}" for _ in range(2)]
        with admin.connect() as connection:
            for name in names:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            base = sa.engine.make_url(args.postgres)
            urls = [base.set(database=name).render_as_string(hide_password=False) for name in names]
            measure("PostgreSQL", urls, domain, args)
        finally:
            with admin.connect() as connection:
                for name in names:
                    connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    sys.exit(main())
