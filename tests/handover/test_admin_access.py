"""The access matrix of the "Anfragen" routes, role by role: anonymous, counsellor of
organisation A (whose service the thread is with), counsellor of organisation B, coordinator,
admin. 303 = sent to the login page (or, after a successful POST, to the result). A counsellor
of another organisation never sees a thread: not in the list, not by its address (404)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from referrals.handover.models import Message, Thread, WrittenQuestions
from tests.admin.conftest import OWN_SERVICE, csrf_of

WHO = ("anonymous", "counsellor", "other_counsellor", "coordinator", "admin")
USER_TEXT = "مرحبا، أحتاج مكان في الروضة لابني"


def _row(
    anonymous: int, counsellor: int, other_counsellor: int, coordinator: int, admin: int
) -> dict[str, int]:
    return dict(zip(WHO, (anonymous, counsellor, other_counsellor, coordinator, admin), strict=True))


def _expected_get(thread_id: str) -> list[tuple[str, dict[str, int]]]:
    #        anonymous, counsellor A, counsellor B, coordinator, admin
    return [
        ("/inquiries", _row(303, 200, 200, 403, 200)),
        ("/inquiries?state=closed", _row(303, 200, 200, 403, 200)),
        (f"/inquiries/{thread_id}", _row(303, 200, 404, 403, 200)),
        ("/inquiries/no-such-thread", _row(303, 404, 404, 403, 404)),
        (f"/entries/{OWN_SERVICE}/written", _row(303, 200, 404, 403, 200)),
    ]


@pytest.mark.parametrize("who", WHO)
def test_pages(client_for, thread_id: str, who: str) -> None:
    client = client_for(who)
    for path, expected in _expected_get(thread_id):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == expected[who], f"{who} GET {path}: {response.status_code}"
        if response.status_code == 303:
            assert response.headers["location"].startswith("/login")
        if response.status_code == 200 and path.startswith("/inquiries/"):
            assert USER_TEXT in response.text


@pytest.mark.parametrize("who", WHO)
def test_the_queue_lists_only_own_threads(client_for, thread_id: str, who: str) -> None:
    page = client_for(who).get("/inquiries", follow_redirects=False)
    assert (thread_id in page.text) == (who in ("counsellor", "admin"))


@pytest.mark.parametrize("who", WHO)
def test_reply_close_and_opt_in(client_for, directory, thread_id: str, who: str) -> None:
    client = client_for(who)
    token = csrf_of(client.get("/join").text)  # every role can open /join: it carries their token
    may = who in ("counsellor", "admin")
    posts = [
        (f"/inquiries/{thread_id}", {"text": "Kommen Sie am Dienstag um 10 Uhr."}),
        (f"/entries/{OWN_SERVICE}/written", {"enabled": "y", "languages": ["de", "tr"], "answer_days": "3"}),
        (f"/inquiries/{thread_id}/close", {}),
    ]
    refused = {"anonymous": 303, "other_counsellor": 404, "coordinator": 403}
    for path, data in posts:
        response = client.post(path, data={**data, "csrf_token": token}, follow_redirects=False)
        assert response.status_code == (303 if may else refused[who]), (
            f"{who} POST {path}: {response.status_code}"
        )
    with directory() as session:
        replies = session.scalars(select(Message.text).where(Message.direction == "out")).all()
        optin = session.get(WrittenQuestions, OWN_SERVICE)
        state = session.scalar(select(Thread.state).where(Thread.id == thread_id))
    assert (replies == ["Kommen Sie am Dienstag um 10 Uhr."]) == may
    assert (optin.languages == "de,tr" and optin.answer_days == 3) == may
    assert (state == "closed") == may


def test_the_thread_page_shows_no_chat_identity(client_for, thread_id: str) -> None:
    from tests.handover.conftest import CHAT, TELEGRAM_CHAT

    page = client_for("counsellor").get(f"/inquiries/{thread_id}").text
    assert CHAT not in page and str(TELEGRAM_CHAT) not in page
    assert "Kita, Schule, Jugend und Familie" in page and "Darmstadt" in page and "Arabisch" in page


def test_a_reply_without_text_is_refused(client_for, directory, thread_id: str) -> None:
    client = client_for("counsellor")
    token = csrf_of(client.get(f"/inquiries/{thread_id}").text)
    response = client.post(f"/inquiries/{thread_id}", data={"text": "  ", "csrf_token": token})
    assert response.status_code == 422
    with directory() as session:
        assert session.scalars(select(Message).where(Message.direction == "out")).all() == []


@pytest.mark.parametrize("who", WHO)
def test_the_handover_statistics_are_for_coordinators_and_show_no_small_count(
    client_for, thread_id: str, who: str
) -> None:
    page = client_for(who).get("/statistics/handovers?period=52w", follow_redirects=False)
    expected = {
        "anonymous": 303,
        "counsellor": 403,
        "other_counsellor": 403,
        "coordinator": 200,
        "admin": 200,
    }
    assert page.status_code == expected[who]
    if page.status_code == 200:
        assert "Anfragen an Beratende nach Thema" in page.text
        assert "&lt;5" in page.text  # the one handover of the fixture is never shown as 1
