#!/bin/sh
# Runs one libFuzzer harness for a bounded time on a scratch copy of its seed corpus (the
# source tree is never written), and fails on any crash, leak or timeout it finds.
# Usage: run_fuzzer.sh HARNESS SECONDS SEED_DIR
set -u
harness=$1 seconds=$2 seeds=$3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/corpus"
"$harness" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$scratch/" "$scratch/corpus" "$seeds" >"$scratch/log" 2>&1
status=$?
grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' "$scratch/log"
for f in "$scratch"/crash-* "$scratch"/leak-* "$scratch"/timeout-* "$scratch"/oom-*; do
    if [ -f "$f" ]; then
        tail -n 40 "$scratch/log" >&2
        echo "fuzzer found a failing input ($f):" >&2
        od -A d -t x1 "$f" | head -n 20 >&2
        exit 1
    fi
done
if [ "$status" -ne 0 ]; then
    tail -n 40 "$scratch/log" >&2
    exit "$status"
fi
