#!/usr/bin/env bash
# Run the tests.
#   scripts/test.sh            every test: set up the environments, validate the Rasa training data,
#                              train the model if needed, then pytest (unit, integration, browser and
#                              the end-to-end tests that start real Rasa, the real action server and
#                              the real Telegram adapter against a local Bot API server).
#   scripts/test.sh --quick    the tests that need neither the Rasa model nor a browser (pytest -m
#                              "not model and not browser", on 3 workers): no validation, no training.
#   scripts/test.sh --packages only the system packages the tests use, where missing: PostgreSQL and
#                              chromium (scripts/test_any_day.sh --full, before it fakes the clock).
# Lint, format, types and import contracts are scripts/check.sh (.ci/run runs both).
# Extra arguments go to pytest, e.g. scripts/test.sh --quick -k places
set -euo pipefail
cd "$(dirname "$0")/.."
quick=false
packages_only=false
if [ "${1:-}" = "--quick" ]; then
  quick=true
  shift
elif [ "${1:-}" = "--packages" ]; then
  packages_only=true
  shift
fi
started=$SECONDS
scripts/setup.sh
export RASA_TELEMETRY_ENABLED=false PYTHONWARNINGS=ignore TF_CPP_MIN_LOG_LEVEL=3
if ! $quick && ! $packages_only; then
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
fi
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
if ! $quick && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing chromium (Debian package) for the admin's browser tests"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji; } >/dev/null 2>&1 \
      || echo "could not install chromium: the browser tests will be skipped"
  else
    echo "chromium is not installed: the browser tests will be skipped (install the chromium package)"
  fi
fi
if $packages_only; then
  exit 0
fi
echo "== pytest"
if $quick; then
  # pytest-xdist (TEST_WORKERS to change): each worker has its own databases and ports. Three
  # workers on 2 cores: most of these tests wait (for processes they start, sockets, Telegram's
  # pacing of 1 message/s per chat) rather than compute; measured 145-160 s with three against
  # 200-230 s with two (2026-12-07, load 2-3), PostgreSQL at most 66 connections of its 100.
  # The full run stays in one process: its end-to-end tests start real Rasa servers.
  set -- -m "not model and not browser" -n "${TEST_WORKERS:-3}" "$@"
fi
status=0
.venv/bin/python -m pytest "$@" || status=$?
echo "test.sh$($quick && echo " --quick"): $((SECONDS - started)) s in all, pytest exit code $status"
exit $status
