"""Recording: every user turn and every referral search, as anonymous counter increments.

Called by the action server: `record_turn` from the action that Rasa runs once after each
user message (action_extract_language_and_place, a custom slot mapping), and
`record_referral` from action_find_referrals. What is kept per turn: day and hour
(Europe/Berlin), reply language, intent, topic code, city (a city of the directory, or
"no place" / "another place", never the other place's name), not understood, crisis kind.
What is never kept: the text, the sender id, any name, any stable pseudonym.

Distinct conversations per day and cell are counted with a keyed hash of the (already
pseudonymous) sender id whose key is a random salt living only in this process's memory;
the salt and every hash are thrown away when the day changes, so the same person cannot
be followed from one day to the next, not even by whoever holds the database.

A failure to record is logged (without any content) and never disturbs the conversation.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from referrals import clock
from referrals.content import faq_topics
from referrals.db import get_sessionmaker
from referrals.directory.models import Base
from referrals.directory.search import directory_places
from referrals.parse_data import entity, supported_language
from referrals.statistics.models import (
    ALL_CITIES,
    NO_CITY,
    OTHER_CITY,
    StatisticsCount,
    StatisticsOrganization,
    StatisticsReferral,
)
from referrals.topics import TOPICS

log = logging.getLogger("referrals.statistics")

try:
    TIMEZONE: Any = ZoneInfo("Europe/Berlin")
except ZoneInfoNotFoundError:  # a system without time zone data: days and hours in UTC
    from datetime import UTC as TIMEZONE

FALLBACK_INTENT = "nlu_fallback"
CRISIS_PREFIX = "crisis_"
# Intents whose turn is about the conversation's current topic even without naming it.
TOPIC_CARRYING_INTENTS = {"request_referral", "inform_place"}
OUTCOMES = ("local", "nearby", "nationwide", "none")
DIRECTORY_CITIES_TTL_SECONDS = 300.0


@dataclass(frozen=True)
class TurnFacts:
    """Everything that is recorded about one user turn."""

    day: date
    hour: int
    language: str
    intent: str
    topic: str = ""
    city: str = NO_CITY
    fallback: bool = False
    crisis: str = ""

    def cells(self) -> list[tuple[str, str, str]]:
        """The (dimension, city, value) counters this turn increments."""
        values = [("total", ""), ("language", self.language), ("hour", f"{self.hour:02d}")]
        values.append(("intent", self.intent))
        if self.topic:
            values.append(("topic", self.topic))
        if self.fallback:
            values += [("fallback", self.topic), ("fallback_intent", self.intent)]
        if self.crisis:
            values.append(("crisis", self.crisis))
        cities = [ALL_CITIES] if self.city == ALL_CITIES else [ALL_CITIES, self.city]
        return [(dimension, city, value) for city in cities for dimension, value in values]


class DailyConversations:
    """Tells which cells a conversation is seen in for the first time today.

    Holds only 64-bit keyed digests of (salt, sender id, cell). The salt is random, never
    leaves memory, and is replaced together with every digest when the day changes.
    """

    def __init__(self) -> None:
        self._day: date | None = None
        self._salt = b""
        self._seen: set[bytes] = set()
        self._lock = threading.Lock()

    def first_seen(self, day: date, sender_id: str, cells: Iterable[tuple[str, str, str]]) -> set:
        with self._lock:
            if day != self._day:
                self._day, self._salt, self._seen = day, secrets.token_bytes(32), set()
            new = set()
            for cell in cells:
                digest = hashlib.blake2b(
                    "\x1f".join((sender_id, *cell)).encode(), key=self._salt, digest_size=8
                ).digest()
                if digest not in self._seen:
                    self._seen.add(digest)
                    new.add(cell)
            return new


def _insert_for(dialect: str) -> Callable[[Table], Any]:
    """The dialect's INSERT, which has ON CONFLICT DO UPDATE (the counters' upsert)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def add_counts(
    session: Session, model: type[Base], rows: Sequence[dict[str, Any]], counters: Sequence[str]
) -> None:
    """Add `rows` to the counter table of `model`: insert new cells, increment existing ones.

    Rows with the same key are merged first (one statement may not update a row twice).
    Runs in the caller's transaction.
    """
    if not rows:
        return
    table = cast(Table, model.__table__)  # declared as a FromClause; every model here has a Table
    keys = [column.name for column in table.primary_key.columns]
    merged: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        if key in merged:
            for counter in counters:
                merged[key][counter] += row[counter]
        else:
            merged[key] = dict(row)
    statement = _insert_for(session.get_bind().dialect.name)(table)
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_={c: table.c[c] + getattr(statement.excluded, c) for c in counters},
    )
    # Always in key order: two turns updating the same cells concurrently cannot deadlock.
    session.execute(statement, [merged[key] for key in sorted(merged)])


class Recorder:
    """Writes turn and referral counts to the statistics tables of one database."""

    def __init__(
        self,
        sessions: Callable[[], sessionmaker[Session]],
        directory_cities: Callable[[], Iterable[str]],
        clock: Callable[[], datetime] = lambda: clock.now().astimezone(TIMEZONE),
    ) -> None:
        self._sessions = sessions
        self._load_cities = directory_cities
        self._clock = clock
        self._cities: frozenset[str] = frozenset()
        self._cities_loaded = -DIRECTORY_CITIES_TTL_SECONDS
        self.conversations = DailyConversations()

    def now(self) -> datetime:
        return self._clock()

    def city(self, name: str | None) -> str:
        """A directory city as it is written there; NO_CITY or OTHER_CITY for anything else."""
        if not name:
            return NO_CITY
        if time.monotonic() - self._cities_loaded > DIRECTORY_CITIES_TTL_SECONDS:
            self._cities = frozenset(self._load_cities())
            self._cities_loaded = time.monotonic()
        if name in self._cities:
            return name
        folded = {c.casefold(): c for c in self._cities}
        return folded.get(name.casefold(), OTHER_CITY)

    def record_turn(self, sender_id: str, facts: TurnFacts, message: str = "") -> bool:
        """Count one turn; False (nothing counted) if `message` was already counted today.

        `message` identifies the user message within its conversation (its timestamp): Rasa
        runs the extraction action a second time when a message activates a form, and that
        must not count twice. Only a salted digest of it is held, like the conversations'.
        """
        if message and not self.conversations.first_seen(
            facts.day, sender_id, [("\x00message", message, "")]
        ):
            return False
        cells = facts.cells()
        first = self.conversations.first_seen(facts.day, sender_id, cells)
        rows = [
            {
                "dimension": dimension,
                "city": city,
                "day": facts.day,
                "value": value,
                "turns": 1,
                "conversations": int((dimension, city, value) in first),
            }
            for dimension, city, value in cells
        ]
        with self._sessions()() as session, session.begin():
            add_counts(session, StatisticsCount, rows, ("turns", "conversations"))
        return True

    def record_referral(
        self, topic: str, city: str, outcome: str, organizations: Sequence[str], new_search: bool = True
    ) -> None:
        """Count a referral search by outcome (unless it is a further page of one already counted)
        and each organisation shown."""
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown outcome {outcome!r}")
        day = self.now().date()
        city = self.city(city)
        with self._sessions()() as session, session.begin():
            if new_search:
                add_counts(
                    session,
                    StatisticsReferral,
                    [{"day": day, "city": city, "topic": topic or "", "outcome": outcome, "searches": 1}],
                    ("searches",),
                )
            add_counts(
                session,
                StatisticsOrganization,
                [
                    {"day": day, "city": city, "organization": name[:300], "shown": 1}
                    for name in dict.fromkeys(organizations)  # once per search, however many cards
                ],
                ("shown",),
            )


def _slot_set(events: Iterable[dict[str, Any]], slot: str) -> tuple[bool, Any]:
    found, value = False, None
    for event in events:
        if event.get("event") == "slot" and event.get("name") == slot:
            found, value = True, event.get("value")
    return found, value


def turn_facts(tracker: Any, events: Iterable[dict[str, Any]], recorder: Recorder) -> TurnFacts:
    """The recorded facts of the user turn the tracker has just received.

    `events` are the slot events the extraction action returns for this turn (the tracker
    it is given does not contain them yet).
    """
    events = list(events)
    message = tracker.latest_message or {}
    intent = str((message.get("intent") or {}).get("name") or "")
    fallback = intent == FALLBACK_INTENT
    if fallback:  # what the classifier would have guessed: the most likely real intent
        guesses = [i.get("name") for i in message.get("intent_ranking") or [] if i.get("name") != intent]
        intent = str(guesses[0]) if guesses else ""
    language = supported_language(_slot_set(events, "language")[1] or tracker.get_slot("language"))

    topic = entity(message, "topic")
    if topic is None and intent == "faq" and not fallback:
        selector = (message.get("response_selector") or {}).get("faq") or {}
        key = ((selector.get("response") or {}).get("intent_response_key") or "").removeprefix("faq/")
        topic = faq_topics().get(key)
    if topic is None and (
        intent in TOPIC_CARRYING_INTENTS or (tracker.active_loop or {}).get("name") == "referral_form"
    ):
        topic = tracker.get_slot("topic")
    topic = topic if topic in TOPICS else ""

    city_set, city = _slot_set(events, "city")
    if not city_set:
        city = tracker.get_slot("city")
    moment = recorder.now()
    return TurnFacts(
        day=moment.date(),
        hour=moment.hour,
        language=language,
        intent=intent[:100],
        topic=topic,
        city=recorder.city(city),
        fallback=fallback,
        crisis=intent.removeprefix(CRISIS_PREFIX) if intent.startswith(CRISIS_PREFIX) else "",
    )


_recorder: Recorder | None = None
_recorder_lock = threading.Lock()


def recorder() -> Recorder:
    """The process's recorder on the directory database (created on first use)."""
    global _recorder
    with _recorder_lock:
        if _recorder is None:

            def cities() -> list[str]:
                with get_sessionmaker()() as session:
                    return directory_places(session)

            _recorder = Recorder(get_sessionmaker, cities)
        return _recorder


def latest_message_key(tracker: Any) -> str:
    """The timestamp of the latest user event: the same on every call about that message."""
    for event in reversed(getattr(tracker, "events", None) or []):
        if event.get("event") == "user":
            return repr(event.get("timestamp"))
    return ""


def record_turn(tracker: Any, events: Iterable[dict[str, Any]]) -> None:
    """Count the user turn the tracker has just received, once; never raises."""
    try:
        rec = recorder()
        rec.record_turn(tracker.sender_id, turn_facts(tracker, events, rec), latest_message_key(tracker))
    except Exception as error:  # noqa: BLE001 - statistics must never break a conversation
        log.warning("statistics: turn not recorded (%s)", type(error).__name__)


def record_referral(
    topic: str | None, city: str | None, outcome: str, organizations: Sequence[str], new_search: bool = True
) -> None:
    """Count one referral search and the organisations it showed; never raises."""
    try:
        recorder().record_referral(topic or "", city or "", outcome, organizations, new_search)
    except Exception as error:  # noqa: BLE001 - statistics must never break a conversation
        log.warning("statistics: referral not recorded (%s)", type(error).__name__)
