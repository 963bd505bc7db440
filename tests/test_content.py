"""The reviewed content: complete in every language, German terms named, sources listed,
and the generated Rasa responses up to date."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.responses import TARGET, build
from referrals.topics import SUPPORTED_LANGUAGES

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
    "child_in_danger": ["116 111"],
}


def test_the_generated_rasa_responses_are_current() -> None:
    assert TARGET.read_text(encoding="utf-8") == build(), "run: .venv/bin/python -m assistant responses"


def test_at_least_ten_questions_per_topic() -> None:
    topics = [topic for topic, _ in FAQ]
    assert {t: topics.count(t) for t in set(topics)} == {
        "health": 11,
        "youth_family": 10,
        "citizen_office": 10,
    }


@pytest.mark.parametrize(("topic", "question"), FAQ, ids=[q["id"] for _, q in FAQ])
def test_each_answer_is_short_complete_sourced_and_names_the_german_term(topic, question) -> None:
    assert set(question["answer"]) == set(SUPPORTED_LANGUAGES)
    assert question["sources"] and all(s["url"].startswith("http") for s in question["sources"])
    terms = [t.lower() for t in question["german_terms"]]
    for language, answer in question["answer"].items():
        assert 2 <= len(answer.strip().splitlines()) <= 5, (language, answer)
        if language != "de":
            assert any(term.split()[0].lower()[:6] in answer.lower() for term in terms), (language, answer)


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
