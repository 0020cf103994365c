#!/usr/bin/python3
"""Test sets of software strings with placeholders, tags and accelerators, and their checks.

Run by scripts/measure-markup.sh. Two commands:

    markup_sets.py build --sources DIR --output DIR
        DIR for --sources holds root/ (LibreOffice's l10n and help packages unpacked with
        dpkg-deb -x). Writes, each as NAME.en and NAME.zh (one string a line, line breaks
        inside a string written \\n as in a PO file):
          ui-placeholders   UI strings holding a placeholder or a tag (every distinct msgid)
          ui-accelerators   600 UI strings holding an accelerator and nothing else to protect
          help-tags         paragraphs of corpora/en-zh-lohelp/test.en that hold inline tags,
                            with their tags, as the help's HTML writes them

    markup_sets.py check SOURCE OUTPUT
        Prints the number of lines and of lines whose output holds exactly the source's
        placeholders, tags and entities (each as often) and its accelerator marks.

The check is written apart from Fanyi's own scanner (regular expressions here), so that the
measurement does not grade the code with itself.
"""
import argparse
import collections
import gettext
import glob
import html
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prepare_corpora import HelpParagraphs, clean, help_pages  # noqa: E402

SPANS = re.compile(
    r"%%|%\([^)\s]+\)[-+#0']*\d*(?:\.\d+)?[hlLqjzt]*[diouxXeEfFgGaAcspn]"
    r"|%[A-Z][A-Z0-9_]+"
    r"|%(?:\d+\$)?[-+#0']*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?:hh|ll|[hlLqjzt])?[diouxXeEfFgGaAcspn]"
    r"|%L?\d+"
    r"|\{[\w.]*(?:[,:!][^{}\n]*)?\}"
    r"|\$\{[\w.-]+\}|\$\([\w.-]+\)"
    r"|(?<![A-Za-z0-9_])#\d+(?![A-Za-z0-9_])"
    r"|<!--.*?-->|</?[A-Za-z][\w:.-]*(?:\s[^<>]*)?/?>"
    r"|&(?:[A-Za-z][A-Za-z0-9]*|#\d+|#[xX][0-9A-Fa-f]+);"
    r"|\\[nrt]"
)
ACCELERATOR = re.compile(r"~(?=[^\W_])|(?<![\w&])[_&](?=[^\W\d_])")


def spans(text):
    return collections.Counter(SPANS.findall(text))


def marks(text):
    """Accelerator marks: counted outside the spans (a `_` inside `%(a_b)s` is not one)."""
    return collections.Counter(m for m in ACCELERATOR.findall(SPANS.sub(" ", text)))


def raw_marks(text):
    return collections.Counter(c for c in SPANS.sub(" ", text) if c in "~_&")


def holds_exactly(source, output):
    """The same spans, each as often; of each accelerator mark, one per accelerator at least and no
    more than the source has in all (the same character as text, as in "R&D", may go)."""
    wanted = marks(source)
    found = raw_marks(output)
    return spans(source) == spans(output) and all(wanted[m] <= found[m] <= raw_marks(source)[m] for m in wanted)


# MARK: - UI strings

def ui_strings(sources):
    """(msgid, msgstr) of every LibreOffice zh_CN UI catalogue, one per distinct msgid."""
    seen = {}
    pattern = os.path.join(sources, "root/usr/lib/libreoffice/program/resource/zh_CN/LC_MESSAGES/*.mo")
    for path in sorted(glob.glob(pattern)):
        with open(path, "rb") as f:
            catalog = gettext.GNUTranslations(f)._catalog
        for key, value in sorted(catalog.items(), key=lambda kv: str(kv[0])):
            if not isinstance(key, str) or not key or not isinstance(value, str) or not value.strip():
                continue
            msgid = key.split("\x04")[-1]  # drop the context
            if msgid not in seen and msgid != value:
                seen[msgid] = value
    return list(seen.items())


def escape_lines(text):
    return text.replace("\\", "\\\\").replace("\n", "\\n") if "\n" in text else text


# MARK: - Help paragraphs with their tags

class TaggedParagraphs(HelpParagraphs):
    """HelpParagraphs that also keeps each paragraph's inline markup."""

    def __init__(self):
        super().__init__()
        self.raw = {}
        self.open_raw = []

    def handle_starttag(self, tag, attrs):
        depth = len(self.open)
        parent_suppressed = bool(self.stack and self.stack[-1][1])
        super().handle_starttag(tag, attrs)
        suppressed = parent_suppressed if tag in self.VOID else self.stack[-1][1]
        if not suppressed and self.open_raw and len(self.open) == depth:
            text = self.get_starttag_text()
            for raw in self.open_raw:
                raw.append(text)
        if len(self.open) > depth:
            self.open_raw.append([])

    def handle_endtag(self, tag):
        collected = [pid for pid, _ in self.open]
        suppressed = bool(self.stack and self.stack[-1][1])
        if tag not in self.VOID and not suppressed:
            for raw in self.open_raw:
                raw.append(f"</{tag}>")
        super().handle_endtag(tag)
        while len(self.open_raw) > len(self.open):
            raw = self.open_raw.pop()
            pid = collected[len(self.open_raw)]
            # The block's own closing tag was appended above: drop it.
            self.raw.setdefault(pid, "".join(raw[:-1]) if raw and raw[-1] == f"</{tag}>" else "".join(raw))

    def handle_data(self, data):
        if not (self.stack and self.stack[-1][1]):
            for raw in self.open_raw:
                raw.append(html.escape(data, quote=False))
        super().handle_data(data)


def tagged_help(sources, test_en, test_zh):
    wanted = set(zip(test_en, test_zh))
    found = {}
    for english_file, chinese_file in help_pages(sources):
        english, chinese = TaggedParagraphs(), TaggedParagraphs()
        with open(english_file, encoding="utf-8") as f:
            english.feed(f.read())
        with open(chinese_file, encoding="utf-8") as f:
            chinese.feed(f.read())
        for pid, text in english.paragraphs.items():
            pair = (clean(text), clean(chinese.paragraphs.get(pid, "")))
            if pair in wanted and pair not in found and pid in english.raw and pid in chinese.raw:
                found[pair] = (clean(english.raw[pid]), clean(chinese.raw[pid]))
    return [found[pair] for pair in zip(test_en, test_zh) if pair in found and "<" in found[pair][0]]


# MARK: - Commands

def build(args):
    os.makedirs(args.output, exist_ok=True)
    strings = ui_strings(args.sources)
    placeholders = [(s, t) for s, t in strings if spans(s)]
    accelerators = [(s, t) for s, t in strings if not spans(s) and marks(s)]
    random.Random(1234).shuffle(accelerators)
    with open(os.path.join(args.corpus, "test.en"), encoding="utf-8") as f:
        test_en = f.read().splitlines()
    with open(os.path.join(args.corpus, "test.zh"), encoding="utf-8") as f:
        test_zh = f.read().splitlines()
    sets = {
        "ui-placeholders": placeholders,
        "ui-accelerators": accelerators[:600],
        "help-tags": tagged_help(args.sources, test_en, test_zh),
    }
    for name, pairs in sets.items():
        for side, index in (("en", 0), ("zh", 1)):
            with open(os.path.join(args.output, f"{name}.{side}"), "w", encoding="utf-8") as f:
                f.writelines(escape_lines(pair[index]) + "\n" for pair in pairs)
        print(f"{name}: {len(pairs)} strings", file=sys.stderr)


def check(args):
    with open(args.source, encoding="utf-8") as f:
        sources = f.read().splitlines()
    with open(args.output, encoding="utf-8") as f:
        outputs = f.read().splitlines()
    if len(sources) != len(outputs):
        sys.exit(f"markup_sets: {args.source} has {len(sources)} lines, {args.output} {len(outputs)}")
    exact = sum(holds_exactly(s, o) for s, o in zip(sources, outputs))
    print(f"{len(sources)} {exact}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    b = commands.add_parser("build")
    b.add_argument("--sources", required=True)
    b.add_argument("--output", required=True)
    b.add_argument("--corpus", default="corpora/en-zh-lohelp")
    c = commands.add_parser("check")
    c.add_argument("source")
    c.add_argument("output")
    args = parser.parse_args()
    build(args) if args.command == "build" else check(args)


if __name__ == "__main__":
    main()
