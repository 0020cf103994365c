#!/usr/bin/env bash
# Files through fanyi-serve as LibreTranslate's page sends them, checked by LibreOffice itself:
# LibreOffice (libreoffice-writer-nogui, installed when missing) writes an .odt and a .docx from a
# small help page, POST /translate_file translates each, GET /download_file fetches it, and
# `soffice --headless --convert-to txt` must open the result: the same number of paragraphs,
# Chinese text, no English sentence left. Also a .po and an .srt, checked with msgfmt -c and by
# their cue lines.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
scripts/install-deps.sh
if ! command -v soffice > /dev/null; then
    echo "office files: installing libreoffice-writer-nogui"
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui gettext > /dev/null
fi
command -v msgfmt > /dev/null || { sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo; $sudo apt-get install -y -qq gettext > /dev/null; }

out=.build/office-test
rm -rf "$out" && mkdir -p "$out"
echo "office files: building fanyi-serve (log: $out/build.log)"
swift build --product fanyi-serve > "$out/build.log" 2>&1 || { tail -40 "$out/build.log"; exit 1; }
source scripts/start-test-server.sh
start_test_server "$out"

cat > "$out/help.html" <<'HTML'
<html><body><h1>Cell Styles</h1>
<p>Select the <b>cell range</b>. Then press <i>OK</i>.</p>
<ul><li>Open the <a href="https://help.libreoffice.org/">dialog</a> to choose a style.</li><li>Apply the style.</li></ul>
<table><tr><td>Name</td><td>Default</td></tr></table></body></html>
HTML
export HOME=$PWD/$out   # soffice keeps its profile here
soffice --headless --convert-to odt --outdir "$out" "$out/help.html" > /dev/null 2>&1
soffice --headless --convert-to 'docx:MS Word 2007 XML' --outdir "$out" "$out/help.html" > /dev/null 2>&1
printf 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n#, c-format\nmsgid "Cannot open file %%s."\nmsgstr ""\n\nmsgid "Select the cell range."\nmsgstr ""\n' > "$out/ui.po"
printf '1\n00:00:01,000 --> 00:00:04,000\nSelect the\ncell range.\n\n2\n00:00:05,000 --> 00:00:08,000\nThen press OK.\n' > "$out/clip.srt"

failures=0
check() {  # NAME CONDITION...
    local name=$1; shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; failures=$((failures + 1)); fi
}
translate() {  # FILE → prints the downloaded file's path
    local file=$1 answer link
    answer=$(curl -s -F "file=@$file" -F source=auto -F target=zh "${url}translate_file")
    link=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("translatedFileUrl", ""))' "$answer")
    [ -n "$link" ] || { echo "no translatedFileUrl for $file: $answer" >&2; return 1; }
    curl -s -o "$file.zh" "$link"
    echo "$file.zh"
}
han() { grep -qP '[\x{4e00}-\x{9fff}]' "$1"; }

for kind in odt docx; do
    source_file="$out/help.$kind"
    translated=$(translate "$source_file")
    mkdir -p "$out/$kind-before" "$out/$kind-after"
    soffice --headless --convert-to txt:Text --outdir "$out/$kind-before" "$source_file" > /dev/null 2>&1
    cp "$translated" "$out/translated.$kind"
    soffice --headless --convert-to txt:Text --outdir "$out/$kind-after" "$out/translated.$kind" > /dev/null 2>&1
    before="$out/$kind-before/help.txt"
    after="$out/$kind-after/translated.txt"
    check "$kind: LibreOffice opens the translation" test -s "$after"
    check "$kind: same number of paragraphs" test "$(wc -l < "$before")" -eq "$(wc -l < "$after" 2>/dev/null || echo -1)"
    check "$kind: Chinese text" han "$after"
    check "$kind: no English sentence left" bash -c "! grep -q -e 'Select the' -e 'Apply the style' '$after'"
done

po=$(translate "$out/ui.po")
check "po: msgfmt -c accepts it" bash -c "msgfmt -c -o /dev/null '$po' 2> '$out/msgfmt.log'"
check "po: every entry translated" bash -c "[ \$(msgattrib --untranslated '$po' | grep -c '^msgid \"[^\"]') -eq 0 ]"
check "po: c-format flag kept" grep -q 'c-format' "$po"
srt=$(translate "$out/clip.srt")
check "srt: cues and timings kept" bash -c "grep -c -- '-->' '$srt' | grep -qx 2 && grep -qx '2' '$srt'"
check "srt: Chinese text" han "$srt"

kill -TERM $server
wait $server || true
if [ $failures -gt 0 ]; then echo "office files: $failures check(s) failed"; exit 1; fi
echo "office files: all checks passed"
