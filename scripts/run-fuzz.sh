#!/usr/bin/env bash
# Runs each libFuzzer target of BUILD/fuzz (make fuzz) for SECONDS each (default 60) on its
# corpus: tests/fuzz/<target>/ (the seeds and kept inputs, read only) and
# BUILD/fuzz/corpus/<target>/ (what this machine's runs found). Prints per target the
# executions, the coverage (cov: edges) and features (ft) reached, and stops at the first
# finding (its input is left as BUILD/fuzz/<target>-crash-*, -timeout-*, -oom-*).
# With --merge, the inputs of BUILD/fuzz/corpus/<target>/ that add coverage are copied into
# tests/fuzz/<target>/ (libFuzzer's -merge=1), to be committed with the fix they led to.
# Usage: scripts/run-fuzz.sh BUILD [SECONDS] [--merge]
set -euo pipefail
build=${1:?usage: scripts/run-fuzz.sh BUILD [SECONDS] [--merge]}
seconds=${2:-60}
merge=${3:-}
root=$(cd "$(dirname "$0")/.." && pwd)
# HDF5's own leaks on damaged files (tests/lsan.supp) are not findings.
export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0"
for t in ${FUZZ_TARGETS:-units expression netlist network_toml device_config csv nir}; do
  bin=$build/fuzz/ionsim_fuzz_$t
  new=$build/fuzz/corpus/$t
  log=$build/fuzz/$t.log
  mkdir -p "$new"
  if ! "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$build/fuzz/$t-" "$new" "$root/tests/fuzz/$t" \
      >"$log" 2>&1; then
    echo "fuzz $t: FINDING (log: $log)"
    grep -E "ERROR|SUMMARY|Test unit written|terminate called|what\(\)" "$log" | head -20
    exit 1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}')
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | awk '{print $2}')
  echo "fuzz $t: $execs executions in $seconds s, cov $cov, ft $ft," \
    "corpus $(ls "$root/tests/fuzz/$t" | wc -l) kept + $(ls "$new" | wc -l) found"
  if [ "$merge" = --merge ]; then
    "$bin" -merge=1 "$root/tests/fuzz/$t" "$new" >>"$log" 2>&1
  fi
done
