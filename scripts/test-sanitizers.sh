#!/usr/bin/env bash
# The whole test suite under AddressSanitizer (then, with `thread`, ThreadSanitizer), in build
# folders of their own (.build-asan, .build-tsan). Leaks that Open MPI, Foundation and libcurl
# keep until exit are suppressed by scripts/lsan-suppressions.txt, and not looked for in the
# ranks of the mpirun tests (Open MPI's plugins are unloaded before the report, so their frames
# cannot be named).
#   scripts/test-sanitizers.sh            # address
#   scripts/test-sanitizers.sh thread
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
sanitizer=${1:-address}
export ASAN_OPTIONS="detect_leaks=1"
# mpirun's ranks: memory errors still, leaks not (Open MPI's, see Tests/ExecutableTests/Run.swift).
export FANYI_RANK_ASAN_OPTIONS="detect_leaks=0"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan-suppressions.txt:print_suppressions=0"
export TSAN_OPTIONS="halt_on_error=0:report_signal_unsafe=0"
case $sanitizer in address) folder=.build-asan ;; thread) folder=.build-tsan ;; *) folder=.build-$sanitizer ;; esac
echo "fanyi: the test suite under --sanitize=$sanitizer (build folder $folder)…" >&2
swift test --disable-xctest --sanitize="$sanitizer" --scratch-path "$folder" "${@:2}"
