"""Rasa conversation tests (tests/conversations/*.yml) against the trained model,
failing on any prediction error, as `rasa test` runs them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from assistant.model import RASA_BIN, ensure_model, rasa_environment

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.model  # trains the model when there is none


def test_conversation_flows_in_latin_arabic_and_cyrillic_scripts(tmp_path: Path) -> None:
    model = ensure_model()
    result = subprocess.run(
        [
            str(RASA_BIN),
            "test",
            "core",
            "--model",
            str(model),
            "--stories",
            "tests/conversations",
            "--fail-on-prediction-errors",
            "--out",
            str(tmp_path),
        ],
        cwd=ROOT,
        env=rasa_environment(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text(encoding="utf-8") if failed.exists() else result.stdout[-3000:]
    assert result.returncode == 0, details
