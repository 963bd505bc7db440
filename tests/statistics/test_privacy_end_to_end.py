"""Privacy, end to end: after scripted Telegram conversations and the retention job, no table of the
directory/statistics database or of Rasa's tracker store holds any message text, chat id, name,
username or conversation pseudonym; and every user turn was counted exactly once.

One start of the real assistant (Rasa, action server, Telegram adapter) against the local
fake Bot API, with a token, as in production.
"""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest
from sqlalchemy import create_engine, func, inspect, select, text

from bot.pseudonym import conversation_id
from referrals.statistics.models import ALL_CITIES, StatisticsCount, StatisticsReferral
from tests.e2e import ROOT, Chat

pytestmark = [pytest.mark.e2e, pytest.mark.model]

# Chat ids, names and texts that appear nowhere else; each person writes in their own language.
PEOPLE = {
    731902461: ("Qirelda", "Vosstrup", "qirelda_vosstrup", "de"),
    731902462: ("Farrukhan", "Zandemirov", "farrukhan_z", "ar"),
    731902463: ("Oksanivna", "Brelkovich", "oksanivna_b", "en"),
    731902464: ("Tamsinore", "Quillbrook", "tamsinore_q", "en"),
    731902465: ("Wilhelmora", "Ostrowskaya", "wilhelmora_o", "de"),
}
SCRIPT = {
    731902461: ["Ich heiße Qirelda und suche eine Beratung zu Kita in Darmstadt", "danke schön"],
    731902462: ["أحتاج طبيب في برلين من فضلك", "شكرا جزيلا"],
    731902463: ["blorptastic wemmigrund zonkifer", "I need a doctor in Bochum please"],
    731902464: ["My husband hits me and I am afraid at home"],
    731902465: ["Ich suche einen Kindergarten in Kamenz für meine Tochter Lenorabella"],
}
FORGETS = 731902465  # asks /forget afterwards


@pytest.fixture(scope="module")
def assistant(telegram_assistant):
    return telegram_assistant


def message_update(chat_id: int, message_text: str) -> dict:
    first, last, username, language = PEOPLE[chat_id]
    user = {"id": chat_id, "is_bot": False, "first_name": first, "last_name": last, "username": username,
            "language_code": language}  # fmt: skip
    message = {
        "message_id": int(time.monotonic_ns() % 1_000_000_000),
        "date": int(time.time()),
        "chat": {
            "id": chat_id,
            "type": "private",
            "first_name": first,
            "last_name": last,
            "username": username,
        },
        "from": user,
        "text": message_text,
    }
    if message_text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(message_text.split()[0])}]
    return {"message": message}


def secrets_of_the_test(env: dict[str, str]) -> list[str]:
    key = env["PSEUDONYM_KEY"].encode()
    values = [line for lines in SCRIPT.values() for line in lines]
    for chat_id, (first, last, username, _language) in PEOPLE.items():
        values += [str(chat_id), first, last, username, conversation_id(key, chat_id)]
    return values


def scan(url: str, secrets: list[str]) -> list[tuple[str, str]]:
    """(table, secret) for every secret found in any column of any row of any table."""
    engine = create_engine(url)
    found = []
    with engine.connect() as connection:
        for table in inspect(engine).get_table_names():
            for row in connection.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608 - own table names
                cells = " ".join(str(value) for value in row)
                found += [(table, secret) for secret in secrets if secret in cells]
    engine.dispose()
    return found


def test_no_text_id_name_or_pseudonym_is_kept(assistant, bot_api) -> None:
    process, env = assistant
    directory_url = env["DATABASE_URL"]
    tracker_url = directory_url.replace("directory.sqlite3", "conversations.sqlite3")
    secrets = secrets_of_the_test(env)

    for chat_id, lines in SCRIPT.items():
        chat = Chat(bot_api, chat_id=chat_id)
        for line in lines:
            assert chat.send_update(message_update(chat_id, line)), line

    # Every user message that reached Rasa was counted once, no more, no less.
    tracker = create_engine(tracker_url)
    with tracker.connect() as connection:
        user_turns = connection.scalar(text("SELECT count(*) FROM events WHERE type_name = 'user'"))
    directory = create_engine(directory_url)
    with directory.connect() as connection:
        counted = connection.scalar(
            select(func.sum(StatisticsCount.turns)).where(
                StatisticsCount.dimension == "total", StatisticsCount.city == ALL_CITIES
            )
        )
        topics = dict(
            connection.execute(
                select(StatisticsCount.value, func.sum(StatisticsCount.turns))
                .where(StatisticsCount.dimension == "topic", StatisticsCount.city == ALL_CITIES)
                .group_by(StatisticsCount.value)
            ).all()
        )
        cities = set(connection.scalars(select(StatisticsCount.city).distinct()))
        searches = connection.scalar(select(func.sum(StatisticsReferral.searches)))
    assert user_turns == counted == sum(len(lines) for lines in SCRIPT.values())
    assert topics.get("youth_family") and topics.get("health")
    assert {"Darmstadt", "Berlin"} <= cities
    assert searches >= 2
    # Positive control: the scan finds what Rasa keeps while conversations are in use.
    assert ("events", "blorptastic wemmigrund zonkifer") in scan(tracker_url, secrets)
    assert not scan(directory_url, secrets)  # the statistics never held any of it

    # /forget deletes one conversation at once.
    chat = Chat(bot_api, chat_id=FORGETS)
    question = chat.send_update(message_update(FORGETS, "/forget"))
    pseudonym = conversation_id(env["PSEUDONYM_KEY"].encode(), FORGETS)
    httpx.post(
        f"{bot_api}/local/press",
        json={"chat_id": FORGETS, "message_id": question[-1]["message_id"], "data": "forget:yes"},
    )
    chat._collect()
    with tracker.connect() as connection:
        left = connection.scalar(text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": pseudonym})
        others = connection.scalar(text("SELECT count(*) FROM events"))
    assert left == 0 and others > 0

    # The retention job (here with a period of 0 hours: everything is due).
    job = subprocess.run(
        [sys.executable, "-m", "assistant", "retention"],
        cwd=ROOT,
        env={**env, "CONVERSATION_RETENTION_HOURS": "0"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert job.returncode == 0, job.stderr
    assert not scan(tracker_url, secrets)
    assert not scan(directory_url, secrets)
    with directory.connect() as connection:  # the statistics outlive the conversations
        assert connection.scalar(select(func.sum(StatisticsCount.turns))) >= counted
    for secret in secrets:
        assert secret not in process.output + job.stdout + job.stderr  # nor in any log
    tracker.dispose()
    directory.dispose()
