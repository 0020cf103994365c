#!/usr/bin/env bash
# Measures the two language identifiers Debian packages, CLD2 (Chrome's; as it is and with its
# best-effort flag) and libexttextcat (LibreOffice's), side by side on LibreOffice's own strings in 8 languages: UI strings of 1–5
# words and help paragraphs (scripts/detection_sets.py). Prints one Markdown table: accuracy per
# language and length, per library.
#
#   scripts/measure-detection.sh [COUNT]    (strings per language and length, default 300)
#
# Downloads (does not install) LibreOffice's l10n and help packages into .build/detection-sources.
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-300}
sources=.build/detection-sources
sets=.build/detection
version=4:7.4.7-1+deb12u14
packages=()
for language in zh-cn es de fr it ja ru; do packages+=("libreoffice-l10n-$language" "libreoffice-help-$language"); done
packages+=(libreoffice-help-en-us)

for package in libcld2-dev libexttextcat-dev g++; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null; }
done
if [ ! -d "$sources/root/usr/share/libreoffice/help/ru" ]; then
    mkdir -p "$sources/debs" "$sources/root"
    (
        cd "$sources/debs"
        chmod 777 .
        apt-get download -qq "${packages[@]/%/=$version}" 2>/dev/null || apt-get download -qq "${packages[@]}"
    )
    for deb in "$sources"/debs/*.deb; do dpkg-deb -x "$deb" "$sources/root"; done
fi
python3 scripts/detection_sets.py --sources "$sources" --output "$sets" --count "$count"
g++ -O2 -o "$sets/detect-compare" scripts/detect_compare.cpp -lcld2 -lexttextcat-2.0

for name in short sentences; do
    cut -f2 "$sets/$name.tsv" | "$sets/detect-compare" > "$sets/$name.out"
done
python3 - "$sets" <<'PY'
import collections, sys
folder = sys.argv[1]
IDENTIFIERS = ("cld2", "cld2-effort", "textcat", "cld2-known")
NAMES = ("CLD2", "CLD2 best effort", "libexttextcat", "CLD2 best effort, among these 8")
LANGUAGES = {"en", "zh", "es", "de", "fr", "it", "ja", "ru"}
rows = collections.OrderedDict()
for name in ("short", "sentences"):
    gold = [line.split("\t", 1)[0] for line in open(f"{folder}/{name}.tsv", encoding="utf-8")]
    answers = [line.rstrip("\n").split("\t") for line in open(f"{folder}/{name}.out")]
    for language, answer in zip(gold, answers):
        row = rows.setdefault(language, collections.Counter())
        row[name, "n"] += 1
        # The best of CLD2's top three among the measured languages: what a server that can only
        # answer with the languages it knows would say.
        known = next((code for code in answer[3].split(",") if code in LANGUAGES), "-")
        for identifier, code in zip(IDENTIFIERS, answer[:3] + [known]):
            row[name, identifier] += code == language
print("| language | 1–5-word UI strings | " + " | ".join(NAMES) + " | help paragraphs | " + " | ".join(NAMES) + " |")
print("|---|---|" + "---|" * len(NAMES) + "---|" + "---|" * len(NAMES))
total = collections.Counter()
def cells(row, name):
    n = row[name, "n"]
    return [str(n)] + [f"{100 * row[name, identifier] / n:.1f} %" for identifier in IDENTIFIERS]
for language, row in rows.items():
    print(f"| {language} | " + " | ".join(cells(row, "short") + cells(row, "sentences")) + " |")
    total.update(row)
print("| all | " + " | ".join(cells(total, "short") + cells(total, "sentences")) + " |")
PY
