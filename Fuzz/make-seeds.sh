#!/usr/bin/env bash
# Writes the seed corpora of the fuzz targets (Fuzz/Corpus/TARGET), run once and committed:
# a tiny model trained for a few steps (its model files, checkpoint, vocabularies, merges and
# manifest, a few KB each so that libFuzzer can mutate them whole), slices of the shipped
# vocabularies and merges, hand-written shortlists and config files, and lines of every corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-if-needed.sh fanyi-train
work=$(mktemp -d /tmp/fanyi-seeds-XXXXXX)
trap 'rm -rf "$work"' EXIT
seeds=Fuzz/Corpus
rm -rf "$seeds" && mkdir -p "$seeds"/{model-file,checkpoint,vocabulary,merges,manifest,shortlist,config,tokenizer,markup,glossary,document,form,po,office}

head -24 corpora/en-zh-lohelp/train.en > "$work/train.en"
head -24 corpora/en-zh-lohelp/train.zh > "$work/train.zh"
.build/release/fanyi-train --train "$work/train" --source-lang en --target-lang zh --merges 20 --output "$work/run" \
    --embedding-size 4 --encoder-hidden-size 2 --decoder-hidden-size 4 --batch-size 8 --train-steps 2 \
    --checkpoint-steps 2 --threads 1 --quiet > /dev/null 2>&1

cp "$work/run/checkpoint-"*.safetensors "$seeds/checkpoint/tiny.safetensors"
cp "$work/run/model.safetensors" "$seeds/model-file/tiny-f32.safetensors"
.build/release/fanyi-train export "$work/run/model.safetensors" --storage F16 --output "$seeds/model-file/tiny-f16.safetensors" \
    --shortlist "$work/train" --shortlist-size 3 --shortlist-frequent 5 > /dev/null 2>&1
# The same model with a confidence calibration in its metadata (what fanyi-train calibrate adds).
python3 - "$seeds/model-file/tiny-f32.safetensors" "$seeds/model-file/tiny-calibrated.safetensors" <<'PY'
import json, struct, sys
source, target = sys.argv[1:]
b = open(source, "rb").read()
n = struct.unpack("<Q", b[:8])[0]
header = json.loads(b[8:8 + n])
header["__metadata__"]["confidence.calibration"] = json.dumps(
    {"metric": "chrF2", "threshold": 50, "sentences": 4, "points": [[0.2, 0.1], [0.5, 0.5], [0.9, 0.9]]})
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)
open(target, "wb").write(struct.pack("<Q", len(text)) + text + b[8 + n:])
PY
for file in "$work"/run/vocab.*.vocab; do cp "$file" "$seeds/vocabulary/tiny-$(basename "$file")"; done
for file in "$work"/run/vocab.*.bpe; do cp "$file" "$seeds/merges/tiny-$(basename "$file")"; done
for file in "$work"/run/vocab.json vocab/*.json; do cp "$file" "$seeds/manifest/$(basename "$file")"; done
for file in vocab/*.vocab; do head -40 "$file" > "$seeds/vocabulary/$(basename "$file")"; done
for file in vocab/*.bpe; do head -40 "$file" > "$seeds/merges/$(basename "$file")"; done

printf 'fanyi-shortlist 1\nfrequent 3 sources 40\n' > "$seeds/shortlist/empty-rows"
for i in $(seq 40); do echo; done | head -c 39 >> "$seeds/shortlist/empty-rows"
{ printf 'fanyi-shortlist 1\nfrequent 5 sources 40'; for i in $(seq 0 39); do printf '\n%d %d' $((i % 50)) $(((i * 7) % 50)); done; } \
    > "$seeds/shortlist/two-per-source"

cat > "$seeds/config/full.yaml" <<'YAML'
train: [corpora/en-zh-lohelp/train]
valid: corpora/en-zh-lohelp/dev
source-lang: en
target-lang: zh
vocab: vocab/en-zh-lohelp.json
output: runs/en-zh
embedding-size: 256
encoder-layers: 2
decoder-hidden-size: 512
dropout: 0.3
learning-rate: 0.002
batch-type: tokens
decay: plateau
train-steps: 3000
max-time: 1800.5
storage: F16
YAML
printf 'train: corpora/en-es-bible/train\nsource-lang: en\ntarget-lang: es\nlearning_rate: 0.1\n' > "$seeds/config/slip.yaml"
printf -- '- a\n- b\n' > "$seeds/config/list.yaml"

for corpus in corpora/*/; do
    for file in "$corpus"test.*; do
        sed -n '1p;17p;250p' "$file" > "$seeds/tokenizer/$(basename "$corpus")-$(basename "$file")"
    done
done
printf '  two  spaces\tand a tab\u3000ideographic space, "quotes" — ﬁ ligature, ＡＢＣ, İstanbul ΣΑΣ.\n' > "$seeds/tokenizer/whitespace"
printf 'Dr. Smith arrived. Then he left! 他来了。她走了？\n\nNew paragraph.' > "$seeds/tokenizer/sentences"
printf '\xff\xfe bad \xc3 UTF-8 ⟪20⟫ ￭ joiner' > "$seeds/tokenizer/invalid"
printf 'en\tzh\n# UI terms\ncell range\t单元格区域\nCell\t单元格\r\nLibreOffice\tLibreOffice\nOK\t确定\n' > "$seeds/glossary/terms.tsv"
printf '单元格\tcell\nSheet\t工作表\nno tab\n' > "$seeds/glossary/bad-line.tsv"
# Markup: the first byte sets the target's length and alignment (see fuzz-markup).
printf '\x05Cannot open protocol file "%%s": %%s' > "$seeds/markup/printf"
printf '\x09%%1$d of %%(count)s in {0} ${var} $(ARG1) %%PRODUCTNAME #1 %%L1 %%%%' > "$seeds/markup/placeholders"
printf '\x0cSelect the <span class="emph">cell <b>range</b></span> and <a href="x>y">click</a><br/> &amp; &#160;' > "$seeds/markup/tags"
# Documents: the first byte's low bit picks HTML (0) or XML (1) (see fuzz-document).
printf '\x00<!DOCTYPE html><html><head><title>Help</title><script>var a = "<b>";</script></head><body><h1>Cells</h1><p>Select <b>Format</b> then <code>Ctrl+1</code>, <img src="a.png" alt="A cat"> &amp; <span translate="no">Calc</span>.</p><ul><li>One<ul><li>Two</li></ul></li></ul><pre> keep </pre></body></html>' > "$seeds/document/page.html"
printf '\x00Bare text <b>bold <i>both</b> unclosed <p>para<div>block</div> &nbsp;&lt; <!-- c -->' > "$seeds/document/fragment.html"
printf '\x01<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY p "LibreOffice">]><d xmlns:its="http://www.w3.org/2005/11/its"><t>Title</t><p>Choose <emph>&p; Calc</emph> &amp; <item its:translate="no">x</item><![CDATA[ raw <b> ]]><?pi x?></p><s xml:space="preserve">  two\n lines </s></d>' > "$seeds/document/help.xml"
printf '\x01<d><p>unclosed</d>' > "$seeds/document/malformed.xml"
# Form bodies: the first byte picks the Content-Type (0 URL-encoded, 1 multipart boundary "b", 2 none).
printf '\x00q=Select+the+cell%%20range.&source=en&target=zh&alternatives=2&confidence=true&q=two&glossary=%%7B%%22a%%22%%3A%%22b%%22%%7D' > "$seeds/form/urlencoded"
printf '\x01--b\r\nContent-Disposition: form-data; name="q"\r\n\r\nClick OK.\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nline\r\n--b--\r\n' > "$seeds/form/multipart"
printf '\x02{"q": "x", "source": "en"}' > "$seeds/form/json"
printf '\x1bSave ~As, _File, &Open, Op~en\\n\nnext line</i> <b> <!-- c -->' > "$seeds/markup/accelerators"
du -sh "$seeds"/* >&2

# gettext catalogues: a header with plural forms, flags, contexts, comments, plurals, obsolete entries.
printf '# Catalogue\nmsgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n#. note\n#: a.c:1\n#, c-format\nmsgctxt "X"\nmsgid "Open \\"%%s\\"."\nmsgstr ""\n\nmsgid "Done"\nmsgstr "Fertig"\n\nmsgid "%%d cell"\nmsgid_plural "%%d cells"\nmsgstr[0] ""\nmsgstr[1] ""\n\n#~ msgid "Old"\n#~ msgstr "Alt"\n' > "$seeds/po/catalogue.po"
printf 'msgid "a"\nmsgstr ""\n\nmsgid "b\n' > "$seeds/po/broken.po"
# Office files: byte 0 picks the kind (bit 0: odt or docx) and a whole package or one XML part (bit 1).
{ printf '\x00'; cat Tests/DocumentsTests/Fixtures/help.odt; } > "$seeds/office/help.odt"
{ printf '\x01'; cat Tests/DocumentsTests/Fixtures/help.docx; } > "$seeds/office/help.docx"
{ printf '\x02'; unzip -p Tests/DocumentsTests/Fixtures/help.odt content.xml; } > "$seeds/office/content.xml"
{ printf '\x03'; unzip -p Tests/DocumentsTests/Fixtures/help.docx word/document.xml; } > "$seeds/office/document.xml"
printf '\x02<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text><text:p>Select it.<text:note text:id="n1"><text:note-citation>1</text:note-citation><text:note-body><text:p>See <text:span>the</text:span> note.</text:p></text:note-body></text:note> Then <text:s/>press OK.</text:p></office:text></office:body></office:document-content>' > "$seeds/office/note.xml"
printf '\x03<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:pPr><w:jc w:val="left"/></w:pPr><w:r><w:t xml:space="preserve">Select the </w:t></w:r><w:hyperlink><w:r><w:rPr><w:b/></w:rPr><w:t>cell</w:t><w:tab/></w:r></w:hyperlink><w:bookmarkStart w:id="0"/><w:r><w:drawing><w:txbxContent><w:p><w:r><w:t>Inside</w:t></w:r></w:p></w:txbxContent></w:drawing></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r></w:p></w:body></w:document>' > "$seeds/office/runs.xml"

