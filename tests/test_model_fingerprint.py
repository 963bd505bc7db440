"""The run command retrains exactly when the training data changed."""

import shutil
from pathlib import Path

from assistant.model import TRAINING_INPUTS, fingerprint

ROOT = Path(__file__).resolve().parent.parent


def _copy_project(target: Path) -> None:
    for name in TRAINING_INPUTS:
        source = ROOT / name
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy(source, target / name)


def test_fingerprint_changes_with_training_data_only(tmp_path: Path) -> None:
    _copy_project(tmp_path)
    before = fingerprint(tmp_path)
    (tmp_path / "README.md").write_text("not training data")
    assert fingerprint(tmp_path) == before
    nlu = next((tmp_path / "nlu").rglob("*.yml"))
    nlu.write_text(nlu.read_text() + "\n")
    assert fingerprint(tmp_path) != before
