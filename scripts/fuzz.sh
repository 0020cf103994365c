#!/usr/bin/env bash
# Fuzzes every loader of a file a user may be handed with libFuzzer (the Swift toolchain's),
# under AddressSanitizer, starting from the committed seeds in Fuzz/Corpus/TARGET. Builds the
# targets of the Fuzz package (release build, so that a million runs take minutes), runs each
# for RUNS executions (or SECONDS), two at a time, and prints executions, coverage and what was
# found. A crash, hang (-timeout, 10 s) or allocation over 2 GiB fails the run; its input lands
# in Fuzz/.build/artifacts/ and is replayed with: Fuzz/.build/release/fuzz-TARGET FILE
#   scripts/fuzz.sh                          # every target, 1,000,000 executions each
#   RUNS=20000 scripts/fuzz.sh config merges # a smoke run of two targets
#   SECONDS_PER_TARGET=600 scripts/fuzz.sh   # ten minutes each instead of a run count
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
all=(model-file checkpoint vocabulary merges manifest shortlist config tokenizer markup glossary document form po office)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
for target in "${targets[@]}"; do
    [ -d "Fuzz/Corpus/$target" ] || { echo "fanyi: no fuzz target '$target'; the targets are ${all[*]}" >&2; exit 2; }
done
runs=${RUNS:-1000000}
jobs=${JOBS:-2}

log=Fuzz/.build/fuzz-build.log
mkdir -p Fuzz/.build
echo "fanyi: building the fuzz targets (libFuzzer + AddressSanitizer, release; a few minutes the first time, log in $log)…" >&2
# Given --sanitize twice, SwiftPM passes swiftc -sanitize=fuzzer -sanitize=address, and swiftc
# keeps only the last: Swift code would get no coverage counters. The coverage flags libFuzzer
# needs are therefore given to swiftc explicitly.
flags=(-c release --sanitize=fuzzer --sanitize=address
       -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp)
if ! (cd Fuzz && swift build "${flags[@]}") > "$log" 2>&1; then
    tail -40 "$log" >&2
    echo "fanyi: the fuzz build failed (whole log: $log)" >&2
    exit 1
fi
bin=$(cd Fuzz && swift build "${flags[@]}" --show-bin-path)

limit=(-runs="$runs")
[ -n "${SECONDS_PER_TARGET:-}" ] && limit=(-max_total_time="$SECONDS_PER_TARGET")
mkdir -p Fuzz/.build/artifacts Fuzz/.build/logs
# Swift's own backtracer would print over libFuzzer's report; deterministic hashing keeps a
# crash reproducible.
export SWIFT_BACKTRACE=enable=no SWIFT_DETERMINISTIC_HASHING=1
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=0"

fuzz_one() {
    local target=$1
    local work="Fuzz/.build/corpus/$target"
    rm -rf "$work" && mkdir -p "$work"
    # New inputs go to the first folder (scratch); the committed seeds stay as they are.
    "$bin/fuzz-$target" "$work" "Fuzz/Corpus/$target" $limit_text -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -malloc_limit_mb=2048 -artifact_prefix="Fuzz/.build/artifacts/$target-" -print_final_stats=1 \
        > "Fuzz/.build/logs/$target.log" 2>&1
}
export -f fuzz_one
export bin runs
export limit_text="${limit[*]}"

status=0
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'fuzz_one "$@" || echo "exit $?" >> "Fuzz/.build/logs/$1.log"' _ {} || true
printf '%-12s %12s %10s %8s  %s\n' target executions exec/s coverage result
for target in "${targets[@]}"; do
    file="Fuzz/.build/logs/$target.log"
    executed=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$file" | grep -o '[0-9]*$' || echo "?")
    speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$file" | grep -o '[0-9]*$' || echo "?")
    coverage=$(grep -o 'cov: [0-9]*' "$file" | tail -1 | grep -o '[0-9]*$' || echo "?")
    if grep -q '^exit \|ERROR: libFuzzer\|ERROR: AddressSanitizer\|Fatal error\|SUMMARY: ' "$file"; then
        status=1
        result="FAILED: $(grep -m1 -o 'ERROR: .*\|Fatal error: .*' "$file" || echo see log); input in Fuzz/.build/artifacts/, log $file"
    else
        result="ok"
    fi
    printf '%-12s %12s %10s %8s  %s\n' "$target" "$executed" "$speed" "$coverage" "$result"
done
exit $status
