#!/usr/bin/env bash
# Starts the translation service with both shipped models (English ↔ Chinese) on 127.0.0.1:8080,
# building Fanyi first if needed. Other fanyi-serve flags pass through (--port 9000, --workers 1).
#   scripts/serve.sh
#   curl -s localhost:8080/translate -H 'Content-Type: application/json' \
#        -d '{"q": "Select the cell range.", "source": "en", "target": "zh"}'
# The page: http://127.0.0.1:8080/ . Ctrl-C stops it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
tool="$root/.build/release/fanyi-serve"
"$root/scripts/build-if-needed.sh" fanyi-serve
models=()
case " $* " in *" --model "*|*" --model="*) ;;
    *) models=(--model "$root/models/en-zh-lohelp.safetensors" --model "$root/models/zh-en-lohelp.safetensors") ;;
esac
exec "$tool" "${models[@]}" "$@"
