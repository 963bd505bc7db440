"""Prometheus metrics of the adapter and the action server: an operator's scrape shows turns,
latency, Rasa outages, retries, queues and 429s, and never a chat id, a pseudonym or a text."""

from __future__ import annotations

import asyncio
import re

import httpx
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics as adapter_metrics
from bot.pseudonym import conversation_id
from referrals.actions.metrics import measured
from tests.adapter_harness import until_rasa_retried
from tests.support import free_port
from tests.test_telegram_adapter import USER, Harness, harness  # noqa: F401 - the fixture

# What a label of ours may say: fixed words, never anything a user wrote or is known by.
ALLOWED_LABEL_VALUE = re.compile(r"^[a-z_]+$|^\+Inf$|^[0-9.e+-]+$")


def _samples(exposition: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


async def test_the_adapter_serves_its_figures_without_ids_or_texts(harness: Harness) -> None:  # noqa: F811
    port = free_port()
    adapter_metrics.serve(port)
    url = f"http://127.0.0.1:{port}/metrics"
    async with httpx.AsyncClient() as client:
        before = _samples((await client.get(url)).text)
        await harness.rasa.stop()
        await harness.say("mein Name ist Leyla, Telefon 0151 2345678")
        await harness.replies()  # "your message is kept"
        # Rasa comes back once the turn was sent to it again at least once (a retry to count).
        await until_rasa_retried(before.get(("wegweiser_adapter_rasa_retries_total", ()), 0.0))
        await harness.rasa.start()
        await harness.replies(wait=10)
        harness.api.faults["sendMessage"] = [(429, 1)]
        await harness.say("hello")
        await harness.replies(wait=10)
        response = await client.get(url)
    assert response.status_code == 200
    exposition = response.text
    after = _samples(exposition)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert grew("wegweiser_adapter_turns_total", outcome="answered") == 2
    assert grew("wegweiser_adapter_reply_seconds_count") == 2
    assert grew("wegweiser_adapter_rasa_unavailable_total", reason="unreachable") >= 1
    assert grew("wegweiser_adapter_rasa_retries_total") >= 1
    assert grew("wegweiser_adapter_telegram_429_total") == 1
    assert ("wegweiser_adapter_waiting_updates", ()) in after
    assert after[("wegweiser_adapter_longest_chat_queue", ())] == 0  # all answered

    for (name, labels), _value in after.items():
        for _label, value in labels if name.startswith("wegweiser_") else ():
            assert ALLOWED_LABEL_VALUE.match(value), value
    # Sample values are numbers, time stamps among them (the *_created gauges): their digits change
    # with the clock, and on some days held "0151". Texts and ids are looked for in the names,
    # labels and help texts; a chat id also among the values.
    without_values = "\n".join(
        line if line.startswith("#") else line.rsplit(" ", 1)[0] for line in exposition.splitlines()
    )
    for secret in (str(USER), conversation_id(b"test-key", USER), "Leyla", "0151", "hello"):
        assert secret not in without_values
    assert float(USER) not in after.values()


def test_every_run_of_an_action_is_timed_and_a_failure_counted_under_its_name() -> None:
    @measured
    class Works:
        def name(self) -> str:
            return "action_test_works"

        def run(self, dispatcher: object, tracker: object, domain: object) -> list:
            return []

    @measured
    class Fails(Works):
        def name(self) -> str:
            return "action_test_fails"

        async def run(self, dispatcher: object, tracker: object, domain: object) -> list:
            raise RuntimeError("boom")

    @measured
    class Inherits(Works):  # its run is Works' measured run: counted once, under its own name
        def name(self) -> str:
            return "action_test_inherits"

    Works().run(None, None, None)
    Inherits().run(None, None, None)
    try:
        asyncio.run(Fails().run(None, None, None))
    except RuntimeError:
        pass
    samples = _samples(generate_latest(REGISTRY).decode())
    count = "wegweiser_actions_seconds_count"
    assert samples[(count, (("action", "action_test_works"),))] == 1
    assert samples[(count, (("action", "action_test_inherits"),))] == 1
    assert samples[(count, (("action", "action_test_fails"),))] == 1
    assert samples[("wegweiser_actions_errors_total", (("action", "action_test_fails"),))] == 1
    assert ("wegweiser_actions_errors_total", (("action", "action_test_works"),)) not in samples
