#!/usr/bin/env bash
# The tests with the clock set, by libfaketime, to moments where a test or the code that reads the
# real clock instead of referrals.clock would show:
#   sunday-night  a Sunday at 23:59 in Berlin (the quick run crosses midnight into Monday),
#   christmas     Christmas Day at noon in Berlin (a public holiday),
#   dst           the spring DST change night: 2027-03-28 01:30 UTC, 03:30 CEST (02:30 does not
#                 exist there),
#   sunday        a Sunday at 12:00 in Berlin (a full run, 25 minutes or an hour more with the
#                 training, stays on the Sunday).
# Every process the tests start inherits the faked clock (one offset from the real one, so they
# agree); the PostgreSQL and Redis servers keep the real one (the application writes its
# timestamps from referrals.clock). The environments are set up with the real clock first.
#   scripts/test_any_day.sh                   the quick suite (scripts/test.sh --quick) at
#                                             sunday-night, christmas and dst
#   scripts/test_any_day.sh -k hours          extra arguments go to pytest
#   scripts/test_any_day.sh --full [moment]   what CI runs (.ci/run: scripts/check.sh, then the
#                                             whole scripts/test.sh: Rasa validation, the training
#                                             if the model is missing, the model, browser and
#                                             end-to-end tests) at one moment, sunday by default;
#                                             a moment is a name above or a Berlin time such as
#                                             "2026-12-14 08:00"; further arguments go to pytest
# Three times the quick loop, or one full run, so not part of .ci/run: run it after changing
# anything about dates, times or opening hours.
# Needs libfaketime (Debian/Ubuntu: apt-get install faketime; LIBFAKETIME=/path/to/libfaketime.so.1
# elsewhere) and a C compiler (for scripts/faketime/*.c: the waits libfaketime leaves on the faked
# clock, CPython's sem_clockwait and TensorFlow's futex deadlines); without them it says so and
# exits 0.
set -uo pipefail
cd "$(dirname "$0")/.."

MOMENTS=(  # name | label | the moment in UTC
  "sunday-night|Sunday 23:59 in Berlin|2026-12-13 22:59:00"
  "christmas|Christmas Day 12:00 in Berlin (public holiday)|2026-12-25 11:00:00"
  "dst|DST change night, 03:30 CEST|2027-03-28 01:30:00"
  "sunday|Sunday 12:00 in Berlin|2026-12-13 11:00:00"
)
QUICK_MOMENTS=(sunday-night christmas dst)

full=false
chosen=("${QUICK_MOMENTS[@]}")
if [ "${1:-}" = "--full" ]; then
  full=true
  shift
  chosen=(sunday)
  if [ $# -gt 0 ] && [[ $1 != -* ]]; then
    chosen=("$1")
    shift
  fi
fi
selected=()  # label | the moment in UTC
for name in "${chosen[@]}"; do
  found=""
  for moment in "${MOMENTS[@]}"; do
    if [ "${moment%%|*}" = "$name" ]; then
      found=${moment#*|}
    fi
  done
  if [ -z "$found" ]; then
    if ! utc=$(date -u -d "TZ=\"Europe/Berlin\" $name" "+%F %T" 2>/dev/null); then
      echo "test_any_day.sh: unknown moment '$name': one of sunday-night, christmas, dst, sunday, or a Berlin time such as \"2026-12-14 08:00\""
      exit 2
    fi
    found="$name in Berlin|$utc"
  fi
  selected+=("$found")
done

library=${LIBFAKETIME:-}
if [ -z "$library" ]; then
  for candidate in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1 \
      /usr/local/lib/faketime/libfaketime.so.1; do
    if [ -f "$candidate" ]; then
      library=$candidate
      break
    fi
  done
fi
if [ -z "$library" ] || [ ! -f "$library" ]; then
  echo "test_any_day.sh: skipped: libfaketime is not installed (Debian/Ubuntu: apt-get install faketime)"
  exit 0
fi
compiler=$(command -v cc || command -v gcc || true)
if [ -z "$compiler" ]; then
  echo "test_any_day.sh: skipped: no C compiler (cc) for scripts/faketime/*.c"
  exit 0
fi
shim_dir=$(mktemp -d)
trap 'rm -rf "$shim_dir"' EXIT
"$compiler" -shared -fPIC -O2 -o "$shim_dir/libfaketime-waits.so" scripts/faketime/*.c -ldl || exit 1

# The environments are set up with the real clock (downloads check certificates' dates), and for
# the full run the packages scripts/test.sh would install (apt refuses an index whose validity has
# run out on the faked clock, and the browser tests would be skipped).
scripts/setup.sh || exit 1
if $full; then
  scripts/test.sh --packages || exit 1
fi

results=()
failed=0
for moment in "${selected[@]}"; do
  label=${moment%%|*}
  target=$(date -u -d "${moment#*|} UTC" +%s)
  expected=$(TZ=Europe/Berlin date -d "@$target" +%FT%H:%M)
  offset=$((target - $(date +%s)))
  faked=(env LD_PRELOAD="$shim_dir/libfaketime-waits.so:$library" FAKETIME="+$offset")
  echo "== $label: the clock at $expected Berlin time"
  # The tests must see the moment: a library that did not load would leave the suite on today.
  seen=$("${faked[@]}" .venv/bin/python -c "from referrals import clock; print(clock.now().isoformat())")
  if [ "${seen:0:16}" != "$expected" ]; then
    echo "the faked clock did not take: referrals.clock.now() is $seen"
    results+=("$label: clock not faked ($seen)")
    failed=1
    continue
  fi
  log="$shim_dir/test.log"
  if $full; then
    "${faked[@]}" bash .ci/run "$@" 2>&1 | tee "$log"
  else
    "${faked[@]}" scripts/test.sh --quick "$@" 2>&1 | tee "$log"
  fi
  status=${PIPESTATUS[0]}
  summary=$(grep -E "^=+ .*(passed|failed|error).* in [0-9.]+s" "$log" | tail -1 | tr -d '=' | xargs)
  results+=("$label ($expected)$($full && echo ", .ci/run"): ${summary:-no summary}, exit code $status")
  [ "$status" -eq 0 ] || failed=1
done
echo "== test_any_day.sh"
printf '  %s\n' "${results[@]}"
exit $failed
