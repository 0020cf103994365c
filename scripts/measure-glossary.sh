#!/usr/bin/env bash
# Measures glossaries: term accuracy, BLEU/chrF and time on the lohelp test lines that hold a
# term of LibreOffice's own UI terminology, without a glossary and with it.
#
#   scripts/measure-glossary.sh [MODEL]     (default: models/en-zh-lohelp.safetensors)
#
# Needs LibreOffice's zh_CN UI catalogues under .build/markup-sources (scripts/measure-markup.sh
# downloads them). scripts/glossary_sets.py chooses the terms from the training split only and
# writes .build/glossary/{glossary.tsv,test.en,test.zh}; then each way is translated with a
# release build and scored. Prints one Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
model=${1:-models/en-zh-lohelp.safetensors}
sources=.build/markup-sources
sets=.build/glossary
[ -d "$sources/root/usr/lib/libreoffice/program/resource/zh_CN" ] || { echo "run scripts/measure-markup.sh first (it fetches the catalogues)" >&2; exit 1; }
[ -f "$sets/glossary.tsv" ] || python3 scripts/glossary_sets.py build --sources "$sources" --output "$sets"
swift build -c release --product fanyi-translate >/dev/null
swift build -c release --product fanyi-score >/dev/null
bin=.build/release

echo "| glossary | term occurrences kept | BLEU | chrF | seconds |"
echo "|---|---|---|---|---|"
for mode in none glossary; do
    flags=()
    [ "$mode" != none ] && flags=(--glossary "$sets/glossary.tsv")
    out="$sets/test.$mode.zh"
    start=$(date +%s.%N)
    "$bin/fanyi-translate" --model "$model" "${flags[@]}" < "$sets/test.en" > "$out"
    seconds=$(python3 -c "import time; print(f'{time.time() - $start:.1f}')")
    read -r total kept < <(python3 scripts/glossary_sets.py check "$sets/glossary.tsv" "$sets/test.en" "$out")
    read -r bleu chrf < <("$bin/fanyi-score" --reference "$sets/test.zh" --tokenize zh --width 2 --input "$out" --json \
        | python3 -c 'import json,sys; print(*[e["score"] for e in json.load(sys.stdin)])')
    share=$(python3 -c "print(f'{100 * $kept / $total:.1f} % ($kept of $total)')")
    echo "| $mode | $share | $bleu | $chrf | $seconds |"
done
