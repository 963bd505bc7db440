#!/usr/bin/env bash
# Run every test: set up the environments, validate the Rasa training data, train the model
# if needed, then pytest (unit, integration, and the end-to-end tests that start real Rasa,
# the real action server and the real Telegram adapter against a local Bot API server).
# Extra arguments go to pytest, e.g. scripts/test.sh -k places
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export RASA_TELEMETRY_ENABLED=false PYTHONWARNINGS=ignore TF_CPP_MIN_LOG_LEVEL=3
echo "== rasa data validate"
.venv-rasa/bin/rasa data validate --domain domain --data nlu stories --config config.yml --fail-on-warnings 2>&1 \
  | grep -E "INFO +rasa.validator|UserWarning|ERROR|rror:" || true
.venv-rasa/bin/rasa data validate --domain domain --data nlu stories --config config.yml --fail-on-warnings >/dev/null 2>&1 \
  || { echo "rasa data validate failed (output above)"; exit 1; }
echo "== model"
.venv/bin/python -m assistant train
echo "== ruff"
.venv/bin/ruff check assistant bot referrals tests
echo "== pytest"
exec .venv/bin/python -m pytest "$@"
