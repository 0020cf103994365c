#!/usr/bin/env bash
# The whole test suite under AddressSanitizer (then, with `thread`, ThreadSanitizer), in build
# folders of their own (.build-asan, .build-tsan). Leaks that Open MPI, Foundation and libcurl
# keep until exit are suppressed by scripts/lsan-suppressions.txt; stacks are unwound fully so
# that those libraries can be recognised.
#   scripts/test-sanitizers.sh            # address
#   scripts/test-sanitizers.sh thread
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
sanitizer=${1:-address}
export ASAN_OPTIONS="fast_unwind_on_malloc=0:detect_leaks=1"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan-suppressions.txt:print_suppressions=0"
export TSAN_OPTIONS="halt_on_error=0:report_signal_unsafe=0"
case $sanitizer in address) folder=.build-asan ;; thread) folder=.build-tsan ;; *) folder=.build-$sanitizer ;; esac
echo "fanyi: the test suite under --sanitize=$sanitizer (build folder $folder)…" >&2
swift test --disable-xctest --sanitize="$sanitizer" --scratch-path "$folder" "${@:2}"
