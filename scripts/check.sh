#!/usr/bin/env bash
# The fast checks, no tests (well under a minute): ruff lint, ruff format, mypy (settings in
# pyproject.toml) and the import contracts between the packages (lint-imports, [tool.importlinter]).
# Every check runs even when an earlier one fails; the exit code is 1 when any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1
failed=()
check() {
  local name=$1 started=$SECONDS
  shift
  echo "== $name"
  if "$@"; then
    echo "-- $name: ok ($((SECONDS - started)) s)"
  else
    echo "-- $name: FAILED ($((SECONDS - started)) s)"
    failed+=("$name")
  fi
}
check "ruff check" .venv/bin/ruff check assistant bot referrals nlu_components rasa_channels tests benchmarks
check "ruff format" .venv/bin/ruff format --check assistant bot referrals nlu_components rasa_channels tests benchmarks
check "mypy" .venv/bin/mypy
check "import contracts" .venv/bin/lint-imports
if [ ${#failed[@]} -gt 0 ]; then
  echo "check.sh: failed: ${failed[*]}"
  exit 1
fi
echo "check.sh: all checks passed"
