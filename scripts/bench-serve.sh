#!/usr/bin/env bash
# Load benchmark of fanyi-serve (release build, both shipped models loaded): wrk sends single
# English sentences of corpora/en-zh-lohelp/test.en (beam 5) with 1, 8, 32 and 128 concurrent
# clients for DURATION seconds each, and prints sentences/s, p50/p99 latency and errors. In the
# same run: fanyi-bench translate's batch throughput (beam 5) for comparison, and the server's
# peak RSS. Talks to 127.0.0.1 only.
#   scripts/bench-serve.sh            # 20 s per concurrency
#   DURATION=10 WORKERS=2 THREADS=1 scripts/bench-serve.sh
#   SOURCES=auto scripts/bench-serve.sh  # only with source "auto" (default: en, then auto)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
duration=${DURATION:-20}
workers=${WORKERS:-2}
threads=${THREADS:-1}
window=${WINDOW_MS:-5}
# "en auto": the same load with the language given, then identified by CLD2 on every request.
sources=${SOURCES:-en auto}
command -v wrk >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
scripts/setup.sh 2>/dev/null

out=.build/bench-serve
mkdir -p "$out"
echo "== fanyi-bench translate (batch throughput, beam 5, 2 threads) =="
.build/release/fanyi-bench translate --model models/en-zh-lohelp.safetensors --beam-sizes 5 --threads 2 --repeats 3 \
    | tee "$out/bench-translate.txt"

/usr/bin/time -v -o "$out/server-time.txt" .build/release/fanyi-serve \
    --model models/en-zh-lohelp.safetensors --model models/zh-en-lohelp.safetensors \
    --port 0 --workers "$workers" --threads "$threads" --batch-window-ms "$window" --timeout 60 > "$out/server.log" 2>&1 &
server=$!
trap 'pkill -P $server 2>/dev/null || true' EXIT
for _ in $(seq 600); do grep -q "listening on" "$out/server.log" && break; sleep 0.1; done
url=$(grep -o "http://127.0.0.1:[0-9]*" "$out/server.log" | head -1)
echo "== fanyi-serve at $url: $workers worker(s) per model × $threads BLAS thread(s), batch window $window ms =="
for source in $sources; do
    echo "-- source $source"
    for clients in 1 8 32 128; do
        wrk_threads=$(( clients < 2 ? 1 : 2 ))
        result=$(SENTENCES=corpora/en-zh-lohelp/test.en SOURCE=$source wrk -t "$wrk_threads" -c "$clients" -d "${duration}s" \
            --timeout 30s -s scripts/bench-serve.lua "$url" | grep RESULT)
        echo "$clients clients: ${result#RESULT }"
    done
done
curl -s "$url/metrics" > "$out/metrics.txt"
grep -E '^fanyi_batch_sentences_(sum|count)\{pair="en-zh"\}' "$out/metrics.txt" | tr '\n' ' '; echo
# SIGTERM to fanyi-serve itself (its parent, time, then writes the resource usage).
pkill -TERM -P $server
wait $server || true
grep -E "Maximum resident|System time|User time" "$out/server-time.txt"
