#!/usr/bin/env bash
# Replication benchmarks (propagation, AXFR/IXFR at 1M, QPS under AXFR, fan-out); see run_xfr.py --help.
exec python3 "$(dirname "$0")/run_xfr.py" "$@"
