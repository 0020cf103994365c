#!/usr/bin/env bash
# fanyi-serve against LibreTranslate's own clients: libretranslatepy from PyPI (pinned) and the
# request sequences of the npm wrapper, Discourse and Nextcloud (scripts/libretranslate_clients.py),
# with both shipped models on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
scripts/install-deps.sh
python3 -c "import libretranslatepy" 2>/dev/null || python3 -m pip install -q libretranslatepy==2.1.4

out=.build/libretranslate-test
mkdir -p "$out"
echo "libretranslate clients: building fanyi-serve (log: $out/build.log)"
swift build --product fanyi-serve > "$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 1; }
source scripts/start-test-server.sh
start_test_server "$out"
python3 scripts/libretranslate_clients.py "$url"
kill -TERM $server
wait $server
