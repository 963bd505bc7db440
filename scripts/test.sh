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
if ! validation=$(.venv-rasa/bin/rasa data validate --domain domain --data nlu stories \
    --config config.yml --fail-on-warnings 2>&1); then
  echo "$validation" | grep -vE "Warning: |^  |declare_namespace|pkg_resources" | tail -40
  echo "rasa data validate failed"
  exit 1
fi
echo "$validation" | grep -E "rasa.validator" || true
echo "== model"
.venv/bin/python -m assistant train
echo "== ruff"
.venv/bin/ruff check assistant bot referrals nlu_components tests benchmarks
# The directory tests also run on PostgreSQL: the machine's server (started by the tests if it
# is installed but stopped), installed from Debian's packages where missing and possible.
if ! command -v pg_ctlcluster >/dev/null 2>&1 && ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing PostgreSQL (Debian package) for the database tests"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >/dev/null 2>&1 \
      || echo "could not install PostgreSQL: its tests will be skipped"
  else
    echo "PostgreSQL is not installed: its tests will be skipped (install the postgresql package)"
  fi
fi
# Browser tests of the counsellor admin drive Debian's chromium (never a downloaded browser).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing chromium (Debian package) for the admin's browser tests"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji; } >/dev/null 2>&1 \
      || echo "could not install chromium: the browser tests will be skipped"
  else
    echo "chromium is not installed: the browser tests will be skipped (install the chromium package)"
  fi
fi
echo "== pytest"
exec .venv/bin/python -m pytest "$@"
