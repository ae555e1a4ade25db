#!/usr/bin/env bash
# See run_writes.py --help.
exec python3 "$(dirname "$0")/run_writes.py" "$@"
