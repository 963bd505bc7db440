"""Progress a newcomer can follow on the first run: how long the training will take, and what a
slow component is doing while it starts."""

from __future__ import annotations

import asyncio
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from assistant import model, supervisor


def test_the_training_estimate_is_the_measured_figure_then_the_last_training(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(model, "LAST_TRAINING", tmp_path / ".last-training-seconds")
    assert model._estimate() == "about 5-10 minutes on 2 cores the first time"
    model.LAST_TRAINING.write_text("272\n")
    assert model._estimate() == "about 5 min, as long as the last training here"


def test_a_slow_start_says_what_it_is_doing_while_it_is_waited_for(monkeypatch, caplog) -> None:
    loaded = threading.Event()

    class Health(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200 if loaded.is_set() else 503)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setattr(supervisor, "PROGRESS_SECONDS", 0.5)
    rasa = supervisor.Component(
        "rasa",
        [],
        {},
        "somewhere",
        ready_url=f"http://127.0.0.1:{server.server_address[1]}/",
        starting="loading the model, usually 30-90 s",
    )

    async def scenario() -> None:
        waiting = asyncio.create_task(supervisor.Supervisor([rasa], ".")._wait_ready(rasa))
        await asyncio.sleep(1.8)
        loaded.set()
        await asyncio.wait_for(waiting, timeout=10)

    try:
        with caplog.at_level("INFO", logger="assistant"):
            asyncio.run(scenario())
    finally:
        server.shutdown()
    assert re.search(r"rasa: still loading the model, usually 30-90 s \(\d+ s so far\)", caplog.text)
    assert "rasa ready on somewhere" in caplog.text
