#!/usr/bin/env bash
# The web page in a real browser: fanyi-serve with both shipped models on 127.0.0.1, then headless
# Chromium (Debian's chromium, chromium-driver and a CJK font, selenium from PyPI) drives the page
# (scripts/browser_test.py). Screenshots: .build/browser-test/page.png, unsure.png, detected.png,
# files.png and phone.png.
# Installs what it needs when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
scripts/install-deps.sh

missing=()
for package in chromium chromium-driver fonts-wqy-microhei; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "fanyi: installing ${missing[*]} for the browser test" >&2
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
python3 -c "import selenium" 2>/dev/null || python3 -m pip install -q selenium

out=.build/browser-test
mkdir -p "$out"
echo "browser test: building fanyi-serve (log: $out/build.log)"
swift build --product fanyi-serve > "$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 1; }

limit=300
source scripts/start-test-server.sh
start_test_server "$out" --char-limit "$limit"
echo "browser test: page at $url"
python3 scripts/browser_test.py --url "$url" --screenshots "$out" --char-limit "$limit" \
    --file Tests/DocumentsTests/Fixtures/help.docx
kill -TERM $server
wait $server
echo "browser test: screenshots in $out/page.png, unsure.png, detected.png, files.png and phone.png"
