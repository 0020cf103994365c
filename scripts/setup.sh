#!/usr/bin/env bash
# Set-up on a fresh Debian machine: system packages when missing, then a release build of all
# executables into .build/release/. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
scripts/install-deps.sh
swift build -c release >&2
