"""Training-cache keys for components that copy a project file into the model at training.

Rasa's training cache keys a component by its config and inputs from the graph; a file the
component reads itself (a path in its config) is not among them, so after an edit of only that file
a retrained model would keep the old copy. `fingerprint_addon` returns the file's digest instead.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def digest(path: str | Path) -> str:
    """SHA-256 of the file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
