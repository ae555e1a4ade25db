#!/usr/bin/env bash
# Installs missing dependencies, configures and builds rdnsd.
#
#   scripts/build.sh [CMAKE_ARGS...]
#
# Environment:
#   BUILD_DIR    build folder, relative to the repo root (default: build)
#   BUILD_TYPE   CMAKE_BUILD_TYPE when the folder is first configured (default: RelWithDebInfo)
#   SKIP_DEPS=1  do not run scripts/deps.sh
#
# Extra arguments go to cmake's configure step, e.g. -DRDNSD_SANITIZE=ON.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-build}"

if [ "${SKIP_DEPS:-0}" != 1 ]; then
  scripts/deps.sh
fi

cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" "$@"
cmake --build "$BUILD_DIR" -j"$(nproc)"
