"""Settings: the `.env` file is the project root's, wherever a command is started from."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_env_file_is_read_from_the_project_root_not_the_current_directory(tmp_path: Path) -> None:
    # A copy of the settings module in a project of its own, so the real project's .env
    # (a developer's) is neither read nor touched.
    project = tmp_path / "project"
    (project / "assistant").mkdir(parents=True)
    for name in ("__init__.py", "settings.py"):
        shutil.copy(ROOT / "assistant" / name, project / "assistant" / name)
    (project / ".env").write_text("ADMIN_PORT=18091\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / ".env").write_text("ADMIN_PORT=18092\nLOG_LEVEL=DEBUG\n")
    env = {k: v for k, v in os.environ.items() if k.upper() not in ("ADMIN_PORT", "LOG_LEVEL", "PYTHONPATH")}
    code = (
        "import json; from assistant import settings; s = settings.Settings();"
        "print(json.dumps([settings.__file__, s.admin_port, s.log_level]))"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(project)!r}); {code}"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    module, admin_port, log_level = json.loads(result.stdout)
    assert Path(module).is_relative_to(project)  # the copy, not the installed project
    assert (admin_port, log_level) == (18091, "INFO")
