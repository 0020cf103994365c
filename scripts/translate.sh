#!/usr/bin/env bash
# Translates stdin with a shipped model (default: English → Chinese), building Fanyi first if needed.
#   echo "Select the cell range that you want to sort." | scripts/translate.sh
#   scripts/translate.sh --model models/OTHER.safetensors --beam-size 1 < input.txt
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
[ -x .build/release/fanyi-translate ] || scripts/setup.sh
model=()
case " $* " in *" --model "*) ;; *) model=(--model models/en-zh-lohelp.safetensors) ;; esac
exec .build/release/fanyi-translate "${model[@]}" "$@"
