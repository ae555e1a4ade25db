#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each in turn: the answer
# core (fuzz_answer), the admin protocol codec (fuzz_admin), the transfer side
# (fuzz_xfr: AXFR/IXFR requests, TSIG, the journal's diff), the UPDATE parser
# (fuzz_update) and master-file import (fuzz_master); fuzz_config (the config loader) is
# built too (see below).
#
#   scripts/fuzz.sh [SECONDS]      per target, default 60 (or FUZZ_SECONDS); fuzz/corpus/NAME
#                                  seeds each. FUZZ_SECONDS_NAME (FUZZ_SECONDS_update, ...)
#                                  sets one target's time.
#
# New inputs go to a scratch corpus under the build folder, never into the repository.
# A crash leaves its input as build-fuzz/crash-* and makes the exit code non-zero: turn
# it into a regression test (tests/unit/dns/test_answer_malformed.cpp, or
# tests/unit/protocol/test_protocol.cpp for the codec, tests/unit/xfr/ for transfers) and
# add it to the seed
# corpus. Environment: BUILD_DIR (default build-fuzz).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SECONDS_TO_RUN="${1:-${FUZZ_SECONDS:-60}}"
BUILD_DIR="${BUILD_DIR:-build-fuzz}"

if ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ is not installed (scripts/deps.sh installs it)" >&2
  exit 1
fi

CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -DRDNSD_FUZZ=ON -DRDNSD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" --target fuzz_answer fuzz_admin fuzz_xfr fuzz_update fuzz_config \
  fuzz_master -j"$(nproc)" >/dev/null

# run NAME BINARY [LIBFUZZER_ARGS...]: one target for SECONDS_TO_RUN, seeded from
# fuzz/corpus/NAME, new inputs kept in BUILD_DIR/corpus-NAME.
run() {
  local name="$1" binary="$2"
  shift 2
  local per_target="FUZZ_SECONDS_$name"
  local seconds="${!per_target:-$SECONDS_TO_RUN}"
  mkdir -p "$BUILD_DIR/corpus-$name"
  echo "fuzz: running fuzz_$name for ${seconds}s"
  (cd "$BUILD_DIR" && "./$binary" -max_total_time="$seconds" -print_final_stats=1 "$@" \
    "corpus-$name" "$ROOT/fuzz/corpus/$name" 2>"fuzz-$name.log") || {
    tail -40 "$BUILD_DIR/fuzz-$name.log" >&2
    echo "fuzz: fuzz_$name FAILED (input saved as $BUILD_DIR/crash-*)" >&2
    return 1
  }
  grep -E "stat::number_of_executed_units|Done" "$BUILD_DIR/fuzz-$name.log" | tail -2
}

status=0
run answer server/dns/fuzz_answer || status=1
# Request lines up to 4 KiB: long enough for deep nesting and long lists.
run admin admin/fuzz_admin -max_len=4096 || status=1
run xfr server/fuzz_xfr -max_len=2048 || status=1
run update server/fuzz_update -max_len=2048 || status=1
# A master file: a few KiB hold every construct.
# libldns leaks a few bytes on some malformed records (fuzz/lsan-ldns.supp says which).
LSAN_OPTIONS="suppressions=$ROOT/fuzz/lsan-ldns.supp" run master admin/fuzz_master \
  -max_len=4096 || status=1
# fuzz_config (the config loader) is built but not in this run yet: within seconds it
# finds inputs that make the loader use over 2 GiB (libFuzzer's limit), which stops the
# run. `run config conf/fuzz_config -max_len=4096` runs it.
[ "$status" = 0 ] && echo "fuzz: no crash"
exit "$status"
