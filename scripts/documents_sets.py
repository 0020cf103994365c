#!/usr/bin/python3
"""Whole LibreOffice help pages as a test set for `fanyi-translate --format html`, and its checks.

Run by scripts/measure-documents.sh. Two commands:

    documents_sets.py build --sources DIR --output DIR [--pages N]
        DIR for --sources holds root/ (LibreOffice's en-US and zh-CN help unpacked with
        dpkg-deb -x). Picks N pages (fixed seed) among those with at least 3 paragraphs from
        corpora/en-zh-lohelp/test.en, and copies them to OUTPUT/pages/NNN.en.html; OUTPUT/pages.tsv
        lists them with their Chinese page.

    documents_sets.py check --output DIR
        Reads OUTPUT/pages/NNN.zh.html (the translations) and prints one line: pages, pages whose
        translation has the same elements in the same order with the same attributes (the
        attributes a reader sees, alt/title/placeholder/aria-label, aside), pages whose
        script/style/pre/code/kbd/samp/var text is unchanged, and scored paragraphs. Writes, one
        paragraph a line, the paragraphs of the test split found in the translated pages:
        paragraphs.en (source text, tags dropped), paragraphs.hyp (from the translated page),
        paragraphs.zh (LibreOffice's own Chinese page, the reference).

The checks use Python's html.parser, not libxml2, so the measurement does not grade the code
with itself.
"""
import argparse
import os
import random
import shutil
import sys
from html.parser import HTMLParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prepare_corpora import HAN, clean, help_pages, help_paragraphs  # noqa: E402

TRANSLATED_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label"}
KEPT = {"script", "style", "pre", "code", "kbd", "samp", "var"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Shape(HTMLParser):
    """The start tags of a page with their attributes, and the text of the elements kept as is."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.kept = []
        self.depth = 0  # inside how many kept elements

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, tuple(sorted((k, v) for k, v in attrs if k not in TRANSLATED_ATTRIBUTES))))
        if tag in KEPT and tag not in VOID:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in KEPT and self.depth > 0:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth > 0:
            self.kept.append(data)


def shape(path):
    parser = Shape()
    with open(path, encoding="utf-8") as f:
        parser.feed(f.read())
    parser.close()
    return parser.tags, clean("".join(parser.kept))


def build(args):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "corpora/en-zh-lohelp/test.en"), encoding="utf-8") as f:
        test = {line.strip() for line in f}
    candidates = []
    for english, chinese in help_pages(args.sources):
        paragraphs = help_paragraphs(english)
        if sum(clean(text) in test for text in paragraphs.values()) >= 3:
            candidates.append((english, chinese))
    chosen = sorted(random.Random(7).sample(candidates, min(args.pages, len(candidates))))
    pages = os.path.join(args.output, "pages")
    shutil.rmtree(pages, ignore_errors=True)
    os.makedirs(pages)
    with open(os.path.join(args.output, "pages.tsv"), "w", encoding="utf-8") as listing:
        for number, (english, chinese) in enumerate(chosen, 1):
            shutil.copyfile(english, os.path.join(pages, f"{number:03d}.en.html"))
            listing.write(f"{number:03d}\t{english}\t{chinese}\n")
    print(f"{len(chosen)} pages of {len(candidates)} candidates", file=sys.stderr)


def check(args):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "corpora/en-zh-lohelp/test.en"), encoding="utf-8") as f:
        test = {line.strip() for line in f}
    pages = same_shape = same_kept = 0
    sources, hypotheses, references = [], [], []
    with open(os.path.join(args.output, "pages.tsv"), encoding="utf-8") as listing:
        for line in listing:
            number, _, chinese = line.rstrip("\n").split("\t")
            source = os.path.join(args.output, "pages", f"{number}.en.html")
            output = os.path.join(args.output, "pages", f"{number}.zh.html")
            pages += 1
            if not os.path.exists(output):
                continue
            (source_tags, source_kept), (output_tags, output_kept) = shape(source), shape(output)
            same_shape += source_tags == output_tags
            same_kept += source_kept == output_kept
            english, translated, reference = help_paragraphs(source), help_paragraphs(output), help_paragraphs(chinese)
            for pid, text in english.items():
                text = clean(text)
                if text in test and pid in translated and pid in reference \
                        and HAN.search(reference[pid]) and clean(reference[pid]) != text:
                    sources.append(text)
                    hypotheses.append(clean(translated[pid]))
                    references.append(clean(reference[pid]))
    for name, lines in (("paragraphs.en", sources), ("paragraphs.hyp", hypotheses), ("paragraphs.zh", references)):
        with open(os.path.join(args.output, name), "w", encoding="utf-8") as f:
            f.writelines(text + "\n" for text in lines)
    print(pages, same_shape, same_kept, len(sources))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build")
    build_parser.add_argument("--sources", required=True)
    build_parser.add_argument("--output", required=True)
    build_parser.add_argument("--pages", type=int, default=40)
    check_parser = commands.add_parser("check")
    check_parser.add_argument("--output", required=True)
    args = parser.parse_args()
    build(args) if args.command == "build" else check(args)


if __name__ == "__main__":
    main()
