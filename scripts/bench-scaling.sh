#!/usr/bin/env bash
# Data-parallel scaling, side by side in one run: fanyi-bench train with 1 process × 1 thread,
# 2 ranks × 1 thread (mpirun) and 1 process × 2 threads (each batch whole with its products split
# over the threads, and in two shards, one per thread, as fanyi-train does), on synthetic batches
# and on real batches of a corpus. Release build; Open MPI from scripts/install-deps.sh.
#   scripts/bench-scaling.sh [STEPS]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
steps="${1:-20}"
swift build -c release --product fanyi-bench >/dev/null
bench=.build/release/fanyi-bench
mpirun=(mpirun -np 2)
[ "$(id -u)" -eq 0 ] && mpirun=(mpirun --allow-run-as-root -np 2)
corpus=(--corpus corpora/en-zh-lohelp/train --source-lang en --target-lang zh --vocab vocab/en-zh-lohelp.json)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# Runs a benchmark, shows its report and keeps it in $tmp/NAME for the summary.
run() {
    local name="$1"
    shift
    "$@" | tee "$tmp/$name"
}
for data in synthetic corpus; do
    extra=()
    [ "$data" = corpus ] && extra=("${corpus[@]}")
    echo "== $data batches: 1 process × 1 thread"
    run "$data-1x1" "$bench" train --threads 1 --steps "$steps" "${extra[@]}"
    echo "== $data batches: 2 ranks × 1 thread"
    run "$data-2ranks" "${mpirun[@]}" "$bench" train --threads 1 --steps "$steps" "${extra[@]}"
    echo "== $data batches: 1 process × 2 threads (1 shard and 2 shards, step by step)"
    run "$data-1x2" "$bench" train --threads 2 --shards 1,2 --steps "$steps" "${extra[@]}"
done

# Target tokens/s of the report line that starts with "  $2 (" in $tmp/$1.
tokens() { sed -nE "s/^  $2 \(.*, ([0-9]+) target tokens\/s.*/\1/p" "$tmp/$1" | head -n 1; }
# The GEMM ceiling of that run in GFLOP/s (all ranks together under mpirun).
ceiling() { sed -nE 's/^  GEMM ceiling in this run .*: ([0-9.]+) GFLOP\/s$/\1/p' "$tmp/$1" | head -n 1; }
echo "== summary: target tokens/s side by side, and the ceiling's own product on one core and on both"
for data in synthetic corpus; do
    one="$(tokens "$data-1x1" "1 shard")" two="$(tokens "$data-2ranks" "1 shard")"
    shards="$(tokens "$data-1x2" "2 shards")" c1="$(ceiling "$data-1x1")" c2="$(ceiling "$data-2ranks")"
    if [ -z "$one" ] || [ -z "$two" ] || [ -z "$shards" ] || [ -z "$c1" ] || [ -z "$c2" ]; then
        echo "$data batches: a report line was not found; see the reports above" >&2
        exit 1
    fi
    awk -v data="$data" -v one="$one" -v two="$two" -v shards="$shards" -v c1="$c1" -v c2="$c2" 'BEGIN {
        printf "%s batches: 1 × 1 %d, 2 ranks × 1 %d (%.2f×), 1 × 2 with 2 shards %d (%.2f×); the ceiling %.1f GFLOP/s on one core, %.1f on both at once (%.2f×)\n",
               data, one, two, two / one, shards, shards / one, c1, c2, c2 / c1
    }'
done
