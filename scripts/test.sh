#!/usr/bin/env bash
# Installs missing dependencies, builds, and runs the whole test suite with ctest.
#
#   scripts/test.sh [CMAKE_ARGS...] [-- CTEST_ARGS...]
#
# Arguments that start with -D before a `--` go to cmake's configure step; everything
# after `--` (or any argument that is not -D...) goes to ctest. Examples:
#   scripts/test.sh                                   everything
#   scripts/test.sh -L unit                           unit tests only
#   BUILD_DIR=build-asan scripts/test.sh -DRDNSD_SANITIZE=ON
#
# Environment: BUILD_DIR (default: build), SKIP_DEPS=1, as for scripts/build.sh;
# FUZZ_SECONDS (default 32 per target, 0 to skip) and FUZZ_BUILD_DIR (default build-fuzz) for the
# fuzzer run that comes before the tests.
# The exit code is non-zero if a test or the fuzzer failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-build}"

cmake_args=()
ctest_args=()
while [ "$#" -gt 0 ]; do
  case "$1" in
    --) shift; ctest_args+=("$@"); break ;;
    -D*) if [ "${#ctest_args[@]}" -eq 0 ]; then cmake_args+=("$1"); else ctest_args+=("$1"); fi ;;
    *) ctest_args+=("$1") ;;
  esac
  shift
done

BUILD_DIR="$BUILD_DIR" scripts/build.sh "${cmake_args[@]}" </dev/null

status=0
# A short run of the fuzzers first (FUZZ_SECONDS=0 skips it; only for the
# full suite, not when ctest arguments pick a subset), so ctest's summary closes the run.
FUZZ_SECONDS="${FUZZ_SECONDS:-32}"
if [ "$FUZZ_SECONDS" != 0 ] && [ "${#ctest_args[@]}" -eq 0 ]; then
  # Its own build folder (clang, fuzzing flags), never the one the tests use.
  BUILD_DIR="${FUZZ_BUILD_DIR:-build-fuzz}" scripts/fuzz.sh "$FUZZ_SECONDS" </dev/null || status=1
fi

ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 "${ctest_args[@]}" </dev/null || status=$?
exit "$status"
