#!/usr/bin/env bash
# Create or update both environments from their lock files (idempotent, quick when nothing changed):
#   .venv       the application, Python 3.11+  (requirements/app.lock)
#   .venv-rasa  Rasa Open Source 3.6.21, Python 3.10 (requirements/rasa.lock)
# The two never share packages: Rasa's old pins (packaging<21, SQLAlchemy<1.5, ...) break
# newer tools and the other way round.
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.8
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# find_python MINOR...: the first working python3.N, in the order given, on PATH or in pyenv.
find_python() {
  local n candidate
  for n in "$@"; do
    for candidate in "python3.$n" $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3."$n".*/bin/python3."$n" 2>/dev/null | sort -rV); do
      # Print the real interpreter, not a pyenv shim (a shim depends on the shell's pyenv state).
      if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import venv, sys; print(sys.executable)' 2>/dev/null; then
        return 0
      fi
    done
  done
  return 1
}

PY_APP=$(find_python 11 12 13) || {
  say "No Python 3.11, 3.12 or 3.13 found (PATH, pyenv). Install one, e.g.:"
  say "  sudo apt-get install python3 python3-venv      (Debian 12 has 3.11)"
  say "  or: pyenv install 3.11"
  exit 1
}
PY_RASA=$(find_python 10) || {
  say "Rasa Open Source 3.6.21 needs Python 3.10, which was not found on PATH or in pyenv."
  say "Install it, then run this command again:"
  say "  pyenv install 3.10          (https://github.com/pyenv/pyenv#installation)"
  say "  or: sudo apt-get install python3.10 python3.10-venv   (Ubuntu 22.04, or the deadsnakes PPA)"
  exit 1
}

# uv installs both environments from the lock files, much faster than pip.
UV=.venv-tools/bin/uv
if ! [ -x "$UV" ] || [ "$("$UV" --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  say "installing uv $UV_VERSION into .venv-tools"
  "$PY_APP" -m venv .venv-tools
  .venv-tools/bin/pip install --quiet "uv==$UV_VERSION"
fi

# sync_env DIR PYTHON LOCK: (re)create DIR when its Python is wrong, install LOCK exactly.
sync_env() {
  local dir=$1 python=$2 lock=$3 stamp
  stamp="$dir/.lock-sha256"
  if [ -x "$dir/bin/python" ] && [ "$(sha256sum "$lock" | cut -d' ' -f1)" = "$(cat "$stamp" 2>/dev/null)" ]; then
    return 0
  fi
  local want have
  want=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  have=$("$dir/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true)
  if [ "$want" != "$have" ]; then
    say "creating $dir with $python (Python $want)"
    rm -rf "$dir"
    "$UV" venv --quiet --python "$python" "$dir"
  fi
  say "installing $lock into $dir (packages: $(grep -c '^[a-z0-9]' "$lock"))"
  local started=$SECONDS
  "$UV" pip sync --quiet --python "$dir/bin/python" --require-hashes "$lock"
  sha256sum "$lock" | cut -d' ' -f1 > "$stamp"
  say "$dir ready ($((SECONDS - started)) s)"
}

sync_env .venv-rasa "$PY_RASA" requirements/rasa.lock
sync_env .venv "$PY_APP" requirements/app.lock
# The application itself (bot/, referrals/, assistant/) as an editable package, no dependencies.
# -I: not from the current directory (which is the project root here), so a missing install shows.
if ! .venv/bin/python -I -c 'import assistant, bot, referrals' 2>/dev/null; then
  "$UV" pip install --quiet --python .venv/bin/python --no-deps -e .
fi
