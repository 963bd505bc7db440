"""Choosing the reply language."""

import pytest

from referrals.language import choose_reply_language, detect, requested_spoken_language


@pytest.mark.parametrize(
    ("text", "current", "client", "expected"),
    [
        ("I need a doctor in Berlin", None, "de", "en"),  # a clear message beats the app language
        ("Ich suche eine Beratung zu Kita in Darmstadt", "en", "en", "de"),
        ("Berlin", "en", "de", "en"),  # too short to switch: keep the conversation's language
        ("hallo", None, "en", "en"),  # too short: Telegram's language_code decides
        ("ok", None, None, "de"),  # nothing known: German
        ('/request_referral{"topic":"health"}', "en", "de", "en"),  # button payloads never switch
        ("ok", None, "en-GB", "en"),
    ],
)
def test_reply_language_precedence(text, current, client, expected) -> None:
    assert choose_reply_language(text, current, client) == expected


def test_short_or_ambiguous_messages_are_not_detected() -> None:
    assert detect("merci") is None


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("merhaba, türkçe konuşan bir doktor arıyorum", "tr"),
        ("turkce bilen kadin doktoru", "tr"),  # typed without Turkish letters
        ("I need an arabic speaking doctor in Berlin", "ar"),
        ("بدي دكتور بيحكي عربي", "ar"),
        ("بدي دكتور بالعربي", "ar"),  # glued preposition and article
        ("русскоязычный педиатр в Бохуме", "ru"),
        ("лікар, що говорить українською", "uk"),
        ("پزشک فارسی زبان در کاسل", "fa"),
        ("doktor dari", "fa"),
        ("Frauenärztin die Französisch spricht", "fr"),
        ("une gynéco qui parle turque", "tr"),
        ("Ich suche einen Deutschkurs in Köln", None),  # German: every place speaks it
        ("Dariusz hat mir das empfohlen", None),  # whole word only
        ("doctor who speaks english or arabic", None),  # two languages: no single filter
        ("Kita in Darmstadt", None),
    ],
)
def test_the_language_a_request_asks_the_place_to_speak(text, spoken) -> None:
    assert requested_spoken_language(text) == spoken
