#!/usr/bin/env bash
# Installs missing dependencies, builds, and runs rdnsd in the foreground from the repo
# root on the default config (rdnsd's built-in copy of conf/rdnsd.yaml: 127.0.0.1:5353 and
# [::1]:5353, store and admin socket in ./var, which is git-ignored).
#
#   scripts/run.sh [RDNSD_ARGS...]      e.g. scripts/run.sh -c my.yaml
#
# Environment: BUILD_DIR (default: build), SKIP_DEPS=1, as for scripts/build.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BUILD_DIR="${BUILD_DIR:-build}"

BUILD_DIR="$BUILD_DIR" scripts/build.sh

# Without -c, rdnsd reads its built-in copy of conf/rdnsd.yaml, whose relative paths
# resolve against the working folder: ./var here.
mkdir -p var

cat <<MSG

rdnsd is starting in the foreground (Ctrl-C stops it). In another terminal, try:

  dig -x 192.0.2.1 @127.0.0.1 -p 5353
  dig -x 2001:db8::1 @::1 -p 5353
  $BUILD_DIR/admin/rdnsctl set 192.0.2.2 mail.example.com. --ttl 3600 --description "mail"
  dig -x 192.0.2.2 @127.0.0.1 -p 5353 +short
  $BUILD_DIR/admin/rdnsctl list
  dig @127.0.0.1 -p 5353 2.0.192.in-addr.arpa SOA +short

MSG
exec "$BUILD_DIR/server/rdnsd" "$@"
