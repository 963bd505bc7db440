"""The trained Rasa model: named by a fingerprint of the training data, trained when missing."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import queue
import subprocess
import threading
import time
from collections import deque
from pathlib import Path

from assistant import lookups, responses
from assistant.console import TrainingProgress, write_line
from assistant.conversations import rasa_tracker_store_url
from assistant.settings import PROJECT_ROOT, get_settings

log = logging.getLogger("assistant.model")

TRAINING_INPUTS = (
    "config.yml",
    "domain",
    "nlu",
    "stories",
    "nlu_components",
    "content/crisis_keywords.yml",
    "data/language_names.yml",
    "requirements/rasa.lock",
)
MODELS_DIR = PROJECT_ROOT / "models"
RASA_BIN = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
KEEP_MODELS = 3
TRAINING_TAIL_LINES = 60  # printed unfiltered when a training fails
LAST_TRAINING = MODELS_DIR / ".last-training-seconds"  # for the estimate of the next one
# The sentence vectors of the training examples (nlu_components/sentence_encoder.py, CACHE_FILE;
# not imported: that module needs Rasa). Without them a training first embeds every example.
SENTENCE_VECTORS = PROJECT_ROOT / ".cache" / "sentence-embeddings.npz"
STILL_SECONDS = 60.0  # a progress line after this long without one (DIET trains for many minutes)


def fingerprint(root: Path = PROJECT_ROOT) -> str:
    """Hash of every training input (paths and contents): changes exactly when a retrain is due."""
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        path = root / name
        files = (
            sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
            if path.is_dir()
            else [path]
        )
        for file in files:
            digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def model_path(root: Path = PROJECT_ROOT) -> Path:
    return MODELS_DIR / f"wegweiser-{fingerprint(root)}.tar.gz"


def _at_least(level: str | None, floor: int) -> str:
    """The log level name `level`, raised to `floor` when it is lower (or unknown)."""
    number = logging.getLevelName((level or "").upper())
    return logging.getLevelName(number if isinstance(number, int) and number >= floor else floor)


def rasa_environment() -> dict[str, str]:
    """Environment for Rasa processes: quiet, no telemetry, nothing of the application's venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="3",
        PYTHONWARNINGS="ignore",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        TQDM_DISABLE="1",  # Rasa's progress bars flood logs with carriage returns
    )
    # Never DEBUG for Rasa: its DEBUG lines carry every user message (rasa.core.processor, the
    # rule policy's "user text") and the conversation ids (lock store); LOG_LEVEL=DEBUG is for the
    # application's own loggers. Its libraries (Sanic, SQLAlchemy: SQL with the events) likewise.
    env["LOG_LEVEL"] = _at_least(env.get("LOG_LEVEL"), logging.INFO)
    env["LOG_LEVEL_LIBRARIES"] = _at_least(env.get("LOG_LEVEL_LIBRARIES", "ERROR"), logging.WARNING)
    # endpoints.yml names the tracker store through this variable (rasa test reads the file too).
    env.setdefault("RASA_TRACKER_STORE_URL", rasa_tracker_store_url(get_settings()))
    return env


def ensure_model() -> Path:
    """Return the model for the current training data, training it first if needed."""
    if responses.write():
        log.info("content changed: regenerated domain/responses.yml")
    if lookups.write():
        log.info("topic annotations changed: regenerated nlu/lookups/topic.yml")
    if pinned := get_settings().rasa_model:
        log.info("using the model RASA_MODEL names: %s", pinned)
        return pinned
    target = model_path()
    if target.exists():
        log.info("model up to date: %s", target.relative_to(PROJECT_ROOT))
        return target
    MODELS_DIR.mkdir(parents=True, exist_ok=True)
    # One training at a time (the run command and tests may start together); the others wait
    # for it and use its model. Rasa writes under a temporary name, so nobody loads half a file.
    with open(MODELS_DIR / ".training.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists():
            log.info("model trained meanwhile by another process: %s", target.name)
            return target
        _train(target)
        models = sorted(MODELS_DIR.glob("wegweiser-*.tar.gz"), key=lambda p: p.stat().st_mtime)
        for old in models[:-KEEP_MODELS]:
            old.unlink()
    return target


def _estimate() -> str:
    """How long the training will take: as long as the last one here, else the figures measured
    on 2 cores (README, "Measured": 18-26 min with the sentence vectors cached, 24-58 min without,
    depending on what else runs)."""
    try:
        seconds = float(LAST_TRAINING.read_text())
    except (OSError, ValueError):
        if SENTENCE_VECTORS.exists():
            return "about 20-30 minutes on 2 cores, the sentence vectors cached"
        return (
            "about 25-60 minutes on 2 cores: the first training embeds every example, "
            "later ones take about 20-30 minutes"
        )
    return f"about {max(1, round(seconds / 60))} min, as long as the last training here"


def _train(target: Path) -> None:
    log.info("training data changed or no model yet: training %s (%s)", target.name, _estimate())
    started = time.monotonic()
    partial = target.with_name(f"partial-{os.getpid()}-{target.name}")
    run_training(
        [
            str(RASA_BIN),
            "train",
            "--domain",
            "domain",
            "--data",
            "nlu",
            "stories",
            "--config",
            "config.yml",
            "--out",
            str(MODELS_DIR),
            "--fixed-model-name",
            partial.name.removesuffix(".tar.gz"),
        ],
        env=rasa_environment(),
    )
    os.replace(partial, target)
    seconds = time.monotonic() - started
    LAST_TRAINING.write_text(f"{seconds:.0f}\n")
    log.info("trained in %.0f s, model size %.1f MB", seconds, target.stat().st_size / 1e6)


def run_training(argv: list[str], env: dict[str, str], cwd: Path = PROJECT_ROOT) -> None:
    """Run `rasa train` showing a progress line per component and its warnings and errors.

    Rasa logs dozens of lines per component at INFO (and `--quiet` would leave a silent
    console for minutes). Where no progress line came for STILL_SECONDS, one says what is still
    running. When the training fails, the last lines of its whole output are printed as they
    were, so no error is hidden; CalledProcessError is raised.
    """
    progress = TrainingProgress()
    tail: deque[str] = deque(maxlen=TRAINING_TAIL_LINES)
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env={**env, "PYTHONUNBUFFERED": "1"},  # progress as it happens, not in 8 KB blocks
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    # Lines arrive through a queue, so that waiting for the next one can end in a progress line
    # of our own. The reader ends at the end of the output, also when the process is killed.
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, name="rasa-train-output", daemon=True).start()
    try:
        said = time.monotonic()
        while True:
            try:
                line = lines.get(timeout=max(0.0, said + STILL_SECONDS - time.monotonic()))
            except queue.Empty:
                log.info("%s", progress.still().text)
                said = time.monotonic()
                continue
            if line is None:
                break
            tail.append(line.rstrip("\n"))
            shown = progress.line(line)
            if shown is None:
                continue
            if shown.progress:
                log.info("%s", shown.text)
                said = time.monotonic()
            else:
                write_line(f"[rasa train] {shown.text}")
        code = process.wait()
    except BaseException:  # Ctrl-C or an error here: the training must not run on alone
        process.kill()
        process.wait()
        raise
    if code != 0:
        write_line(f"rasa train failed (exit code {code}); its last {len(tail)} lines:")
        for line in tail:
            write_line(line)
        raise subprocess.CalledProcessError(code, argv)
