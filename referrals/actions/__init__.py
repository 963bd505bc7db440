"""Rasa custom actions, served by rasa-sdk: `python -m referrals.actions` (server.py).

rasa-sdk configures logging before it imports this package, so the action server's console
settings are made here, before the imports that would log:
- Alembic (imported through referrals.db) logs one INFO line per built-in plugin at import, and
  rasa-sdk one per registered action and three about its start, which the run command already
  reports ("actions ready on ..."). Their warnings and errors still show.
- rasa-sdk 3.21 warns that it may not fit Rasa 3.6.21. It serves it correctly (the end-to-end
  tests run the two together) and both versions are pinned in their lock files.
"""

import logging
import warnings

for _name in ("alembic", "rasa_sdk.executor", "rasa_sdk.endpoint"):
    logging.getLogger(_name).setLevel(logging.WARNING)
warnings.filterwarnings(
    "ignore", message="Your versions of rasa and rasa_sdk might not be compatible", category=UserWarning
)

from referrals.actions import metrics  # noqa: E402 - after the console settings above

metrics.serve()  # in rasa-sdk's primary process only; the workers warm up (server.py)
