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
for data in synthetic corpus; do
    extra=()
    [ "$data" = corpus ] && extra=("${corpus[@]}")
    echo "== $data batches: 1 process × 1 thread"
    "$bench" train --threads 1 --steps "$steps" "${extra[@]}"
    echo "== $data batches: 2 ranks × 1 thread"
    "${mpirun[@]}" "$bench" train --threads 1 --steps "$steps" "${extra[@]}"
    echo "== $data batches: 1 process × 2 threads (1 shard and 2 shards, step by step)"
    "$bench" train --threads 2 --shards 1,2 --steps "$steps" "${extra[@]}"
done
