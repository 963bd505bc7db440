"""End to end: the run command with a bot token, against a local fake Telegram Bot API server.

Everything is real: python-telegram-bot's Application (polling), a trained Rasa
server, the action server and the SQLite directory with the demo data. Replies
are read from what the adapter posted to the fake server.
"""

from __future__ import annotations

import re
import signal
from pathlib import Path

import httpx
import pytest

from tests.e2e import (
    ROOT,
    Chat,
    services_in,
    text_of,
)
from tests.support import LoggedProcess, processes_marked

pytestmark = [pytest.mark.e2e, pytest.mark.model]


@pytest.fixture(scope="module")
def started(telegram_assistant) -> tuple[LoggedProcess, dict[str, str]]:
    return telegram_assistant


@pytest.fixture(scope="module")
def assistant(started) -> LoggedProcess:
    return started[0]


def test_german_kita_request_in_darmstadt(assistant, bot_api, demo_services) -> None:
    replies = Chat(bot_api, chat_id=101, language_code="de").say(
        "Ich suche eine Beratung zu Kita in Darmstadt"
    )
    text = text_of(replies)
    assert "Kita, Schule, Jugend und Familie · Darmstadt:" in text  # what was understood, in German
    expected = services_in(demo_services, "youth_family", "Darmstadt")
    assert any(name in text for name in expected), text
    assert "Sprachen:" in text


def test_english_doctor_request_in_berlin(assistant, bot_api, demo_services) -> None:
    replies = Chat(bot_api, chat_id=102, language_code="de").say("I need a doctor in Berlin")
    text = text_of(replies)
    assert "Health · Berlin:" in text  # English although the Telegram app is German
    expected = services_in(demo_services, "health", "Berlin")
    found = [name for name in expected if name in text]
    assert 1 <= len(found) <= 3, text
    assert "Languages:" in text


def test_topic_button_then_city_question_then_referrals(assistant, bot_api, demo_services) -> None:
    chat = Chat(bot_api, chat_id=103, language_code="en")
    [welcome] = chat.say("/start")
    assert welcome["text"].startswith("Welcome!")
    menu = chat.tap(welcome, "English")[-1]  # the language buttons of /start
    assert "English" in menu["text"]  # the switch is confirmed, with the topic buttons
    city_question = chat.tap(menu, "Kita, school, youth and family")
    assert "In which city" in text_of(city_question)
    referrals = chat.say("Bochum")
    text = text_of(referrals)
    assert "· Bochum:" in text
    assert any(name in text for name in services_in(demo_services, "youth_family", "Bochum")), text
    payloads = [b["callback_data"] for row in referrals[-1]["reply_markup"]["inline_keyboard"] for b in row]
    assert "/help" in payloads  # "not what I meant" opens the topic menu
    assert '/request_referral{"topic":"youth_family","language":"en"}' in payloads  # none speaks English


def test_unknown_place_is_named_and_the_question_repeated(assistant, bot_api) -> None:
    chat = Chat(bot_api, chat_id=104, language_code="en")
    chat.say("I need a doctor")
    text = text_of(chat.say("Xyzabad"))
    assert 'I don\'t know "Xyzabad" as a place' in text
    assert "Darmstadt" in text  # the places it does know


def test_a_crisis_while_the_place_is_asked_gets_the_emergency_numbers_then_the_search_goes_on(
    assistant, bot_api, demo_services
) -> None:
    chat = Chat(bot_api, chat_id=110, language_code="ru")
    assert "В каком городе" in text_of(chat.say("нужен врач"))
    # Not taken for a town name: the crisis rules answer first (110 police, 116 016 helpline).
    crisis = text_of(chat.say("муж душит меня я в Берлине"))
    assert "110" in crisis and "116 016" in crisis, crisis
    assert "Berlin:" not in crisis  # no search result instead of the numbers
    # The question for the place is still open afterwards.
    text = text_of(chat.say("Берлин"))
    assert "Berlin:" in text and any(name in text for name in services_in(demo_services, "health", "Berlin"))


def test_a_child_in_danger_in_a_known_town_gets_the_towns_child_emergency_service(assistant, bot_api) -> None:
    chat = Chat(bot_api, chat_id=111, language_code="tr")
    # The town in the emergency message itself: Hamburg's Kinder- und Jugendnotdienst, after 110.
    text = text_of(chat.say("Hamburg'dayız, 8 yaşındaki kızım gece yarısı eve gelmedi, telefonu kapalı"))
    assert text.index("110") < text.index("040 42815 3200") < text.index("116 111"), text
    assert "Kinder- und Jugendnotdienst" in text and "çocuk" in text, text
    # A town without a published local number: the general answer, no other town's number.
    other = text_of(
        Chat(bot_api, chat_id=112, language_code="de").say(
            "Wir sind in Bochum, mein Sohn ist 9 und seit Stunden allein ausgesperrt, niemand macht auf"
        )
    )
    assert "110" in other and "116 111" in other and "040 42815" not in other and "030 61" not in other, other


def test_sticker_gets_a_friendly_text_only_reply(assistant, bot_api) -> None:
    chat = Chat(bot_api, chat_id=105, language_code="en")
    replies = chat.send_update(
        {
            "message": {
                "message_id": 999001,
                "date": 1764000000,
                "chat": {"id": 105, "type": "private"},
                "from": {"id": 105, "is_bot": False, "first_name": "U", "language_code": "en"},
                "sticker": {
                    "file_id": "x",
                    "file_unique_id": "y",
                    "width": 512,
                    "height": 512,
                    "is_animated": False,
                    "is_video": False,
                    "type": "regular",
                },
            }
        }
    )
    assert "I can only read text" in text_of(replies)


def test_a_shared_location_finds_the_nearest_places(assistant, bot_api, demo_services) -> None:
    chat = Chat(bot_api, chat_id=106, language_code="en")
    question = chat.say("I need a doctor")
    button = question[-1]["reply_markup"]["keyboard"][0][0]
    assert button["request_location"] is True and "location" in button["text"]
    user = {"id": 106, "is_bot": False, "first_name": "U", "language_code": "en"}
    location = {"latitude": 51.4818, "longitude": 7.2162}  # Bochum, city centre
    replies = chat.send_update(
        {
            "message": {
                "message_id": 999002,
                "date": 1764000000,
                "chat": {"id": 106, "type": "private"},
                "from": user,
                "location": location,
            }
        }
    )
    text = text_of(replies)
    assert "· Bochum:" in text
    assert any(name in text for name in services_in(demo_services, "health", "Bochum")), text


def test_forget_deletes_the_conversation_from_rasas_store(started, bot_api) -> None:
    from sqlalchemy import create_engine, text

    from bot.pseudonym import conversation_id

    _process, env = started
    chat = Chat(bot_api, chat_id=107, language_code="en")
    chat.say("I need a doctor in Berlin")
    sender = conversation_id(env["PSEUDONYM_KEY"].encode(), 107)
    directory = Path(env["DATABASE_URL"].removeprefix("sqlite:///"))
    engine = create_engine(f"sqlite:///{directory.parent / 'conversations.sqlite3'}")

    def stored() -> list[str]:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT data FROM events WHERE sender_id = :s"), {"s": sender})
            return [row.data for row in rows]

    assert any("I need a doctor in Berlin" in data for data in stored())
    [question] = chat.say("/forget")
    [done] = chat.tap(question, "Yes, delete")
    assert "deleted" in done["text"]
    assert stored() == []
    assert "Berlin" in text_of(chat.say("I need a doctor in Berlin"))  # a fresh conversation works
    engine.dispose()


def test_the_adapter_used_the_bot_api_like_telegram_expects(assistant, bot_api) -> None:
    calls = set(httpx.get(f"{bot_api}/local/calls").json())
    assert {
        "getMe",
        "deleteWebhook",
        "getUpdates",
        "setMyCommands",
        "sendMessage",
        "sendChatAction",
        "answerCallbackQuery",
    } <= calls


def test_logs_hold_no_message_text_or_chat_id(assistant) -> None:
    for secret in ("Ich suche eine Beratung", "I need a doctor", "Xyzabad", "TEST-TOKEN-NOT-REAL"):
        assert secret not in assistant.output
    assert "chat_id=101" not in assistant.output


def _transcript(lines: list[str], name: str) -> None:
    """Keep the conversation for people to read (var/transcripts/, not committed)."""
    out = ROOT / "var" / "transcripts"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _talk(chat: Chat, lines: list[str], text: str) -> list[dict]:
    lines.append(f"USER: {text}")
    replies = chat.say(text)
    lines.extend(f"BOT:  {r['text']}" for r in replies)
    return replies


def _press(chat: Chat, lines: list[str], message: dict, label: str) -> list[dict]:
    lines.append(f"USER taps: [{label}]")
    replies = chat.tap(message, label)
    lines.extend(f"BOT:  {r['text']}" for r in replies)
    return replies


def _until_cards(chat: Chat, lines: list[str], replies: list[dict], city_reply: str) -> list[dict]:
    """Answer the bot's follow-up (offer of a place, question for the city) until cards come."""
    for _ in range(3):
        if any("📍" in r["text"] for r in replies):
            return replies
        offer = [
            b["text"]
            for r in replies
            for row in (r.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row
            if b["callback_data"].startswith("/request_referral")
        ]
        replies = _press(chat, lines, replies[-1], offer[0]) if offer else _talk(chat, lines, city_reply)
    return replies


ARABIC, CYRILLIC = re.compile(r"[\u0600-\u06FF]"), re.compile(r"[\u0400-\u04FF]")


def test_transcript_arabic_kita_in_darmstadt(assistant, bot_api, demo_services) -> None:
    """Amal's journey (docs/decisions.md, the people it is for): Start, Arabic button, Kita
    question in Arabic, Darmstadt."""
    chat, lines = Chat(bot_api, chat_id=201, language_code="ar"), []
    [welcome] = _talk(chat, lines, "/start")
    _press(chat, lines, welcome, "العربية")
    replies = _talk(chat, lines, "ابني يحتاج روضة كيتا وين اروح")
    replies = _until_cards(chat, lines, replies, "دارمشتات")
    _transcript(lines, "arabic")
    text = text_of(replies)
    assert ARABIC.search(text) and "Darmstadt" in text
    assert any(name in text for name in services_in(demo_services, "youth_family", "Darmstadt")), text


def test_transcript_russian_anmeldung_in_bochum(assistant, bot_api, demo_services) -> None:
    """Oleksandr (docs/decisions.md, the people it is for): Russian with a typo, the German word
    transliterated."""
    chat, lines = Chat(bot_api, chat_id=202, language_code="uk"), []
    replies = _talk(chat, lines, "где сделать анмельдунг бочум")
    assert CYRILLIC.search(text_of(replies))
    replies = _until_cards(chat, lines, replies, "Бохум")
    _transcript(lines, "russian")
    assert "Anmeldung" in "\n".join(lines)  # the German word he will meet at the office
    text = text_of(replies)
    assert CYRILLIC.search(text) and "Bochum" in text
    assert any(name in text for name in services_in(demo_services, "citizen_office", "Bochum")), text


def test_transcript_turkish_doctor_in_stuttgart(assistant, bot_api, demo_services) -> None:
    chat, lines = Chat(bot_api, chat_id=203, language_code="tr"), []
    replies = _talk(chat, lines, "merhaba, türkçe konuşan bir doktor arıyorum")
    replies = _until_cards(chat, lines, replies, "Stuttgart")
    _transcript(lines, "turkish")
    text = text_of(replies)
    assert "Stuttgart" in text and re.search("[çğıöşü]", text)
    # The request named Turkish: Turkish-speaking places, or said plainly that none is near.
    cards = text.split("Stuttgart:", 1)[-1]
    assert "Yakında Türkçe konuşulan bir yer bilmiyorum" in text or "Türkçe" in cards, text
    assert any(name in text for name in services_in(demo_services, "health", "Stuttgart")), text


def test_the_console_says_where_each_component_listens_without_third_party_noise(started) -> None:
    assistant, env = started
    ports = {"actions": "ACTION_SERVER_PORT", "rasa": "RASA_PORT", "admin": "ADMIN_PORT"}
    for component, port in ports.items():
        assert f"{component} ready on http://127.0.0.1:{env[port]}" in assistant.output
    for noise in ("DeprecationWarning", "declare_namespace", "setup plugin", "Registered function for"):
        assert noise not in assistant.output


# Last: it stops the assistant the tests above share.
def test_sigint_stops_every_process(assistant, marker, bot_api) -> None:
    server_pids = set(processes_marked(marker)) - {assistant.process.pid}
    assert assistant.stop(signal.SIGINT, timeout=40) == 0
    assert "all components stopped" in assistant.output
    assert "Traceback" not in assistant.output
    fake_server = [
        pid
        for pid in processes_marked(marker)
        if b"bot.local_bot_api" in open(f"/proc/{pid}/cmdline", "rb").read()
    ]
    assert set(processes_marked(marker)) == set(fake_server), "orphaned processes after SIGINT"
    assert len(server_pids) >= 4  # rasa, actions (+ worker), adapter were running
