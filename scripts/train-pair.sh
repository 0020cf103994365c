#!/usr/bin/env bash
# Trains one direction of a LibreOffice help + UI pair (scripts/prepare-pairs.sh), with the recipe
# of the shipped en-zh-lohelp model, then exports it as shipped (I8 with a shortlist) and scores it
# on its test split: help paragraphs, UI strings and both, beam 5, sacreBLEU-compatible.
#
#   scripts/train-pair.sh SOURCE TARGET [MINUTES]      e.g. scripts/train-pair.sh en de 30
#
# Reads .build/pairs/en-CODE-lo (CODE: the language that is not English); writes the shared BPE
# vocabulary to runs/pairs/vocab/en-CODE-lo, the run to runs/pairs/SOURCE-TARGET (the same command
# resumes a stopped run: Ctrl-C or kill -TERM writes a checkpoint), the model to
# models/SOURCE-TARGET-lo.safetensors (F16 beside it in models/f16/) and the scores to
# runs/pairs/SOURCE-TARGET/scores.txt. Meant for the background:
#   nohup scripts/train-pair.sh en de 30 > runs/pairs/en-de.log 2>&1 &
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
[ $# -ge 2 ] || { echo "usage: scripts/train-pair.sh SOURCE TARGET [MINUTES]" >&2; exit 2; }
source_lang=$1 target_lang=$2 minutes=${3:-30}
other=$source_lang; [ "$source_lang" = en ] && other=$target_lang
corpus=.build/pairs/en-$other-lo
[ -f "$corpus/train.en" ] || { echo "train-pair: no $corpus; run scripts/prepare-pairs.sh first" >&2; exit 1; }
for product in fanyi-vocab fanyi-train fanyi-translate fanyi-score; do swift build -c release --product $product > /dev/null; done
bin=.build/release
vocab=runs/pairs/vocab/en-$other-lo
run=runs/pairs/$source_lang-$target_lang
mkdir -p runs/pairs/vocab "$run" models/f16

[ -f "$vocab.json" ] || $bin/fanyi-vocab build --train "$corpus/train" --source-lang en --target-lang "$other" \
    --merges 8000 --output "$vocab"
$bin/fanyi-train --train "$corpus/train" --valid "$corpus/dev" --source-lang "$source_lang" --target-lang "$target_lang" \
    --vocab "$vocab.json" --output "$run" --max-time "$(awk -v m="$minutes" 'BEGIN { print int(m * 60) }')" --valid-steps 800 --learning-rate 0.002 \
    --warmup-steps 500 --decay plateau --decay-patience 1 --threads 2 --log-every 100
$bin/fanyi-train export "$run/model.safetensors" --storage F16 --output "models/f16/$source_lang-$target_lang-lo.safetensors"
$bin/fanyi-train export "models/f16/$source_lang-$target_lang-lo.safetensors" --storage I8 \
    --shortlist "$corpus/train" --output "models/$source_lang-$target_lang-lo.safetensors"

tokenize=13a; [ "$target_lang" = zh ] && tokenize=zh; [ "$target_lang" = ja ] && tokenize=intl
$bin/fanyi-translate --model "models/$source_lang-$target_lang-lo.safetensors" -i "$corpus/test.$source_lang" -o "$run/test.hyp"
{
    for kind in help ui all; do
        keep() { if [ $kind = all ]; then cat "$1"; else paste "$corpus/test.source" "$1" | awk -F'\t' -v k=$kind '$1 == k' | cut -f2-; fi; }
        keep "$corpus/test.$target_lang" > "$run/test.$kind.ref"
        keep "$run/test.hyp" > "$run/test.$kind.hyp"
        echo "== $kind ($(wc -l < "$run/test.$kind.ref") pairs)"
        $bin/fanyi-score --tokenize $tokenize --reference "$run/test.$kind.ref" --input "$run/test.$kind.hyp"
    done
    ls -l "models/$source_lang-$target_lang-lo.safetensors"
} | tee "$run/scores.txt"
