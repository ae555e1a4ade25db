#!/usr/bin/env bash
# Runs the three benchmarks one after another (about 1.5 hours); logs and results go to
# bench/scratch/results/. Arguments are passed to none of them: run each on its own for
# other settings.
set -u
cd "$(dirname "$0")"
mkdir -p scratch/results
for b in writes qps scale; do
  echo "== run_$b.sh $(date -u +%FT%TZ)" >&2
  ./run_$b.sh > scratch/results/run_$b.out 2> scratch/results/run_$b.err
  echo "== run_$b.sh exit $?" >&2
done
