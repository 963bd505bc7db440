"""The reviewed content: complete in every language, German terms named, sources listed,
and the generated Rasa responses up to date."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path

import pytest
import yaml

from assistant.responses import TARGET, build
from referrals.topics import SUPPORTED_LANGUAGES, TOPICS

CONTENT = Path(__file__).resolve().parent.parent / "content"
FAQ = [
    (path.stem, q)
    for path in sorted((CONTENT / "faq").glob("*.yml"))
    for q in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
]
CRISES = yaml.safe_load((CONTENT / "crisis.yml").read_text(encoding="utf-8"))
CRISIS_NUMBERS = {
    "medical_emergency": ["112"],
    "violence": ["110", "116 016"],
    "suicidal_thoughts": ["0800 111 0 111", "0800 111 0 222"],
    "child_in_danger": ["110", "116 111"],
}
MIN_QUESTIONS_PER_TOPIC = 8


def test_the_generated_rasa_responses_are_current() -> None:
    assert TARGET.read_text(encoding="utf-8") == build(), "run: .venv/bin/python -m assistant responses"


def test_at_least_eight_questions_for_every_directory_topic() -> None:
    topics = [topic for topic, _ in FAQ]
    counts = {code: topics.count(code) for code in TOPICS}
    assert all(n >= MIN_QUESTIONS_PER_TOPIC for n in counts.values()), counts
    assert set(topics) <= set(TOPICS), sorted(set(topics) - set(TOPICS))


@pytest.mark.parametrize(("topic", "question"), FAQ, ids=[q["id"] for _, q in FAQ])
def test_each_answer_is_short_complete_sourced_and_names_the_german_term(topic, question) -> None:
    assert set(question["answer"]) == set(SUPPORTED_LANGUAGES)
    assert question["sources"] and all(s["url"].startswith("http") for s in question["sources"])
    terms = [t.lower() for t in question["german_terms"]]
    for language, answer in question["answer"].items():
        assert 2 <= len(answer.strip().splitlines()) <= 5, (language, answer)
        if language != "de":
            assert any(term.split()[0].lower()[:6] in answer.lower() for term in terms), (language, answer)


# Numbers: every digit sequence, with the spaces of phone numbers ("0800 111 0 550") and the
# separators of thousands ("1.800", "1,800", "1 800") removed and any script's digits read as 0-9.
PHONE = re.compile(r"\b(?:0|11)\d*(?:[ \u00a0]\d+)+")
THOUSANDS = re.compile(r"\d{1,3}(?:[ .,\u00a0\u202f]\d{3})+(?!\d)")
BRACKETS = re.compile(r"\(([^()]*)\)")
LATIN_SCRIPT_LANGUAGES = ("en", "tr", "fr")
# Capitalised, but not German: month and day names of English and Turkish ("(as of 6 December 2026)").
NOT_GERMAN = set(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun "
    "ocak şubat mart nisan mayıs haziran temmuz ağustos eylül ekim kasım aralık "
    "pazartesi salı çarşamba perşembe cuma cumartesi pazar".split()
)


def numbers(text: str) -> set[str]:
    text = "".join(str(unicodedata.decimal(c)) if c.isdigit() else c for c in text)
    found: set[str] = set()

    def take(match: re.Match[str]) -> str:
        found.add(re.sub(r"\D", "", match.group(0)))
        return " "

    text = THOUSANDS.sub(take, PHONE.sub(take, text))
    return found | set(re.findall(r"\d+", text))


def bracketed_german_words(text: str, language: str) -> list[str]:
    """Latin-script words in brackets: the German terms. In en, tr and fr only capitalised ones
    count (German nouns, acronyms), so a gloss in the user's language, "(ambulance, Rettungsdienst)",
    is not mistaken for one."""
    words = []
    for inner in BRACKETS.findall(text):
        for word in re.findall(r"[^\s,;:،؛()«»\"„“”'’]+", inner):
            word = word.strip(".-–")
            if not re.fullmatch(r"[A-Za-zÄÖÜäöüß0-9§\-./]*[A-Za-zÄÖÜäöüß][A-Za-zÄÖÜäöüß0-9§\-./]*", word):
                continue
            if language in LATIN_SCRIPT_LANGUAGES and (
                not re.search(r"[A-ZÄÖÜ]", word) or word.lower() in NOT_GERMAN
            ):
                continue
            words.append(word)
    return words


@pytest.mark.parametrize(("topic", "question"), FAQ, ids=[q["id"] for _, q in FAQ])
def test_numbers_and_bracketed_german_terms_match_the_german_answer(topic, question) -> None:
    german = question["answer"]["de"]
    known = (german + " " + " ".join(question["german_terms"])).lower()
    for language, answer in question["answer"].items():
        if language == "de":
            continue
        assert numbers(answer) == numbers(german), (language, numbers(german) ^ numbers(answer))
        unknown = [w for w in bracketed_german_words(answer, language) if w.lower() not in known]
        assert not unknown, (language, "bracketed words that are not German terms of this answer", unknown)


@pytest.mark.parametrize("crisis", CRISES["crises"], ids=[c["id"] for c in CRISES["crises"]])
def test_crisis_numbers_match_the_german_answer(crisis) -> None:
    german = crisis["answer"]["de"]
    for language, answer in crisis["answer"].items():
        assert numbers(answer) == numbers(german), (crisis["id"], language, numbers(german) ^ numbers(answer))


SOURCE_LISTS = [(f"{topic}/{q['id']}", q["sources"]) for topic, q in FAQ] + [("crisis", CRISES["sources"])]


@pytest.mark.parametrize(("name", "sources"), SOURCE_LISTS, ids=[name for name, _ in SOURCE_LISTS])
def test_every_source_has_a_checked_date(name, sources) -> None:
    for source in sources:
        checked = source.get("checked")
        if not isinstance(checked, date):  # unquoted in YAML: already a date
            assert isinstance(checked, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", checked), (name, source)
            date.fromisoformat(checked)


@pytest.mark.parametrize("crisis", CRISES["crises"], ids=[c["id"] for c in CRISES["crises"]])
def test_crisis_answers_give_the_right_numbers_in_every_language(crisis) -> None:
    assert set(crisis["answer"]) == set(SUPPORTED_LANGUAGES)
    for language, answer in crisis["answer"].items():
        for number in CRISIS_NUMBERS[crisis["id"]]:
            assert number in answer, (crisis["id"], language, number)


def test_the_generated_topic_lookup_is_current() -> None:
    from assistant import lookups

    assert lookups.TARGET.read_text(encoding="utf-8") == lookups.build(), (
        "run: .venv/bin/python -m assistant train"
    )


def test_the_generated_town_pattern_is_current() -> None:
    from assistant import lookups

    assert lookups.TOWN_TARGET.read_text(encoding="utf-8") == lookups.build_town(), (
        "run: .venv/bin/python -m assistant train"
    )


@pytest.mark.parametrize(
    "message, town",
    [
        ("ich wohne in wiesbaden", "wiesbaden"),
        ("koeln", "koeln"),
        ("عايشين في كاسل", "كاسل"),
        ("ساكن بكاسل", "بكاسل"),
        ("خونمون کاسل است", "کاسل"),
        ("хочу зарегистрироваться в Майнце", "Майнце"),
        ("ми живемо у Майнці", "Майнці"),
        ("Wiesbaden'dayım", "Wiesbaden'dayım"),
        ("burgeramt Heilbronn adres", "Heilbronn"),
        ("мы живём в Касселе", "Касселе"),  # Кассель: the soft sign gives way to the ending
        ("я из Геры", "Геры"),
        ("ми живемо у Гамбурзі", "Гамбурзі"),  # г becomes з before the locative -і
        ("працюю в Оффенбасі", "Оффенбасі"),
        ("بدي روح لـهامبورغ", "لـهامبورغ"),  # a tatweel after the preposition
        ("ابني بيدرس بجامعة سيغن", "سيغن"),  # a name GeoNames lacks (data/town_names.yml)
        ("ما در بیله فلد زندگی می‌کنیم", "بیله فلد"),  # the half-space typed as a space
        ("بنویس فارسی", None),  # Persian "write", not ب + Neuss
        ("نمیخوام زنده باشم", None),  # "alive", also the name of a small town
        ("mein kühlschrank ist leer", None),
        ("wie wird das wetter morgen", None),
        ("ich brauche essen", None),
        ("Berliner Luft", None),
    ],
)
def test_the_town_pattern_finds_towns_in_every_script_and_not_everyday_words(message, town) -> None:
    """The town feature (nlu/lookups/town.yml) as Rasa's RegexFeaturizer applies it."""
    import re

    from assistant import lookups

    town_regex = yaml.safe_load(lookups.TOWN_TARGET.read_text(encoding="utf-8"))["nlu"][0]
    pattern = town_regex["examples"][2:].strip()
    found = re.search(pattern, message, re.IGNORECASE)
    assert (found.group(0) if found else None) == town
