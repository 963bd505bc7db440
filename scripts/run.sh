#!/usr/bin/env bash
# Run the assistant: set up the environments if needed, train the Rasa model if the training
# data changed, migrate the database (demo directory on first run), start everything.
# Ctrl-C stops all processes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python -m assistant run "$@"
