"""Choosing the reply language."""

import pytest

from referrals.language import choose_reply_language, detect


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
