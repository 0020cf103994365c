#!/usr/bin/env bash
# Set-up on a fresh Debian machine: system packages when missing, then a release build of all
# executables into .build/release/. Safe to run again. The build's output goes to
# .build/setup-build.log and is shown only when the build fails.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
scripts/install-deps.sh
mkdir -p .build
log=.build/setup-build.log
if [ ! -d .build/release ]; then
    echo "fanyi: building Fanyi once in release mode; the first build takes a few minutes (log: $log)…" >&2
else
    echo "fanyi: bringing the release build up to date (log: $log)…" >&2
fi
start=$(date +%s)
if ! swift build -c release > "$log" 2>&1; then
    echo "fanyi: the build failed; the end of $log:" >&2
    tail -40 "$log" >&2
    exit 1
fi
echo "fanyi: built in $(( $(date +%s) - start )) s" >&2
