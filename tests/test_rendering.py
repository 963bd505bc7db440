"""Rasa replies become safe, valid Telegram messages."""

from telegram.constants import MessageLimit

from bot.rendering import render, split_text


def test_text_from_rasa_or_the_directory_is_escaped() -> None:
    [message] = render([{"text": "Tom & Jerry <b>e.V.</b> <script>x</script>"}])
    assert message.html_text == "Tom &amp; Jerry &lt;b&gt;e.V.&lt;/b&gt; &lt;script&gt;x&lt;/script&gt;"


def test_buttons_become_an_inline_keyboard_under_the_message() -> None:
    [message] = render(
        [
            {
                "text": "Choose",
                "buttons": [
                    {"title": "Health", "payload": '/request_referral{"topic":"health"}'},
                    {"title": "Kita", "payload": '/request_referral{"topic":"youth_family"}'},
                ],
            }
        ]
    )
    rows = message.keyboard.inline_keyboard
    assert [row[0].text for row in rows] == ["Health", "Kita"]
    assert rows[0][0].callback_data == '/request_referral{"topic":"health"}'


def test_payloads_over_64_bytes_fall_back_to_the_title() -> None:
    long_payload = '/request_referral{"topic":"' + "x" * 80 + '"}'
    [message] = render([{"text": "t", "buttons": [{"title": "Gesundheit", "payload": long_payload}]}])
    data = message.keyboard.inline_keyboard[0][0].callback_data
    assert data == "Gesundheit" and len(data.encode()) <= 64


def test_long_texts_are_split_at_boundaries_within_telegrams_limit() -> None:
    paragraph = "Wort " * 300
    text = "\n\n".join([paragraph.strip()] * 10)  # about 15 000 characters
    parts = split_text(text)
    assert len(parts) > 3
    assert all(len(p) <= MessageLimit.MAX_TEXT_LENGTH for p in parts)
    assert "".join(parts).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")
    assert all(not p.startswith(" ") and not p.endswith(" ") for p in parts)


def test_escaped_parts_stay_within_the_limit() -> None:
    messages = render([{"text": "&" * 9000}])  # every & grows to 5 characters when escaped
    assert all(len(m.html_text) <= MessageLimit.MAX_TEXT_LENGTH for m in messages)


def test_empty_messages_are_dropped() -> None:
    assert render([{"text": ""}, {"text": "   "}]) == []


def test_a_referral_answer_arrives_as_one_message_with_its_buttons() -> None:
    replies = [
        {"text": "Gesundheit · Bochum:"},
        {"text": "Caritas <Beratung>"},
        {"text": "AWO & Partner", "buttons": [{"title": "Nicht gemeint", "payload": "/help"}]},
        {"text": "Noch etwas?"},
    ]
    first, second = render(replies)
    assert first.html_text == "Gesundheit · Bochum:\n\nCaritas &lt;Beratung&gt;\n\nAWO &amp; Partner"
    assert first.keyboard.inline_keyboard[0][0].callback_data == "/help"
    assert second.html_text == "Noch etwas?" and second.keyboard is None


def test_texts_are_not_joined_beyond_telegrams_limit() -> None:
    replies = [{"text": "a" * 3000}, {"text": "b" * 3000}]
    assert [len(m.html_text) for m in render(replies)] == [3000, 3000]


def test_a_card_s_map_line_becomes_a_short_link_and_nothing_else_does() -> None:
    url = "https://www.openstreetmap.org/search?query=Frankfurter+Stra%C3%9Fe+71%2C+64293+Darmstadt&x=1"
    card = f"Jugendamt\n📍 Frankfurter Straße 71\n🗺 Karte: {url}\n🔗 https://example.org/a?b=1&c=2"
    [message] = render([{"text": card}])
    assert f'🗺 <a href="{url.replace("&", "&amp;")}">Karte</a>' in message.html_text
    assert "🔗 https://example.org/a?b=1&amp;c=2" in message.html_text
    [sneaky] = render([{"text": '🗺 Map: https://evil.example/"><b>x</b>'}])
    assert "<a " not in sneaky.html_text and "&lt;b&gt;" in sneaky.html_text
