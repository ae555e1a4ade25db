#!/usr/bin/env bash
# Query throughput of rdnsd, knotd, nsd and an echo responder; see run_qps.py --help.
exec python3 "$(dirname "$0")/run_qps.py" "$@"
