"""Rasa's tracker store gets the indexes its per-turn queries need, on SQLite and PostgreSQL.

Without them Rasa reads every stored event of a conversation twice per turn to find the
latest session start (its `events` table is indexed on sender_id only), so turns get slower
as conversations grow.
"""

from __future__ import annotations

import time

from sqlalchemy import create_engine, text

from assistant.conversations import QUERY_INDEXES, add_query_indexes
from assistant.settings import Settings

# The table as Rasa 3.6's SQLTrackerStore creates it (rasa/core/tracker_store.py, SQLEvent).
RASA_EVENTS_DDL = """
CREATE TABLE events (
    id {serial} PRIMARY KEY,
    sender_id VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT,
    intent_name VARCHAR(255),
    action_name VARCHAR(255),
    data TEXT
)
"""
# Rasa's query for the latest session start, run on every read and every save.
SESSION_START = "SELECT max(timestamp) FROM events WHERE sender_id = 'abc' AND type_name = 'session_started'"


def _settings(url: str) -> Settings:
    return Settings(database_url=url, tracker_store_url=url)


def _rasa_creates_its_table(url: str) -> None:
    engine = create_engine(url)
    serial = "SERIAL" if engine.dialect.name == "postgresql" else "INTEGER"
    with engine.begin() as connection:
        connection.execute(text(RASA_EVENTS_DDL.format(serial=serial)))
        connection.execute(text("CREATE INDEX ix_events_sender_id ON events (sender_id)"))
        now = time.time()
        for sender in ("abc", "def"):
            for step in range(50):
                kind = "session_started" if step % 20 == 0 else "user"
                connection.execute(
                    text(
                        "INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, :k, :t, '{}')"
                    ),
                    {"s": sender, "k": kind, "t": now + step},
                )
    engine.dispose()


def _plan(url: str) -> str:
    engine = create_engine(url)
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # A 100-row table would be read whole anyway; ask what the index would do.
            connection.execute(text("ANALYZE events"))
            connection.execute(text("SET LOCAL enable_seqscan = off"))
            rows = connection.execute(text(f"EXPLAIN {SESSION_START}")).all()
        else:
            rows = connection.execute(text(f"EXPLAIN QUERY PLAN {SESSION_START}")).all()
    engine.dispose()
    return " ".join(str(column) for row in rows for column in row)


def test_nothing_happens_before_rasa_created_its_table(database_url: str) -> None:
    assert add_query_indexes(_settings(database_url)) == []


def test_rasas_session_start_query_is_answered_from_the_new_index(database_url: str) -> None:
    _rasa_creates_its_table(database_url)
    assert "ix_events_sender_type_time" not in _plan(database_url)

    assert sorted(add_query_indexes(_settings(database_url))) == sorted(QUERY_INDEXES)

    plan = _plan(database_url)
    assert "ix_events_sender_type_time" in plan
    assert "COVERING INDEX" in plan or "Index Only Scan" in plan, plan


def test_a_second_start_creates_nothing_and_keeps_the_indexes(database_url: str) -> None:
    _rasa_creates_its_table(database_url)
    add_query_indexes(_settings(database_url))
    assert add_query_indexes(_settings(database_url)) == []
    assert "ix_events_sender_type_time" in _plan(database_url)
