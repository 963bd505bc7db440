"""Run a short script in the Rasa environment (the NLU components are Rasa GraphComponents,
which the application's environment cannot import) and read the JSON it prints last."""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from assistant.model import PROJECT_ROOT, RASA_BIN, rasa_environment

RASA_PYTHON = RASA_BIN.parent / "python"


def run_in_rasa(script: str) -> Any:
    if not RASA_PYTHON.exists():
        pytest.skip("the Rasa environment is not set up (scripts/setup.sh)")
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", script],
        cwd=PROJECT_ROOT,
        env=rasa_environment(),
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])
