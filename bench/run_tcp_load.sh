#!/usr/bin/env bash
# UDP query rate while TCP clients hold thousands of connections; see run_tcp_load.py --help.
exec python3 "$(dirname "$0")/run_tcp_load.py" "$@"
