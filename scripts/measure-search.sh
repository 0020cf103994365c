#!/usr/bin/env bash
# Test BLEU of the shipped models under search settings (length penalty, coverage penalty, n-gram
# blocking), on corpora/en-zh-lohelp/test and on a long-input set made of the same test pairs
# joined two by two (750 pairs, twice the length: where repetition loops show). Release build.
#   scripts/measure-search.sh > search-settings.txt
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh 2>/dev/null
out=.build/measure-search
mkdir -p "$out"
# Long inputs: lines 1+2, 3+4, … (English joined with a space, Chinese without).
paste -d ' ' <(sed -n 'p;n' corpora/en-zh-lohelp/test.en) <(sed -n 'n;p' corpora/en-zh-lohelp/test.en) > "$out/long.en"
paste -d '' <(sed -n 'p;n' corpora/en-zh-lohelp/test.zh) <(sed -n 'n;p' corpora/en-zh-lohelp/test.zh) > "$out/long.zh"

settings=(
    "--length-penalty 0.6"
    "--length-penalty 0.6 --block-ngram-repeat 3"
    "--length-penalty 0.6 --block-ngram-repeat 4"
    "--length-penalty 0.6 --coverage-penalty 0.2"
    "--length-penalty 0.6 --coverage-penalty 0.2 --block-ngram-repeat 4"
    "--length-penalty 1.0"
    "--length-penalty 0"
)
printf "%-68s %8s %8s %8s %8s\n" "settings (beam 5)" "en→zh" "en→zh" "zh→en" "zh→en"
printf "%-68s %8s %8s %8s %8s\n" "" "test" "long" "test" "long"
for setting in "${settings[@]}"; do
    row=()
    for direction in "en zh" "zh en"; do
        set -- $direction
        tokenize=13a; [ "$2" = zh ] && tokenize=zh
        for set in test long; do
            if [ $set = test ]; then input=corpora/en-zh-lohelp/test.$1; reference=corpora/en-zh-lohelp/test.$2
            else input=$out/long.$1; reference=$out/long.$2; fi
            # shellcheck disable=SC2086
            .build/release/fanyi-translate --model models/f16/$1-$2-lohelp.safetensors $setting < "$input" > "$out/hyp" 2>/dev/null
            row+=("$(.build/release/fanyi-score --reference "$reference" --input "$out/hyp" --tokenize $tokenize --metrics bleu --width 2 --json \
                | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["score"])')")
        done
    done
    printf "%-68s %8s %8s %8s %8s\n" "$setting" "${row[@]}"
done
