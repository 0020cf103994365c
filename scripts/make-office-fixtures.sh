#!/usr/bin/env bash
# Writes the .odt and .docx test fixtures with LibreOffice itself (libreoffice-writer-nogui), from
# one small HTML help page, so that the tests read files a real office suite made.
# Usage: scripts/make-office-fixtures.sh   (writes Tests/DocumentsTests/Fixtures/help.{odt,docx})
set -euo pipefail
cd "$(dirname "$0")/.."
out=Tests/DocumentsTests/Fixtures
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/help.html" <<'HTML'
<html><head><title>Cell Styles</title></head><body>
<h1>Cell Styles</h1>
<p>Select the <b>cell range</b>. Then press <i>OK</i>.</p>
<ul><li>Open the <a href="https://help.libreoffice.org/">dialog</a> to choose a style.</li><li>Apply the style.</li></ul>
<table><tr><td>Name</td><td>Default</td></tr></table>
</body></html>
HTML
soffice --headless --convert-to odt --outdir "$work" "$work/help.html" >/dev/null
soffice --headless --convert-to 'docx:MS Word 2007 XML' --outdir "$work" "$work/help.html" >/dev/null
cp "$work/help.odt" "$work/help.docx" "$out/"
ls -l "$out"
