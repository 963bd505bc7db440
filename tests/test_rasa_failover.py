"""Several Rasa instances sharing one tracker store (RASA_URL with two URLs): while one is down
or dies in the middle of a turn, the other answers, at once, each message once and without
"your message is kept". The real adapter against the fake Bot API and two scripted Rasas."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot import texts
from tests.fake_rasa import FakeRasa
from tests.support import free_port
from tests.test_inbox import USER, Rig, _until
from tests.test_inbox import rig as rig  # noqa: F401 - the fixture, used by name

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
async def second(rig: Rig) -> AsyncIterator[FakeRasa]:  # noqa: F811 - the imported fixture
    other = FakeRasa()
    other.events = rig.rasa.events  # one tracker store
    await other.start()
    yield other
    await other.stop()


async def test_with_one_instance_down_the_other_answers_every_chat(rig: Rig, second: FakeRasa) -> None:  # noqa: F811
    nobody = f"http://127.0.0.1:{free_port()}"
    await rig.start(rasa_url=f"{nobody},{second.url}")
    for chat in range(USER, USER + 4):  # chats whose own instance is the one that is down, and others
        await rig.say("hallo", chat_id=chat)
        assert await rig.replies(chat_id=chat) == ["echo: hallo"]
    assert len(second.messages()) == 4


async def test_an_instance_killed_mid_turn_the_other_answers_once_without_a_notice(
    rig: Rig,  # noqa: F811
    second: FakeRasa,
) -> None:
    first = rig.rasa
    await rig.start(rasa_url=f"{first.url},{second.url}")
    # A chat whose own instance is the first one.
    chat = next(
        c
        for c in range(USER, USER + 50)
        if rig.adapter.application.bot_data.relay.rasa._order(
            rig.adapter.application.bot_data.relay.sender(c)
        )[0]
        == 0
    )
    first.delays["slow question"] = 5.0
    await rig.say("slow question", chat_id=chat)
    await first.until_received("slow question", 1)
    await first.stop()  # dies with the turn half done (abandoned, as Rasa does)
    replies = await rig.replies(chat_id=chat, wait=10)
    assert replies == ["echo: slow question"]
    assert texts.text("unavailable_kept", "en") not in replies
    assert second.turns() == ["slow question"]  # the turn ran once, on the other instance
    await _until(lambda: all(row["done_at"] is not None for row in rig.rows()))
