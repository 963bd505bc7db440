"""LOG_LEVEL=DEBUG writes no message text, chat id, name, username, pseudonym or token (issue 17,
item 2): the whole assistant (run command, Rasa, action server, adapter, admin) through the local
Bot API, the whole console scanned for what the user sent and who they are.
"""

from __future__ import annotations

import signal
import uuid

import pytest

from bot.pseudonym import conversation_id
from tests.e2e import Chat, local_bot_api, start_assistant, text_of

pytestmark = [pytest.mark.e2e, pytest.mark.model]

TOKEN = "246810:AAE-debug-privacy-" + uuid.uuid4().hex[:12]
CHAT_ID = 734019283  # digits that appear nowhere else
NAME, USERNAME = "Zuleikha", "zuleikha_k93"
TEXTS = [
    "Ich suche eine Beratung zu Kita in Darmstadt",
    "mein Mann schlägt mich, ruf mich an unter 0151 2345678",
    "where can I learn German in Bochum",
]


def test_debug_logs_hold_no_text_id_name_pseudonym_or_token(tmp_path) -> None:
    marker = uuid.uuid4().hex
    with local_bot_api(marker) as api_url:
        process, env = start_assistant(
            tmp_path, marker, TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_BASE_URL=f"{api_url}/bot", LOG_LEVEL="DEBUG"
        )
        try:
            chat = Chat(api_url, chat_id=CHAT_ID, language_code="de")
            user = {
                "id": CHAT_ID,
                "is_bot": False,
                "first_name": NAME,
                "username": USERNAME,
                "language_code": "de",
            }
            answered = []
            for number, text in enumerate(TEXTS, start=1):
                message = {
                    "message_id": 500 + number,
                    "date": 1764000000,
                    "chat": {"id": CHAT_ID, "type": "private", "first_name": NAME, "username": USERNAME},
                    "from": user,
                    "text": text,
                }
                answered.append(text_of(chat.send_update({"message": message})))
            assert "Darmstadt" in answered[0] and "110" in answered[1], answered  # the turns really ran
        finally:
            process.stop(signal.SIGINT, timeout=60)
    output = process.output
    assert " DEBUG " in output  # the application really logged at DEBUG
    pseudonym = conversation_id(env["PSEUDONYM_KEY"].encode(), CHAT_ID)
    personal = [*TEXTS, "0151 2345678", "Kita in Darmstadt", str(CHAT_ID), NAME, USERNAME, pseudonym]
    secrets = [TOKEN, TOKEN.partition(":")[2], env["PSEUDONYM_KEY"]]
    found = [value for value in personal + secrets if value in output]
    assert found == [], [line for line in output.splitlines() if any(value in line for value in found)][:20]
