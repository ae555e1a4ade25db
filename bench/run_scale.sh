#!/usr/bin/env bash
# See run_scale.py --help.
exec python3 "$(dirname "$0")/run_scale.py" "$@"
