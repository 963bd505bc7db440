"""Progress a newcomer can follow on the first run: how long the training will take, and what a
slow component is doing while it starts."""

from __future__ import annotations

import ast
import asyncio
import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from assistant import model, supervisor


def test_the_training_estimate_is_the_measured_figure_then_the_last_training(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(model, "LAST_TRAINING", tmp_path / ".last-training-seconds")
    monkeypatch.setattr(model, "SENTENCE_VECTORS", tmp_path / ".cache" / "sentence-embeddings.npz")
    # A fresh clone: every example is embedded first (58 min measured on 2 cores).
    assert model._estimate().startswith("about 25-60 minutes on 2 cores")
    model.SENTENCE_VECTORS.parent.mkdir()
    model.SENTENCE_VECTORS.write_bytes(b"")
    assert model._estimate() == "about 20-30 minutes on 2 cores, the sentence vectors cached"
    model.LAST_TRAINING.write_text("1572\n")
    assert model._estimate() == "about 26 min, as long as the last training here"


def test_the_estimate_looks_where_the_sentence_encoder_keeps_its_vectors() -> None:
    # The encoder needs Rasa and cannot be imported here, so the path is written twice: read its
    # CACHE_FILE (ROOT / "..." / "...", ROOT being the project root) from the source.
    source = (model.PROJECT_ROOT / "nlu_components" / "sentence_encoder.py").read_text(encoding="utf-8")
    [value] = [
        node.value
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "CACHE_FILE" for t in node.targets)
    ]
    constants = [n for n in ast.walk(value) if isinstance(n, ast.Constant)]
    parts = [n.value for n in sorted(constants, key=lambda n: n.col_offset)]  # in reading order
    assert Path(*parts) == model.SENTENCE_VECTORS.relative_to(model.PROJECT_ROOT)


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

    said = threading.Event()

    class ProgressSeen(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "still loading" in record.getMessage():
                said.set()

    async def scenario() -> None:
        waiting = asyncio.create_task(supervisor.Supervisor([rasa], ".")._wait_ready(rasa))
        assert await asyncio.to_thread(said.wait, 10), "no progress line while the model loads"
        loaded.set()  # the model is loaded only once the console said what is going on
        await asyncio.wait_for(waiting, timeout=10)

    logging.getLogger("assistant").addHandler(seen := ProgressSeen())
    try:
        with caplog.at_level("INFO", logger="assistant"):
            asyncio.run(scenario())
    finally:
        server.shutdown()
        logging.getLogger("assistant").removeHandler(seen)
    assert re.search(r"rasa: still loading the model, usually 30-90 s \(\d+ s so far\)", caplog.text)
    assert "rasa ready on somewhere" in caplog.text
