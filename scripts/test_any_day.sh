#!/usr/bin/env bash
# The quick suite (scripts/test.sh --quick) with the clock set, by libfaketime, to moments where a
# test or the code that reads the real clock instead of referrals.clock would show:
#   a Sunday at 23:59 in Berlin (the run crosses midnight into Monday),
#   Christmas Day at noon in Berlin (a public holiday),
#   the spring DST change night: 2027-03-28 01:30 UTC, 03:30 CEST (02:30 does not exist there).
# Every process the tests start inherits the faked clock (one offset from the real one, so they
# agree); the PostgreSQL server keeps the real one (the application writes its timestamps from
# referrals.clock). Three times the quick loop, so not part of .ci/run: run it after changing
# anything about dates, times or opening hours.
#   scripts/test_any_day.sh             all three moments
#   scripts/test_any_day.sh -k hours    extra arguments go to pytest
# Needs libfaketime (Debian/Ubuntu: apt-get install faketime; LIBFAKETIME=/path/to/libfaketime.so.1
# elsewhere) and a C compiler (for scripts/faketime/sem_clockwait.c); without them it says so and
# exits 0.
set -uo pipefail
cd "$(dirname "$0")/.."

MOMENTS=(  # label | the moment in UTC
  "Sunday 23:59 in Berlin|2026-12-13 22:59:00"
  "Christmas Day 12:00 in Berlin (public holiday)|2026-12-25 11:00:00"
  "DST change night, 03:30 CEST|2027-03-28 01:30:00"
)

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
  echo "test_any_day.sh: skipped: no C compiler (cc) for scripts/faketime/sem_clockwait.c"
  exit 0
fi
shim_dir=$(mktemp -d)
trap 'rm -rf "$shim_dir"' EXIT
"$compiler" -shared -fPIC -O2 -o "$shim_dir/libsemclockwait.so" scripts/faketime/sem_clockwait.c || exit 1

# The environments are set up with the real clock (downloads check certificates' dates).
scripts/setup.sh || exit 1

results=()
failed=0
for moment in "${MOMENTS[@]}"; do
  label=${moment%%|*}
  target=$(date -u -d "${moment#*|} UTC" +%s)
  expected=$(TZ=Europe/Berlin date -d "@$target" +%FT%H:%M)
  offset=$((target - $(date +%s)))
  faked=(env LD_PRELOAD="$shim_dir/libsemclockwait.so:$library" FAKETIME="+$offset")
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
  "${faked[@]}" scripts/test.sh --quick "$@" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
  summary=$(grep -E "^=+ .*(passed|failed|error).* in [0-9.]+s" "$log" | tail -1 | tr -d '=' | xargs)
  results+=("$label ($expected): ${summary:-no summary}, exit code $status")
  [ "$status" -eq 0 ] || failed=1
done
echo "== test_any_day.sh"
printf '  %s\n' "${results[@]}"
exit $failed
