#!/usr/bin/env bash
# Measures `fanyi-translate --format html` on whole LibreOffice help pages: whether the pages come
# back with the same elements, attributes and code, how long they take, and the BLEU/chrF of their
# test-split paragraphs against LibreOffice's own Chinese pages, next to the same paragraphs
# translated as plain text lines.
#
#   scripts/measure-documents.sh [MODEL] [PAGES]   (default: models/en-zh-lohelp.safetensors, 40)
#
# Uses the help packages that scripts/measure-markup.sh downloads into .build/markup-sources
# (run that first, or let this download them); sets in .build/documents (scripts/documents_sets.py).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
model=${1:-models/en-zh-lohelp.safetensors}
count=${2:-40}
sources=.build/markup-sources
sets=.build/documents
version=4:7.4.7-1+deb12u14

if [ ! -d "$sources/root/usr/share/libreoffice/help/zh-CN" ]; then
    mkdir -p "$sources/debs" "$sources/root"
    (
        cd "$sources/debs"
        chmod 777 .
        apt-get download -qq libreoffice-help-en-us=$version libreoffice-help-zh-cn=$version 2>/dev/null \
            || apt-get download -qq libreoffice-help-en-us libreoffice-help-zh-cn
    )
    for deb in "$sources"/debs/*.deb; do dpkg-deb -x "$deb" "$sources/root"; done
fi
python3 scripts/documents_sets.py build --sources "$sources" --output "$sets" --pages "$count"

swift build -c release --product fanyi-translate >/dev/null
swift build -c release --product fanyi-score >/dev/null
bin=.build/release

# Every page, one process each, timed as a whole.
rm -f "$sets/translate.log"
/usr/bin/time -v -o "$sets/time.txt" bash -c '
    for page in "$2"/pages/*.en.html; do
        "$1/fanyi-translate" --model "$3" --format html -i "$page" -o "${page%.en.html}.zh.html" 2>> "$2/translate.log"
    done' _ "$bin" "$sets" "$model"
read -r pages shaped kept paragraphs < <(python3 scripts/documents_sets.py check --output "$sets")
seconds=$(grep "Elapsed (wall clock)" "$sets/time.txt" | awk '{print $NF}' | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
memory=$(grep "Maximum resident" "$sets/time.txt" | awk '{print $NF}')
bytes=$(cat "$sets"/pages/*.en.html | wc -c)
count_segments() { { grep -o "^fanyi-translate: [0-9]* of [0-9]* segment(s) $1" "$sets/translate.log" || true; } | awk '{s += $2} END {print s + 0}'; }
flagged=$(count_segments got)
untranslated=$(count_segments "were left")

# The same paragraphs as plain text lines (tags dropped), for comparison.
"$bin/fanyi-translate" --model "$model" < "$sets/paragraphs.en" > "$sets/paragraphs.text.hyp"
score() { "$bin/fanyi-score" --reference "$sets/paragraphs.zh" --tokenize zh --width 2 --input "$1" --json \
    | python3 -c 'import json,sys; print(*[e["score"] for e in json.load(sys.stdin)])'; }

echo "| pages | same elements and attributes | code, pre, script, style unchanged | segments flagged | segments left untranslated | wall time | max RSS |"
echo "|---|---|---|---|---|---|---|"
echo "| $pages ($((bytes / 1024)) KiB) | $shaped | $kept | $flagged | $untranslated | $seconds s | $((memory / 1024)) MiB |"
echo
echo "| test-split paragraphs in those pages | as | BLEU | chrF |"
echo "|---|---|---|---|"
read -r bleu chrf < <(score "$sets/paragraphs.hyp")
echo "| $paragraphs | --format html (whole pages) | $bleu | $chrf |"
read -r bleu chrf < <(score "$sets/paragraphs.text.hyp")
echo "| $paragraphs | text lines, tags dropped | $bleu | $chrf |"
echo
echo "Signatures: $("$bin/fanyi-score" --reference "$sets/paragraphs.zh" --tokenize zh --input "$sets/paragraphs.hyp" --json \
    | python3 -c 'import json,sys; print("; ".join(e["signature"] for e in json.load(sys.stdin)))')"
