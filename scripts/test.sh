#!/usr/bin/env bash
# Runs the whole test suite (after installing the system packages when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
scripts/install-deps.sh
# The build's output goes to a log (shown when it fails); the tests are Swift Testing's, so
# without XCTest's empty runs the output ends with one summary ("Test run with N tests ...").
mkdir -p .build
log=.build/test-build.log
echo "fanyi: building the tests (the first build takes a few minutes; log: $log)…" >&2
if ! swift build --build-tests > "$log" 2>&1; then
    echo "fanyi: the build failed; the end of $log:" >&2
    tail -40 "$log" >&2
    exit 1
fi
echo "fanyi: running the tests…" >&2
swift test --skip-build --disable-xctest "$@"
