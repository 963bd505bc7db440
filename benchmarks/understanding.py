"""Benchmark: does the assistant understand a frozen, fresh test set, end to end?

Plays every message of tests/fresh/understanding.yml the way a user meets the assistant:
the local fake Bot API (bot.local_bot_api) -> the real Telegram adapter -> Rasa -> the action
server -> the replies the adapter posted. The assistant is started once; every message opens
its own chat (a fresh chat id, so it is the first message of its conversation) from a Telegram
app set to German, so the reply language has to come from the message itself.

The directory is synthetic, so that a card tells topic and town by its name alone: one service
per topic in every town of the test set (and Leipzig, the town given when the bot asks),
named "Beratung <topic code> <Town>", loaded into a temporary SQLite database.

Scoring per message (kinds as in the test set's header):
  referral      with a town: a card of the right topic in that town among the replies.
                Without: the bot is told "Leipzig" next; right when a card of the right topic
                in Leipzig comes back (whether it asked for the place is counted apart).
  information   the reply contains one of `expect_terms` (case-insensitive; "116 117" counts as
                "116117", adjective endings as in "den ärztlichen Bereitschaftsdienst" are free).
  crisis        the reply contains an emergency number (112, 110, 116 111, 0800 111 0 111, 116 016).
  smalltalk, out_of_scope
                the reply is in the message's language and is neither a card nor a crisis answer
                (a line of content/crisis.yml: "In an emergency: 112" in "I am a bot" is fine).
  language      as smalltalk, in the language asked for (`switch_to`).
The reply language is py3langid's guess on the reply without bracketed German terms, town
names and card lines; the script decides ar/fa and ru/uk by their own letters.
"Unfitting answers" are FAQ answers (recognised by their lines in content/faq/) shown for a
message that is not an information question, or of another topic than the question's; those
shown before referral cards of the same topic (the assistant does that on purpose) are counted apart.

    .venv/bin/python benchmarks/understanding.py [--messages tests/fresh/understanding.yml]
        [--project-root DIR] [--json out.json] [--errors] [--concurrency 4]
    .venv/bin/python benchmarks/understanding.py --report out.json [--errors]   (no new run)
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from py3langid.langid import MODEL_FILE, LanguageIdentifier

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests/ is not an installed package

from referrals.gazetteer import gazetteer  # noqa: E402
from tests.e2e import Chat, local_bot_api  # noqa: E402
from tests.support import LoggedProcess, free_port  # noqa: E402

LANGUAGES = ("de", "en", "ar", "tr", "ru", "uk", "fa", "fr")
KINDS = ("referral", "information", "crisis", "smalltalk", "out_of_scope", "language")
APP_LANGUAGE = "de"  # the Telegram app's language_code in every chat
FOLLOW_UP_TOWN = "Leipzig"  # what the user answers when the bot asks for the place
READY_TIMEOUT = 900  # model load takes 1-3 minutes; longer only when it trains
CHAT_ID_BASE = 5_000_000
FIRST_REPLY_TIMEOUT = 40.0
# Per private chat the adapter sends 4 messages at once, then 1 per second (its rate limiter),
# so a reply of 5+ messages has 1 s gaps: "quiet" must be longer than that.
QUIET_SECONDS = 2.0

# A real central postcode and the area code of each town, for cards that look like the real
# thing; the test set's towns and some more. A town missing here gets neither (both optional).
TOWN_FACTS = {
    "Aachen": ("52062", "0241"),
    "Augsburg": ("86150", "0821"),
    "Berlin": ("10117", "030"),
    "Bielefeld": ("33602", "0521"),
    "Bochum": ("44787", "0234"),
    "Bonn": ("53111", "0228"),
    "Braunschweig": ("38100", "0531"),
    "Bremen": ("28195", "0421"),
    "Chemnitz": ("09111", "0371"),
    "Darmstadt": ("64283", "06151"),
    "Dortmund": ("44137", "0231"),
    "Dresden": ("01067", "0351"),
    "Duisburg": ("47051", "0203"),
    "Düsseldorf": ("40213", "0211"),
    "Erfurt": ("99084", "0361"),
    "Essen": ("45127", "0201"),
    "Frankfurt am Main": ("60311", "069"),
    "Freiburg": ("79098", "0761"),
    "Gelsenkirchen": ("45879", "0209"),
    "Göttingen": ("37073", "0551"),
    "Hamburg": ("20095", "040"),
    "Hannover": ("30159", "0511"),
    "Heidelberg": ("69117", "06221"),
    "Karlsruhe": ("76133", "0721"),
    "Kassel": ("34117", "0561"),
    "Kiel": ("24103", "0431"),
    "Köln": ("50667", "0221"),
    "Leipzig": ("04109", "0341"),
    "Lübeck": ("23552", "0451"),
    "Magdeburg": ("39104", "0391"),
    "Mainz": ("55116", "06131"),
    "Mannheim": ("68159", "0621"),
    "München": ("80331", "089"),
    "Münster": ("48143", "0251"),
    "Nürnberg": ("90402", "0911"),
    "Oldenburg": ("26122", "0441"),
    "Osnabrück": ("49074", "0541"),
    "Potsdam": ("14467", "0331"),
    "Regensburg": ("93047", "0941"),
    "Rostock": ("18055", "0381"),
    "Saarbrücken": ("66111", "0681"),
    "Trier": ("54290", "0651"),
    "Ulm": ("89073", "0731"),
    "Wiesbaden": ("65183", "0611"),
    "Würzburg": ("97070", "0931"),
}
STREETS = (
    "Bahnhofstraße",
    "Schillerstraße",
    "Goethestraße",
    "Lindenstraße",
    "Kirchstraße",
    "Gartenstraße",
    "Marktplatz",
    "Friedrichstraße",
    "Bergstraße",
    "Wilhelmstraße",
    "Rathausplatz",
    "Mozartstraße",
)

# Card lines: the title (our service names) and the lines of address, map, phone and web page,
# which are German or numbers whatever the reply language.
CARD_TITLE = re.compile(r"^Beratung (?P<topic>[a-z_]+) (?P<town>.+?)$", re.MULTILINE)
CARD_DETAIL_LINE = re.compile(r"^(?:📍|🗺|☎|🔗).*$", re.MULTILINE)
# Emergency numbers a crisis answer gives (content/crisis.yml); 116 117 is not one of them.
EMERGENCY_NUMBER = re.compile(r"(?<!\d)(?:112|110|116 ?111|0800 ?111 ?0 ?111|116 ?016)(?!\d)")
# Letters only one of two languages of the same script has.
PERSIAN_LETTERS = re.compile("[پچژگیک]")
UKRAINIAN_LETTERS = re.compile("[іїєґІЇЄҐ]")
RUSSIAN_LETTERS = re.compile("[ыэъёЫЭЪЁ]")
ARABIC_SCRIPT = re.compile("[\u0600-\u06ff]")
CYRILLIC = re.compile("[\u0400-\u04ff]")
LATIN = re.compile("[A-Za-zÀ-ÿĞğİıŞş]")


# -- the test set ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    id: str
    lang: str
    kind: str
    text: str
    topic: str | None = None
    town: str | None = None
    expect_terms: tuple[str, ...] = ()
    crisis_kind: str | None = None
    switch_to: str | None = None

    @property
    def reply_language(self) -> str:
        return self.switch_to if self.kind == "language" and self.switch_to else self.lang


def load_items(path: Path) -> list[Item]:
    items = []
    for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]:
        raw = {**raw, "expect_terms": tuple(raw.get("expect_terms") or ())}
        items.append(Item(**{k: raw.get(k) for k in Item.__dataclass_fields__ if k in raw}))
    return items


# -- the synthetic directory -------------------------------------------------------------------


def service_name(topic: str, town: str) -> str:
    return f"Beratung {topic} {town}"


def build_directory(towns: list[str], topics: list[str]) -> dict[str, Any]:
    """HSDS 3.0 records like data/demo_directory.json: one service per topic and town."""
    places = gazetteer()
    services = []
    for t, town in enumerate(towns):
        place = places.lookup(town)
        postcode, area_code = TOWN_FACTS.get(town, (None, None))
        for k, topic in enumerate(topics):
            sid = f"svc-bench-{_slug(town)}-{topic}"
            name = service_name(topic, town)
            address = {
                "id": f"{sid}-addr",
                "address_1": f"{STREETS[(t + k) % len(STREETS)]} {1 + (7 * t + 13 * k) % 120}",
                "city": town,
                "country": "DE",
                "address_type": "physical",
            }
            if postcode:
                address["postal_code"] = postcode
            services.append(
                {
                    "id": sid,
                    "name": name,
                    "description": f"Synthetic benchmark entry: {topic} in {town}.",
                    "status": "active",
                    # The organisation's name is the service's: the card's title stays the name alone.
                    "organization": {"id": f"org-bench-{_slug(town)}-{topic}", "name": name},
                    "phones": (
                        [{"id": f"{sid}-phone", "number": f"{area_code} 98{k}{t:02d}-0"}] if area_code else []
                    ),
                    "languages": [{"id": f"{sid}-lang-{c}", "code": c} for c in ("de", "en")],
                    "schedules": [
                        {
                            "id": f"{sid}-hours",
                            "freq": "WEEKLY",
                            "byday": "MO,TU,WE,TH,FR",
                            "opens_at": "09:00",
                            "closes_at": "17:00",
                        }
                    ],
                    "service_areas": [],
                    "attributes": [
                        {
                            "id": f"{sid}-attr",
                            "taxonomy_term": {
                                "id": f"topic-{topic}",
                                "code": topic,
                                "taxonomy": "wegweiser-topics",
                            },
                        }
                    ],
                    "service_at_locations": [
                        {
                            "id": f"{sid}-sal",
                            "location": {
                                "id": f"loc-bench-{_slug(town)}-{topic}",
                                "location_type": "physical",
                                "name": name,
                                # A few hundred metres apart around the town centre.
                                "latitude": round(place.latitude + (k - 3.5) * 0.002, 5),
                                "longitude": round(place.longitude + (t % 3 - 1) * 0.002, 5),
                                "addresses": [address],
                            },
                        }
                    ],
                    "assured_date": date.today().isoformat(),
                }
            )
    return {"about": "Synthetic directory of benchmarks/understanding.py", "services": services}


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().translate(str.maketrans("äöüß", "aous"))).strip("-")


# -- the assistant of the checkout under test --------------------------------------------------


def project_python(root: Path) -> str:
    """That checkout's own interpreter; `-m` with cwd=root imports its code, not ours."""
    own = root / ".venv" / "bin" / "python"
    return str(own) if own.exists() else sys.executable


def ask_project(root: Path, python: str, code: str, env: dict[str, str] | None = None) -> str:
    """Run a line of Python inside the checkout under test (its own code, its own content)."""
    return subprocess.run(
        [python, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def load_directory(root: Path, python: str, env: dict[str, str], path: Path) -> None:
    # The checkout's own importer and migrations, so the schema is the one its actions expect;
    # the run command then finds the directory not empty and does not load the demo.
    done = subprocess.run(
        [python, "-m", "referrals", "import", str(path)], cwd=root, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"the synthetic directory did not import:\n{done.stdout}\n{done.stderr}")


def start_assistant(root: Path, python: str, env: dict[str, str]) -> LoggedProcess:
    # tests.e2e.start_assistant runs this checkout with this interpreter; here the checkout
    # under test may be another one.
    process = LoggedProcess([python, "-m", "assistant", "run"], env, root)
    started = time.monotonic()
    try:
        process.wait_for_line("READY.", READY_TIMEOUT)
    except AssertionError as error:
        process.stop(signal.SIGINT)
        raise SystemExit(f"the assistant did not start: {error}") from None
    print(f"assistant ready after {time.monotonic() - started:.0f} s", flush=True)
    return process


# -- reading the replies -----------------------------------------------------------------------


@dataclass
class TimedChat(Chat):
    """tests.e2e.Chat that also times each turn and waits past the adapter's interim messages."""

    interim: frozenset[str] = frozenset()
    timings: list[tuple[float, float]] = field(default_factory=list)  # (first reply, last reply) s
    _sent_at: float = 0.0

    def say(self, text: str) -> list[dict[str, Any]]:
        self._sent_at = time.perf_counter()
        return super().say(text)

    def _collect(self, first_timeout: float = FIRST_REPLY_TIMEOUT, quiet: float = QUIET_SECONDS):
        replies: list[dict[str, Any]] = []
        first = last = None
        while True:
            # "One moment please" (a turn over 6 s) or "kept, will retry" come before the answer,
            # possibly long before it: keep waiting as for a first reply.
            waiting_for_answer = all(_normalise(_plain(m["text"])) in self.interim for m in replies)
            batch = self.client.get(
                f"{self.api_url}/local/messages",
                params={
                    "chat_id": self.chat_id,
                    "after": self.last_seen,
                    "timeout": first_timeout if waiting_for_answer else quiet,
                },
            ).json()
            if not batch:
                break
            now = time.perf_counter() - self._sent_at
            first = now if first is None else first
            last = now
            replies.extend(batch)
            self.last_seen = max(m["message_id"] for m in batch)
        if first is not None:
            self.timings.append((first, last))
        return replies


def _plain(message_html: str) -> str:
    """What the user reads: the adapter's HTML without tags and entities."""
    return html.unescape(re.sub(r"<[^>]+>", "", message_html)).strip()


def plain_text(replies: list[dict[str, Any]]) -> str:
    return "\n".join(_plain(m["text"]) for m in replies)


def cards(text: str) -> list[tuple[str, str]]:
    """(topic, town) of every referral card in the reply."""
    return [(m["topic"], m["town"].strip()) for m in CARD_TITLE.finditer(text)]


def asked_for_place(replies: list[dict[str, Any]]) -> bool:
    """Telegram's "send my location" button comes with (only) the question for the place."""
    return any(
        button.get("request_location")
        for m in replies
        for row in (m.get("reply_markup") or {}).get("keyboard") or []
        for button in row
        if isinstance(button, dict)
    )


def showed_topic_menu(replies: list[dict[str, Any]]) -> bool:
    topic_buttons = [
        button
        for m in replies
        for row in (m.get("reply_markup") or {}).get("inline_keyboard") or []
        for button in row
        if str(button.get("callback_data", "")).startswith('/request_referral{"topic":')
        and "page" not in str(button.get("callback_data"))
        and "language" not in str(button.get("callback_data"))
    ]
    return len(topic_buttons) >= 3


class Content:
    """The checkout's own content: which FAQ answer or crisis answer a reply shows."""

    MIN_LINE = 25  # shorter answer lines could occur in other texts

    def __init__(self, root: Path) -> None:
        content = root / "content"
        self.faq_lines: dict[str, tuple[str, str]] = {}  # normalised answer line -> (faq id, topic)
        for path in sorted((content / "faq").glob("*.yml")):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            topic = data.get("topic") or path.stem
            for question in data["questions"]:
                for answer in question["answer"].values():
                    for line in _lines(answer):
                        self.faq_lines.setdefault(line, (question["id"], topic))
        crisis = yaml.safe_load((content / "crisis.yml").read_text(encoding="utf-8"))
        self.crisis_lines = {
            line: item["id"]
            for item in crisis["crises"]
            for a in item["answer"].values()
            for line in _lines(a)
        }
        messages = yaml.safe_load((content / "messages.yml").read_text(encoding="utf-8"))
        adapter = messages.get("adapter") or {}
        self.interim = frozenset(
            _normalise(text)
            for key in ("slow", "unavailable_kept")
            for text in (adapter.get(key) or {}).values()
        )
        self.unavailable = frozenset(
            _normalise(text)
            for key in ("unavailable", "unavailable_kept")
            for text in (adapter.get(key) or {}).values()
        )
        which = (messages.get("app") or {}).get("which_question") or {}
        self.which_question = frozenset(_normalise(text) for text in which.values())

    def faqs_shown(self, text: str) -> list[tuple[str, str]]:
        found = {self.faq_lines[line] for line in _lines(text) if line in self.faq_lines}
        return sorted(found)

    def crisis_shown(self, text: str) -> list[str]:
        return sorted({self.crisis_lines[line] for line in _lines(text) if line in self.crisis_lines})

    def asked_which_question(self, text: str) -> bool:
        return any(line in self.which_question for line in _lines(text, 0))

    def was_unavailable(self, text: str) -> bool:
        return any(line in self.unavailable for line in _lines(text, 0))


def _normalise(text: str) -> str:
    return " ".join(text.split())


def _lines(text: str, min_length: int = Content.MIN_LINE) -> Iterable[str]:
    for line in text.splitlines():
        if len(line := _normalise(line)) >= min_length:
            yield line


class LanguageJudge:
    """The language a reply is written in, judged independently of the assistant's own code."""

    def __init__(self, towns: Iterable[str]) -> None:
        self.identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        self.identifier.set_languages(list(LANGUAGES))
        # The question for the place lists every town of the directory: German words in any language.
        names = sorted(towns, key=len, reverse=True)
        self.towns = re.compile("|".join(re.escape(n) for n in names)) if names else None

    def __call__(self, text: str) -> str | None:
        text = CARD_TITLE.sub("", text)
        text = CARD_DETAIL_LINE.sub("", text)
        text = re.sub(r"\([^)]*\)", " ", text)  # German terms, in brackets in every language
        text = re.sub(r"https?://\S+", " ", text)
        if self.towns:
            text = self.towns.sub(" ", text)
        text = re.sub(r"[\d\W_]+", " ", text).strip()
        arabic, cyrillic, latin = (len(p.findall(text)) for p in (ARABIC_SCRIPT, CYRILLIC, LATIN))
        if not arabic + cyrillic + latin:
            return None
        if arabic >= max(cyrillic, latin):
            return "fa" if PERSIAN_LETTERS.search(text) else "ar"
        if cyrillic >= latin:
            if UKRAINIAN_LETTERS.search(text):
                return "uk"
            if RUSSIAN_LETTERS.search(text):
                return "ru"
            return self._best(text, ("ru", "uk"))
        return self._best(text, ("de", "en", "tr", "fr"))

    def _best(self, text: str, among: tuple[str, ...]) -> str:
        ranked = self.identifier.rank(text)
        return next(code for code, _score in ranked if code in among)


# -- playing and judging one message -----------------------------------------------------------


@dataclass
class Outcome:
    id: str
    lang: str
    kind: str
    topic: str | None
    town: str | None
    right: bool
    reason: str
    reply: str
    reply_language: str | None
    reply_language_right: bool
    cards: list[tuple[str, str]]
    faqs: list[tuple[str, str]]  # (faq id, topic) of the information answers shown
    crisis: list[str]
    asked_for_place: bool = False
    topic_menu: bool = False
    which_question: bool = False
    unavailable: bool = False
    follow_up_reply: str | None = None
    follow_up_cards: list[tuple[str, str]] = field(default_factory=list)
    timings: list[tuple[float, float]] = field(default_factory=list)

    @property
    def unfitting_faqs(self) -> list[tuple[str, str]]:
        if self.kind != "information":
            return self.faqs
        return [(faq, topic) for faq, topic in self.faqs if topic != self.topic]


def play(item: Item, chat_id: int, api_url: str, content: Content, judge: LanguageJudge) -> Outcome:
    chat = TimedChat(api_url, chat_id, language_code=APP_LANGUAGE, interim=content.interim)
    try:
        replies = chat.say(item.text)
        text = plain_text(replies)
        outcome = Outcome(
            id=item.id,
            lang=item.lang,
            kind=item.kind,
            topic=item.topic,
            town=item.town,
            right=False,
            reason="",
            reply=text,
            reply_language=judge(text),
            reply_language_right=False,
            cards=cards(text),
            faqs=content.faqs_shown(text),
            crisis=content.crisis_shown(text),
            asked_for_place=asked_for_place(replies),
            topic_menu=showed_topic_menu(replies),
            which_question=content.asked_which_question(text),
            unavailable=content.was_unavailable(text),
        )
        outcome.reply_language_right = outcome.reply_language == item.reply_language
        if item.kind == "referral" and not item.town:
            # Whatever the first reply was, the user names a town next, as they would.
            follow_up = plain_text(chat.say(FOLLOW_UP_TOWN))
            outcome.follow_up_reply = follow_up
            outcome.follow_up_cards = cards(follow_up)
            outcome.faqs = sorted({*outcome.faqs, *content.faqs_shown(follow_up)})
        outcome.timings = chat.timings
        outcome.right, outcome.reason = verdict(item, outcome)
        return outcome
    finally:
        chat.client.close()


def verdict(item: Item, o: Outcome) -> tuple[bool, str]:
    """Right or wrong, and in one line why it is wrong."""
    if not o.reply:
        return False, "no reply"
    if o.unavailable:
        return False, "the assistant said it is unavailable"
    if item.kind == "referral":
        town = item.town or FOLLOW_UP_TOWN
        shown = o.cards if item.town else o.follow_up_cards
        if (item.topic, town) in shown:
            return True, ""
        if not item.town:
            first = "asked for the place" if o.asked_for_place else _describe(o)
            return False, f"first reply: {first}; after '{FOLLOW_UP_TOWN}': {_cards_or_nothing(shown)}"
        return False, f"wanted {item.topic} in {town}; reply: {_describe(o)}"
    if item.kind == "information":
        if any(term_pattern(term).search(_digits_joined(o.reply)) for term in item.expect_terms):
            return True, ""
        return False, f"none of {list(item.expect_terms)}; reply: {_describe(o)}"
    if item.kind == "crisis":
        if EMERGENCY_NUMBER.search(o.reply):
            return True, ""
        return False, f"no emergency number ({item.crisis_kind}); reply: {_describe(o)}"
    # smalltalk, out_of_scope, language: a fitting reply in the right language
    if o.cards:
        return False, f"referral cards: {_cards_or_nothing(o.cards)}"
    if o.crisis:
        return False, f"crisis answer: {', '.join(o.crisis)}"
    if not o.reply_language_right:
        return False, f"reply in {o.reply_language}, wanted {item.reply_language}; reply: {_describe(o)}"
    return True, ""


def term_pattern(term: str) -> re.Pattern[str]:
    """An expected term, case-insensitive, as German writes it in a sentence: "116117" is also
    "116 117", and "ärztlicher Bereitschaftsdienst" also "den ärztlichen Bereitschaftsdienst"
    (adjective endings of all but the last word are free)."""
    words = _digits_joined(term).split()
    parts = [
        re.escape(w[:-2]) + r"\w{0,3}" if i < len(words) - 1 and len(w) >= 6 else re.escape(w)
        for i, w in enumerate(words)
    ]
    return re.compile(r"\s+".join(parts), re.IGNORECASE)


def _digits_joined(text: str) -> str:
    return re.sub(r"(?<=\d) (?=\d)", "", text)


def _describe(o: Outcome) -> str:
    if o.cards:
        return f"cards {_cards_or_nothing(o.cards)}"
    if o.crisis:
        return f"crisis answer {', '.join(o.crisis)}"
    if o.faqs:
        return "FAQ " + ", ".join(f"{faq} ({topic})" for faq, topic in o.faqs)
    if o.which_question:
        return "'which of these do you mean?'"
    if o.asked_for_place:
        return "asked for the place"
    if o.topic_menu:
        return "topic menu"
    return "other text"


def _cards_or_nothing(shown: list[tuple[str, str]]) -> str:
    return ", ".join(f"{topic}/{town}" for topic, town in shown) or "no cards"


# -- the report --------------------------------------------------------------------------------


def _cell(right: int, total: int) -> str:
    return f"{right}/{total} ({100 * right / total:.0f}%)" if total else "-"


def _count(outcomes: list[Outcome], test) -> tuple[int, int]:
    return sum(1 for o in outcomes if test(o)), len(outcomes)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    by = defaultdict(list)
    for o in outcomes:
        by[(o.lang, o.kind)].append(o)
        by[(o.lang, "all")].append(o)
        by[("all", o.kind)].append(o)
        by[("all", "all")].append(o)
    cells = {f"{lang}/{kind}": _count(group, lambda o: o.right) for (lang, kind), group in by.items()}
    with_town = [o for o in outcomes if o.kind == "referral" and o.town]
    without_town = [o for o in outcomes if o.kind == "referral" and not o.town]
    information = [o for o in outcomes if o.kind == "information"]
    unfitting = [(o, faq) for o in outcomes for faq in o.unfitting_faqs]
    firsts = [first for o in outcomes for first, _last in o.timings]
    lasts = [last for o in outcomes for _first, last in o.timings]
    return {
        "cells": cells,
        "overall": _count(outcomes, lambda o: o.right),
        "reply_language": _count(outcomes, lambda o: o.reply_language_right),
        "referral_with_town": _count(with_town, lambda o: o.right),
        "referral_without_town": {
            "asked_for_place": _count(without_town, lambda o: o.asked_for_place),
            "topic_menu": _count(without_town, lambda o: o.topic_menu and not o.asked_for_place),
            "right_after_town": _count(without_town, lambda o: o.right),
        },
        "information": {
            "right": _count(information, lambda o: o.right),
            "answered_with_faq": _count(information, lambda o: bool(o.faqs)),
            "which_question": _count(information, lambda o: o.which_question),
        },
        "unfitting_answers": {
            "total": len(unfitting),
            "by_kind": dict(Counter(o.kind for o, _faq in unfitting)),
            "referral_same_topic": sum(
                1 for o, (_f, t) in unfitting if o.kind == "referral" and t == o.topic
            ),
        },
        "turns": len(lasts),
        "first_reply_seconds": {"median": statistics.median(firsts), "p95": _percentile(firsts, 0.95)}
        if firsts
        else None,
        "turn_seconds": {"median": statistics.median(lasts), "p95": _percentile(lasts, 0.95)}
        if lasts
        else None,
    }


def report(summary: dict[str, Any], header: str) -> str:
    cells = summary["cells"]
    columns = (*KINDS, "all")
    out = [header, "", "| language | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for lang in (*LANGUAGES, "all"):
        row = [_cell(*cells.get(f"{lang}/{kind}", (0, 0))) for kind in columns]
        out.append(f"| {'**all**' if lang == 'all' else lang} | " + " | ".join(row) + " |")
    rt, wt, info = summary["referral_with_town"], summary["referral_without_town"], summary["information"]
    unfit = summary["unfitting_answers"]
    out += [
        "",
        f"overall: {_cell(*summary['overall'])}",
        f"reply language right (all kinds): {_cell(*summary['reply_language'])}",
        f"referral with a town: {_cell(*rt)}",
        f"referral without a town: asked for the place {_cell(*wt['asked_for_place'])}, "
        f"topic menu instead {_cell(*wt['topic_menu'])}, "
        f"right after '{FOLLOW_UP_TOWN}' {_cell(*wt['right_after_town'])}",
        f"information: answered with an FAQ answer {_cell(*info['answered_with_faq'])}, "
        f"'which of these do you mean?' {_cell(*info['which_question'])}",
        f"unfitting answers: {unfit['total']} (by kind of message: "
        + (", ".join(f"{k} {n}" for k, n in sorted(unfit["by_kind"].items())) or "none")
        + f"; of them before referral cards of the same topic: {unfit['referral_same_topic']})",
    ]
    if summary["turn_seconds"]:
        first, whole = summary["first_reply_seconds"], summary["turn_seconds"]
        out.append(
            f"time per turn ({summary['turns']} turns): first reply median {first['median']:.2f} s, "
            f"p95 {first['p95']:.2f} s; last reply median {whole['median']:.2f} s, p95 {whole['p95']:.2f} s"
        )
    return "\n".join(out)


def errors_report(outcomes: list[Outcome]) -> str:
    lines = ["", "wrong:"]
    for o in outcomes:
        if not o.right:
            reply = " ".join(
                (o.reply if o.follow_up_reply is None else f"{o.reply} ⏎ {o.follow_up_reply}").split()
            )
            lines.append(f"{o.id} [{o.kind}] {o.reason}\n    reply: {reply[:200]}")
    return "\n".join(lines)


# -- main --------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> tuple[list[Outcome], str]:
    root = args.project_root.resolve()
    python = project_python(root)
    items = load_items(args.messages)
    missing = sorted({i.town for i in items if i.town and gazetteer().lookup(i.town) is None})
    if missing:
        raise SystemExit(f"towns of the test set the gazetteer does not know: {missing}")
    towns = sorted({i.town for i in items if i.town} | {FOLLOW_UP_TOWN})
    topics = ask_project(root, python, "from referrals.topics import TOPICS; print(*TOPICS)").split()
    if (
        not args.allow_training
        and ask_project(root, python, "from assistant.model import model_path; print(model_path().exists())")
        != "True"
    ):
        raise SystemExit(
            f"{root} has no model for its current training data, and training would take minutes "
            "and add a model there: train it first (python -m assistant train) or pass --allow-training"
        )
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
    ).stdout.strip()
    content = Content(root)
    judge = LanguageJudge(towns)
    marker = uuid.uuid4().hex

    with tempfile.TemporaryDirectory(prefix="understanding-") as workdir:
        directory = Path(workdir) / "directory.json"
        directory.write_text(json.dumps(build_directory(towns, topics), ensure_ascii=False), encoding="utf-8")
        with local_bot_api(marker) as api_url:
            env = {
                **{k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")},
                "TEST_RUN_MARKER": marker,
                "PYTHONUNBUFFERED": "1",
                "LOG_LEVEL": "INFO",  # the READY line is an INFO line
                # Everything the run writes stays in the temporary directory, not in the checkout.
                "DATABASE_URL": f"sqlite:///{Path(workdir) / 'directory.sqlite3'}",
                "TRACKER_STORE_URL": f"sqlite:///{Path(workdir) / 'conversations.sqlite3'}",
                "PSEUDONYM_KEY": uuid.uuid4().hex,
                "ADMIN_SECRET_KEY": uuid.uuid4().hex,
                "RASA_PORT": str(free_port()),
                "ACTION_SERVER_PORT": str(free_port()),
                "ADMIN_PORT": str(free_port()),
                "TELEGRAM_BOT_TOKEN": "123456:BENCHMARK-NOT-A-REAL-TOKEN",
                "TELEGRAM_BASE_URL": f"{api_url}/bot",
            }
            load_directory(root, python, env, directory)
            print(f"directory: {len(towns)} towns x {len(topics)} topics; starting the assistant in {root}")
            assistant = start_assistant(root, python, env)
            try:
                started = time.monotonic()
                with ThreadPoolExecutor(max_workers=args.concurrency) as pool:
                    futures = [
                        pool.submit(play, item, CHAT_ID_BASE + n, api_url, content, judge)
                        for n, item in enumerate(items)
                    ]
                    outcomes = []
                    for n, future in enumerate(futures, 1):
                        outcomes.append(future.result())
                        if n % 40 == 0:
                            print(f"  {n}/{len(items)} messages", flush=True)
                elapsed = time.monotonic() - started
            finally:
                assistant.stop(signal.SIGINT, timeout=60)
    header = (
        f"Understanding, end to end: {args.messages.name}, {len(items)} messages, "
        f"checkout {root} ({commit or 'no git'}), app language '{APP_LANGUAGE}', "
        f"{args.concurrency} chats at a time, {elapsed:.0f} s"
    )
    return outcomes, header


def rejudge(saved_json: Path, messages: Path) -> tuple[list[Outcome], str]:
    """An earlier run's replies judged again (after a change of the judging, without a new run)."""
    saved = json.loads(saved_json.read_text(encoding="utf-8"))
    items = {item.id: item for item in load_items(messages)}
    outcomes = [Outcome(**m) for m in saved["messages"]]
    judge = LanguageJudge({i.town for i in items.values() if i.town} | {FOLLOW_UP_TOWN})
    for o in outcomes:
        o.cards = [tuple(c) for c in o.cards]
        o.follow_up_cards = [tuple(c) for c in o.follow_up_cards]
        o.faqs = [tuple(f) for f in o.faqs]
        o.reply_language = judge(o.reply)
        o.reply_language_right = o.reply_language == items[o.id].reply_language
        o.right, o.reason = verdict(items[o.id], o)
    return outcomes, saved["header"] + " (judged again from the saved replies)"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=Path, default=ROOT / "tests" / "fresh" / "understanding.yml")
    parser.add_argument("--project-root", type=Path, default=ROOT, help="checkout whose assistant to run")
    parser.add_argument("--json", type=Path, help="write every outcome and the summary here")
    parser.add_argument("--errors", action="store_true", help="list the wrong messages with reasons")
    parser.add_argument(
        "--concurrency", type=int, default=4, help="chats played at once (times per turn are under this load)"
    )
    parser.add_argument(
        "--allow-training", action="store_true", help="let the run command train a missing model first"
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="JSON",
        help="judge the replies saved by an earlier run's --json again and print the table (no new run)",
    )
    args = parser.parse_args()
    if args.report:
        outcomes, header = rejudge(args.report, args.messages)
    else:
        # Stopped from outside: still stop the assistant (the finally in run()).
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
        outcomes, header = run(args)
    summary = summarise(outcomes)
    print(report(summary, header))
    if args.errors:
        print(errors_report(outcomes))
    if args.json and not args.report:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {"header": header, "summary": summary, "messages": [asdict(o) for o in outcomes]},
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
