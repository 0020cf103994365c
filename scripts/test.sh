#!/usr/bin/env bash
# Runs the whole test suite (after installing the system packages when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
scripts/install-deps.sh
swift test "$@"
