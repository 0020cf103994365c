#!/usr/bin/env bash
# Measures whole-file translation on LibreOffice's own files, English → Chinese:
#  - PO: the zh_CN UI catalogues of LibreOffice (libreoffice-l10n-zh-cn, .mo files turned back into
#    PO with msgunfmt) with every translation blanked, as a translator receives a template; the
#    output must keep every entry, pass `msgfmt -c`, leave none untranslated, and is scored
#    against LibreOffice's own Chinese (BLEU/chrF) with the share marked fuzzy;
#  - ODT and DOCX: help pages (the set of scripts/measure-documents.sh) converted by LibreOffice,
#    translated, and opened again by LibreOffice (`--convert-to txt`): same paragraphs, how many
#    still hold English.
# Time and peak memory of each translation loop from /usr/bin/time -v. Release build.
#   scripts/measure-files.sh [CATALOGUES] [PAGES]   (defaults: "oox svl acc scc avmedia wpt fwk frm fps cnr xsc sb uui dkt basctl rpt wiz editeng flt", 20)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
catalogues=${1:-oox svl acc scc avmedia wpt fwk frm fps cnr xsc sb uui dkt basctl rpt wiz editeng flt}
pages=${2:-20}
model=models/en-zh-lohelp.safetensors
sources=.build/markup-sources
out=.build/files
command -v soffice >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui >/dev/null
command -v msgunfmt >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null
[ -d "$sources/root/usr/lib/libreoffice/program/resource/zh_CN" ] || scripts/measure-markup.sh >/dev/null
[ -d .build/documents/pages ] || scripts/measure-documents.sh >/dev/null
swift build -c release --product fanyi-translate >/dev/null
swift build -c release --product fanyi-score >/dev/null
bin=.build/release
rm -rf "$out" && mkdir -p "$out/po" "$out/office"
export HOME=$PWD/$out   # soffice's profile

# --- PO
for name in $catalogues; do
    msgunfmt --no-wrap "$sources/root/usr/lib/libreoffice/program/resource/zh_CN/LC_MESSAGES/$name.mo" > "$out/po/$name.ref.po"
    msgfilter --keep-header --no-wrap -i "$out/po/$name.ref.po" -o "$out/po/$name.pot" sed -e d
done
/usr/bin/time -v -o "$out/po/time.txt" bash -c "for name in $catalogues; do
    $bin/fanyi-translate --model $model --format po -i $out/po/\$name.pot -o $out/po/\$name.zh.po 2>> $out/po/translate.log; done"
entries() { msgcat --no-wrap "$1" | grep -c '^msgid ' || true; }
table() {  # FILE → msgid TAB msgstr per entry (one line each), header left out
    msgexec -i "$1" sh -c '[ -z "$MSGEXEC_MSGID" ] || { printf "%s\t" "$MSGEXEC_MSGID" | tr "\n" " "; tr "\n" " "; echo; }'
}
same=0; total=0; failed=0; fuzzy=0; untranslated=0
: > "$out/po/hyp.zh"; : > "$out/po/ref.zh"
for name in $catalogues; do
    a=$(entries "$out/po/$name.pot"); b=$(entries "$out/po/$name.zh.po")
    total=$((total + a - 1)); [ "$a" -eq "$b" ] && same=$((same + 1))
    msgfmt -c -o /dev/null "$out/po/$name.zh.po" 2>> "$out/po/msgfmt.log" || failed=$((failed + 1))
    fuzzy=$((fuzzy + $(msgattrib --only-fuzzy --no-wrap "$out/po/$name.zh.po" | grep -c '^msgid "[^"]' || true)))
    untranslated=$((untranslated + $(msgattrib --untranslated --no-wrap "$out/po/$name.zh.po" | grep -c '^msgid "[^"]' || true)))
    table "$out/po/$name.zh.po" > "$out/po/$name.hyp.tsv"
    table "$out/po/$name.ref.po" > "$out/po/$name.ref.tsv"
    python3 - "$out/po/$name.hyp.tsv" "$out/po/$name.ref.tsv" "$out/po/hyp.zh" "$out/po/ref.zh" <<'PY'
import sys
def read(path):
    return dict(line.rstrip("\n").split("\t", 1) for line in open(path, encoding="utf-8") if "\t" in line)
hyp, ref = read(sys.argv[1]), read(sys.argv[2])
with open(sys.argv[3], "a", encoding="utf-8") as h, open(sys.argv[4], "a", encoding="utf-8") as r:
    for msgid, text in ref.items():
        if msgid in hyp and text.strip():
            h.write(hyp[msgid].strip() + "\n"); r.write(text.strip() + "\n")
PY
done
echo "PO: $(echo $catalogues | wc -w) catalogues, $total entries; same entries in $same; msgfmt -c failed on $failed; untranslated $untranslated; fuzzy $fuzzy"
$bin/fanyi-score --tokenize zh --reference "$out/po/ref.zh" --input "$out/po/hyp.zh"
grep -E 'Elapsed|Maximum resident' "$out/po/time.txt"

# --- ODT and DOCX
mkdir -p "$out/office/html"
ls .build/documents/pages/*.en.html | head -n "$pages" | while read -r page; do cp "$page" "$out/office/html/"; done
for kind in odt docx; do
    filter=$kind; [ $kind = docx ] && filter='docx:MS Word 2007 XML'
    mkdir -p "$out/office/$kind" "$out/office/$kind-txt" "$out/office/$kind-zh" "$out/office/$kind-zh-txt"
    soffice --headless --convert-to "$filter" --outdir "$out/office/$kind" "$out/office/html"/*.html > /dev/null 2>&1
    /usr/bin/time -v -o "$out/office/$kind-time.txt" bash -c "for f in $out/office/$kind/*.$kind; do
        $bin/fanyi-translate --model $model --format $kind -i \$f -o $out/office/$kind-zh/\$(basename \$f) 2>> $out/office/$kind.log; done"
    soffice --headless --convert-to txt:Text --outdir "$out/office/$kind-txt" "$out/office/$kind"/*.$kind > /dev/null 2>&1
    soffice --headless --convert-to txt:Text --outdir "$out/office/$kind-zh-txt" "$out/office/$kind-zh"/*.$kind > /dev/null 2>&1
    python3 - "$out/office/$kind-txt" "$out/office/$kind-zh-txt" "$kind" <<'PY'
import os, re, sys
before, after, kind = sys.argv[1:]
files = sorted(os.listdir(before))
opened = same = lines = english = 0
for name in files:
    path = os.path.join(after, name)
    if not os.path.exists(path):
        continue
    opened += 1
    a = [l for l in open(os.path.join(before, name), encoding="utf-8-sig").read().split("\n")]
    b = [l for l in open(path, encoding="utf-8-sig").read().split("\n")]
    same += len(a) == len(b)
    for line in b:
        if re.search(r"[A-Za-z]{3,}", line):
            lines += 1
            # A line with three English words in a row and no Han character was left untranslated.
            if not re.search(r"[\u4e00-\u9fff]", line) and re.search(r"[A-Za-z]+ [A-Za-z]+ [A-Za-z]+", line):
                english += 1
print(f"{kind.upper()}: {len(files)} files; LibreOffice opened {opened}; same paragraph count in {same}; "
      f"lines with Latin words {lines}, of them English-only sentences {english}")
PY
    grep -E 'Elapsed|Maximum resident' "$out/office/$kind-time.txt"
done
