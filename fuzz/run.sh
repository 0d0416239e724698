#!/usr/bin/env bash
# Bounded coverage-guided fuzzing of the upload reader, the date parser and the kelurahan name resolver.
# Usage: fuzz/run.sh [seconds per target] [target ...]   (default 600 s each: tabular tanggal names)
# One target at a time, at the lowest CPU priority; logs and crashes go to build/fuzz/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
SECONDS_PER_TARGET=${1:-600}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(tabular tanggal names)
status=0
for t in "${TARGETS[@]}"; do
  out="build/fuzz/$t"
  mkdir -p "$out/corpus" "$out/artifacts"
  "$PY" fuzz/make_seeds.py "$t" "$out/corpus"
  echo "== fuzz $t: ${SECONDS_PER_TARGET}s (log: $out/log.txt)"
  if ! nice -n 19 "$PY" "fuzz/fuzz_$t.py" "$out/corpus" \
      -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 -artifact_prefix="$out/artifacts/" >"$out/log.txt" 2>&1; then
    echo "!! $t: crash or hang, see $out/log.txt and $out/artifacts/"
    status=1
  fi
  grep -E "DONE|average_exec_per_sec|peak_rss_mb" "$out/log.txt" | tail -n 3 || true
done
exit $status
