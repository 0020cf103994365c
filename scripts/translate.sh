#!/usr/bin/env bash
# Translates stdin with a shipped model (default: English → Chinese), building Fanyi first if needed.
#   echo "Select the cell range that you want to sort." | scripts/translate.sh
#   scripts/translate.sh --model models/zh-en-lohelp.safetensors --beam-size 1 < input.txt
# Paths in the arguments are relative to the current folder, as with fanyi-translate itself.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
tool="$root/.build/release/fanyi-translate"
"$root/scripts/build-if-needed.sh" fanyi-translate
model=()
case " $* " in *" --model "*|*" --model="*) ;; *) model=(--model "$root/models/en-zh-lohelp.safetensors") ;; esac
exec "$tool" "${model[@]}" "$@"
