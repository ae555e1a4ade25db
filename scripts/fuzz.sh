#!/usr/bin/env bash
# Builds the libFuzzer target of the answer core with clang (ASan+UBSan) and runs it.
#
#   scripts/fuzz.sh [SECONDS]      default 60; the corpus in fuzz/corpus/answer seeds it
#
# New inputs go to a scratch corpus under the build folder, never into the repository.
# A crash leaves its input as build-fuzz/crash-* and makes the exit code non-zero: turn
# it into a regression test (tests/unit/dns/test_answer_malformed.cpp) and add it to the seed
# corpus. Environment: BUILD_DIR (default build-fuzz).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SECONDS_TO_RUN="${1:-60}"
BUILD_DIR="${BUILD_DIR:-build-fuzz}"

if ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ is not installed (scripts/deps.sh installs it)" >&2
  exit 1
fi

CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -DRDNSD_FUZZ=ON -DRDNSD_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" --target fuzz_answer -j"$(nproc)" >/dev/null

work="$BUILD_DIR/corpus-answer"
mkdir -p "$work"
cd "$BUILD_DIR"
echo "fuzz: running fuzz_answer for ${SECONDS_TO_RUN}s"
./server/dns/fuzz_answer -max_total_time="$SECONDS_TO_RUN" -print_final_stats=1 \
  "corpus-answer" "$ROOT/fuzz/corpus/answer" 2>fuzz.log || {
  tail -40 fuzz.log >&2
  echo "fuzz: fuzz_answer FAILED (input saved as $BUILD_DIR/crash-*)" >&2
  exit 1
}
grep -E "stat::number_of_executed_units|Done" fuzz.log | tail -2
echo "fuzz: no crash"
