"""The crisis safety net (content/crisis_keywords.yml, nlu_components/): crisis wording in every
language gets the emergency numbers even when the classifier misses it, ordinary questions do not."""

from __future__ import annotations

import pytest
import yaml

from nlu_components.crisis_phrases import KEYWORDS_FILE, CrisisPhrases
from referrals.topics import SUPPORTED_LANGUAGES

PHRASES = CrisisPhrases.from_file()


@pytest.mark.parametrize(
    "message, intent",
    [
        ("mein mann schlaegt mich jeden abend", "crisis_violence"),  # umlaut typed as "ae"
        ("Ich möchte nicht mehr leben", "crisis_suicidal"),
        ("meine mutter ist bewusstlos!!", "crisis_medical"),
        ("the neighbours beat the child every night", "crisis_child_danger"),
        ("my husband beats me", "crisis_violence"),
        ("i think my dad is having a stroke", "crisis_medical"),
        ("أبوي فاقد الوعي", "crisis_medical"),  # hamza form folded
        ("وبدي موت", "crisis_suicidal"),  # glued conjunction
        ("جوزي بيضربني كل يوم", "crisis_violence"),
        ("KENDİMİ ÖLDÜRMEK istiyorum", "crisis_suicidal"),  # Turkish capitals, dotted İ
        ("kocam beni dovuyor", "crisis_violence"),  # typed without Turkish letters
        ("у мамы инсульт", "crisis_medical"),
        ("он бьёт меня", "crisis_violence"),  # ё folded to е
        ("він б’є мене", "crisis_violence"),  # typographic apostrophe
        ("не хочу більше жити", "crisis_suicidal"),
        ("شوهرم می‌خواد منو بکشه", "crisis_violence"),  # Persian half-space
        ("شوهرم می خواد منو بکشه", "crisis_violence"),  # ... or a space
        ("مادرم بیهوش شده", "crisis_medical"),
        ("il m'a frappée hier soir", "crisis_violence"),
        ("je veux mourir", "crisis_suicidal"),
        ("ich will mich umbringen", "crisis_suicidal"),  # suicidal, not violence, although "umbringen"
        ("er will mich umbringen", "crisis_violence"),
    ],
)
def test_crisis_wording_in_every_language_is_recognised(message, intent) -> None:
    assert PHRASES.intent(message) == intent


@pytest.mark.parametrize(
    "message",
    [
        "was ist die notrufnummer",
        "what is the emergency number in germany",
        "Was macht das Jugendamt?",
        "wie melde ich mich um",
        "ich brauche einen kinderarzt in bochum",
        "Ausländerbehörde reagiert nicht auf meine mails",
        "ما هو رقم الطوارئ",
        "как записаться к врачу",
        "kita ücreti ne kadar",
        "چطور بیمه درمانی بگیرم",
        "comment prolonger mon titre de séjour",
        "'; DROP TABLE services; --",
        "😀😀😀",
        "",
    ],
)
def test_ordinary_questions_are_not_taken_for_a_crisis(message) -> None:
    assert PHRASES.intent(message) is None


def test_every_kind_of_crisis_has_phrases_in_every_language_and_a_known_intent() -> None:
    crises = yaml.safe_load(KEYWORDS_FILE.read_text(encoding="utf-8"))["crises"]
    answers = yaml.safe_load((KEYWORDS_FILE.parent / "crisis.yml").read_text(encoding="utf-8"))["crises"]
    assert {c["id"] for c in crises} == {a["id"] for a in answers}
    domain = (KEYWORDS_FILE.parent.parent / "domain" / "core.yml").read_text(encoding="utf-8")
    for crisis in crises:
        assert f"- {crisis['intent']}" in domain, crisis["intent"]
        assert set(crisis["phrases"]) == set(SUPPORTED_LANGUAGES), crisis["id"]
        assert all(len(phrases) >= 5 for phrases in crisis["phrases"].values()), crisis["id"]
