"""Rasa custom actions, served by rasa-sdk: `python -m rasa_sdk --actions referrals.actions`.

rasa-sdk configures logging before it imports this package, so the action server's console
settings are made here, before the imports that would log:
- Alembic (imported through referrals.db) logs one INFO line per built-in plugin at import, and
  rasa-sdk one per registered action and three about its start, which the run command already
  reports ("actions ready on ..."). Their warnings and errors still show.
- rasa-sdk 3.21 warns that it may not fit Rasa 3.6.21. It serves it correctly (the end-to-end
  tests run the two together) and both versions are pinned in their lock files.
"""

import logging
import os
import warnings

for _name in ("alembic", "rasa_sdk.executor", "rasa_sdk.endpoint"):
    logging.getLogger(_name).setLevel(logging.WARNING)
warnings.filterwarnings(
    "ignore", message="Your versions of rasa and rasa_sdk might not be compatible", category=UserWarning
)

from referrals.actions import metrics  # noqa: E402 - after the console settings above
from referrals.actions.directory import warm_up  # noqa: E402

# rasa-sdk's primary process only starts and watches the Sanic workers: the gazetteer is built
# where the actions run.
if os.environ.get("SANIC_WORKER_NAME"):
    warm_up()
metrics.serve()
