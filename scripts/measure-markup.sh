#!/usr/bin/env bash
# Measures how placeholders, inline tags and accelerators come through translation, with markup
# protection (the default) and without it (--no-protect-markup), on real LibreOffice strings.
#
#   scripts/measure-markup.sh [MODEL]     (default: models/en-zh-lohelp.safetensors)
#
# Downloads (does not install) LibreOffice's zh_CN UI catalogues and its en-US and zh-CN help
# into .build/markup-sources, builds three test sets into .build/markup (scripts/markup_sets.py:
# UI strings with placeholders or tags, UI strings with accelerators, help paragraphs of the
# lohelp test split with their inline tags), translates each both ways with a release build and
# prints one Markdown table: lines, share whose output holds exactly the source's placeholders,
# tags and marks, and BLEU/chrF against LibreOffice's own Chinese (markup left in both sides).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
model=${1:-models/en-zh-lohelp.safetensors}
sources=.build/markup-sources
sets=.build/markup
version=4:7.4.7-1+deb12u14

command -v msgunfmt >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; }
if [ ! -d "$sources/root/usr/lib/libreoffice/program/resource/zh_CN" ]; then
    mkdir -p "$sources/debs" "$sources/root"
    (
        cd "$sources/debs"
        chmod 777 .
        apt-get download -qq libreoffice-l10n-zh-cn=$version libreoffice-help-en-us=$version libreoffice-help-zh-cn=$version 2>/dev/null \
            || apt-get download -qq libreoffice-l10n-zh-cn libreoffice-help-en-us libreoffice-help-zh-cn
    )
    for deb in "$sources"/debs/*.deb; do dpkg-deb -x "$deb" "$sources/root"; done
fi
python3 scripts/markup_sets.py build --sources "$sources" --output "$sets"

swift build -c release --product fanyi-translate >/dev/null
swift build -c release --product fanyi-score >/dev/null
bin=.build/release

echo "| set | lines | mode | exact markup | BLEU | chrF | flagged |"
echo "|---|---|---|---|---|---|---|"
for name in ui-placeholders ui-accelerators help-tags; do
    for mode in protected plain; do
        flags=()
        [ "$mode" = plain ] && flags=(--no-protect-markup)
        out="$sets/$name.$mode.zh"
        "$bin/fanyi-translate" --model "$model" "${flags[@]}" < "$sets/$name.en" > "$out" 2> "$out.log"
        read -r lines exact < <(python3 scripts/markup_sets.py check "$sets/$name.en" "$out")
        read -r bleu chrf < <("$bin/fanyi-score" --reference "$sets/$name.zh" --tokenize zh --width 2 --input "$out" --json \
            | python3 -c 'import json,sys; print(*[e["score"] for e in json.load(sys.stdin)])')
        flagged=$(grep -o '^fanyi-translate: [0-9]* line(s) got' "$out.log" | grep -o '[0-9]*' || echo 0)
        share=$(python3 -c "print(f'{100 * $exact / $lines:.1f} % ($exact)')")
        echo "| $name | $lines | $mode | $share | $bleu | $chrf | $flagged |"
    done
done
echo
echo "Signatures: $("$bin/fanyi-score" --reference "$sets/help-tags.zh" --tokenize zh --input "$sets/help-tags.protected.zh" --json \
    | python3 -c 'import json,sys; print("; ".join(e["signature"] for e in json.load(sys.stdin)))')"
