#!/usr/bin/env bash
# Rebuilds the shipped vocabularies and BPE merges under vocab/ from the corpora under corpora/.
# Per side BPE with 8,000 merges, the configuration the shipped models are trained with.
set -euo pipefail
cd "$(dirname "$0")/.."
vocab=.build/release/fanyi-vocab
[ -x "$vocab" ] || scripts/setup.sh
for pair in en-zh-lohelp:zh en-zh-bible:zh en-es-bible:es; do
    name=${pair%%:*}
    target=${pair##*:}
    "$vocab" build --train "corpora/$name/train" --source-lang en --target-lang "$target" \
        --merges 8000 --output "vocab/$name"
done
