"""Retention: conversations idle past the retention period are deleted from Rasa's tracker store,
and nothing else: not a conversation still in use, not the directory, not the statistics."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from itertools import pairwise

import sqlalchemy as sa
from sqlalchemy import func, select

from assistant import retention
from assistant.__main__ import main as assistant_main
from assistant.settings import Settings
from referrals.directory.models import Service
from referrals.statistics.models import StatisticsCount
from referrals.statistics.recording import TurnFacts

HOUR = 3600.0
# Rasa 3.6's SQLTrackerStore.SQLEvent (rasa/core/tracker_store.py), column for column.
EVENTS = sa.Table(
    "events",
    sa.MetaData(),
    sa.Column("id", sa.Integer, sa.Sequence("events_seq"), primary_key=True),
    sa.Column("sender_id", sa.String(255), nullable=False, index=True),
    sa.Column("type_name", sa.String(255), nullable=False),
    sa.Column("timestamp", sa.Float),
    sa.Column("intent_name", sa.String(255)),
    sa.Column("action_name", sa.String(255)),
    sa.Column("data", sa.Text),
)


def conversation(engine: sa.Engine, sender: str, *ages_in_hours: float) -> None:
    """A user message and the bot's answer for each age, as Rasa stores them."""
    now = time.time()
    with engine.begin() as connection:
        for age in ages_in_hours:
            stamp = now - age * HOUR
            user = {"event": "user", "text": f"secret text of {sender}", "timestamp": stamp}
            connection.execute(
                EVENTS.insert(),
                [
                    {"sender_id": sender, "type_name": "user", "timestamp": stamp, "data": json.dumps(user)},
                    {"sender_id": sender, "type_name": "bot", "timestamp": stamp + 1, "data": "{}"},
                ],
            )


def stored(engine: sa.Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(select(EVENTS.c.sender_id, func.count()).group_by(EVENTS.c.sender_id))
        return dict(rows.all())


def test_what_is_due_is_deleted_and_nothing_else(directory, database_url, recorder) -> None:
    engine = sa.create_engine(database_url)
    EVENTS.create(engine)
    conversation(engine, "idle-for-two-days", 50, 49)
    conversation(engine, "idle-just-past-the-limit", 24.1)
    conversation(engine, "old-but-still-talking", 72, 30, 0.5)  # in use: keeps its whole history
    conversation(engine, "just-now", 0.01)
    conversation(engine, "idle-a-bit-less-than-a-day", 23.5)
    recorder.record_turn("x", TurnFacts(recorder.now().date(), 10, "de", "greet"))
    with directory() as session:
        services = session.scalar(select(func.count()).select_from(Service))
        counters = session.scalar(select(func.count()).select_from(StatisticsCount))

    settings = Settings(database_url=database_url, tracker_store_url=database_url)
    assert settings.conversation_retention_hours == 24  # the default
    assert retention.run_retention(settings) == 2 * 2 + 1 * 2

    assert stored(engine) == {"old-but-still-talking": 6, "just-now": 2, "idle-a-bit-less-than-a-day": 2}
    with directory() as session:
        assert session.scalar(select(func.count()).select_from(Service)) == services
        assert session.scalar(select(func.count()).select_from(StatisticsCount)) == counters
    assert retention.run_retention(settings) == 0  # nothing more is due

    shorter = Settings(
        database_url=database_url, tracker_store_url=database_url, conversation_retention_hours=1
    )
    assert retention.run_retention(shorter) == 2
    assert stored(engine) == {"old-but-still-talking": 6, "just-now": 2}
    engine.dispose()


def test_no_tracker_store_yet_is_not_an_error(database_url) -> None:
    assert retention.run_retention(Settings(database_url=database_url, tracker_store_url=database_url)) == 0


def test_the_command_runs_it_once(directory, database_url, monkeypatch) -> None:
    engine = sa.create_engine(database_url)
    EVENTS.create(engine)
    conversation(engine, "idle", 30)
    conversation(engine, "active", 1)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TRACKER_STORE_URL", database_url)
    from assistant.settings import get_settings
    from referrals.db import get_engine, get_sessionmaker

    for cached in (get_settings, get_engine, get_sessionmaker):
        cached.cache_clear()
    try:
        assert assistant_main(["retention"]) == 0
    finally:
        for cached in (get_settings, get_engine, get_sessionmaker):
            cached.cache_clear()
    assert stored(engine) == {"active": 2}
    engine.dispose()


def _after(count: int, event: asyncio.Event, calls: list[float]) -> Callable[[], None]:
    """A job (run in a worker thread) that records when it ran and sets `event` on run `count`."""
    loop = asyncio.get_running_loop()

    def job() -> None:
        calls.append(time.monotonic())
        if len(calls) == count:
            loop.call_soon_threadsafe(event.set)

    return job


async def test_the_run_command_schedules_it_hourly_beside_the_supervisor() -> None:
    # Waits for the job's runs themselves, never for a fixed time.
    runs: list[float] = []
    three = asyncio.Event()
    loop = asyncio.create_task(retention.retention_loop(0.1, job=_after(3, three, runs)))
    await asyncio.wait_for(three.wait(), timeout=10)
    loop.cancel()
    assert 3 <= len(runs) <= 5  # at start, then every interval
    assert all(later - earlier >= 0.09 for earlier, later in pairwise(runs))  # not more often

    failures: list[float] = []
    two_failed = asyncio.Event()
    count_and_fail = _after(2, two_failed, failures)

    def failing() -> None:
        count_and_fail()
        raise RuntimeError("database down")

    loop = asyncio.create_task(retention.retention_loop(0.05, job=failing))
    await asyncio.wait_for(two_failed.wait(), timeout=10)  # a failure does not stop the schedule
    loop.cancel()
    assert len(failures) >= 2

    beside: list[float] = []
    three_beside = asyncio.Event()

    async def supervisor() -> int:
        await three_beside.wait()
        return 7

    job = _after(3, three_beside, beside)
    assert await asyncio.wait_for(retention.with_retention(supervisor(), 0.1, job), timeout=10) == 7
    assert len(beside) >= 3
    assert not [t for t in asyncio.all_tasks() if t.get_name() == "retention"]  # stopped with it
