#!/usr/bin/python3
"""A glossary of LibreOffice's own terminology and the test lines it applies to; term accuracy.

Run by scripts/measure-glossary.sh. Two commands:

    glossary_sets.py build --sources DIR --corpus corpora/en-zh-lohelp --output DIR
        DIR for --sources holds root/ with LibreOffice's zh_CN UI catalogues unpacked (as for
        markup_sets.py). The glossary: UI strings of one to three words and their translations
        (accelerators taken out), kept where the term occurs at least 5 times in the corpus's
        TRAINING split and the Chinese side of at least 80 % of those lines holds the translation,
        so that it is the terminology the help itself uses (the test split plays no part in
        choosing terms). Writes glossary.tsv, and test.en / test.zh: the test lines holding a term.

    glossary_sets.py check GLOSSARY SOURCE OUTPUT
        Prints occurrences of terms in SOURCE and how many OUTPUT keeps: a line keeps a term's
        occurrences when its output holds the term's translation at least as often.

Terms are matched as Fanyi states it: whole words, ignoring case, longest first, no overlap
(written here with regular expressions, apart from Fanyi's matcher).
"""
import argparse
import collections
import gettext
import glob
import os
import re
import sys

ACCELERATOR = re.compile(r"\(~.\)|\(_.\)|~|_")
WORDS = re.compile(r"^[A-Za-z][A-Za-z-]*( [A-Za-z][A-Za-z-]*){0,2}$")


def read_lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


def load_glossary(path):
    terms = []
    for line in read_lines(path):
        if not line or line.startswith("#"):
            continue
        source, target = line.split("\t")
        if source in ("en",) and target in ("zh",):
            continue
        terms.append((source, target))
    return terms


def matcher(terms):
    """One regex for all terms: longest first, whole words, ignoring case."""
    ordered = sorted(terms, key=lambda t: -len(t[0]))
    pattern = "|".join(r"(?<![\w])" + re.escape(s) + r"(?![\w])" for s, _ in ordered)
    lookup = {s.lower(): t for s, t in terms}
    return re.compile(pattern, re.IGNORECASE), lookup


def occurrences(line, regex, lookup):
    return collections.Counter(lookup[m.group(0).lower()] for m in regex.finditer(line))


def ui_terms(sources):
    pattern = os.path.join(sources, "root/usr/lib/libreoffice/program/resource/zh_CN/LC_MESSAGES/*.mo")
    found = collections.defaultdict(collections.Counter)
    for path in sorted(glob.glob(pattern)):
        with open(path, "rb") as f:
            catalog = gettext.GNUTranslations(f)._catalog
        for key, value in catalog.items():
            if not isinstance(key, str) or not isinstance(value, str):
                continue
            source = ACCELERATOR.sub("", key.split("\x04")[-1]).strip()
            target = ACCELERATOR.sub("", value).strip()
            if WORDS.match(source) and target and re.search(r"[\u4e00-\u9fff]", target) and " " not in target:
                found[source.lower()][(source, target)] += 1
    # The most frequent translation of each term (case of its most frequent spelling).
    return [max(c.items(), key=lambda kv: kv[1])[0] for c in found.values()]


def build(args):
    candidates = ui_terms(args.sources)
    train_en = read_lines(os.path.join(args.corpus, "train.en"))
    train_zh = read_lines(os.path.join(args.corpus, "train.zh"))
    glossary = []
    for source, target in candidates:
        regex = re.compile(r"(?<![\w])" + re.escape(source) + r"(?![\w])", re.IGNORECASE)
        lines = [zh for en, zh in zip(train_en, train_zh) if regex.search(en)]
        if len(lines) >= 5 and sum(target in zh for zh in lines) >= 0.8 * len(lines):
            glossary.append((source, target))
    glossary.sort(key=lambda t: t[0].lower())
    os.makedirs(args.output, exist_ok=True)
    with open(os.path.join(args.output, "glossary.tsv"), "w", encoding="utf-8") as f:
        f.write("en\tzh\n")
        f.writelines(f"{s}\t{t}\n" for s, t in glossary)
    regex, lookup = matcher(glossary)
    test_en = read_lines(os.path.join(args.corpus, "test.en"))
    test_zh = read_lines(os.path.join(args.corpus, "test.zh"))
    pairs = [(en, zh) for en, zh in zip(test_en, test_zh) if regex.search(en)]
    for name, index in (("test.en", 0), ("test.zh", 1)):
        with open(os.path.join(args.output, name), "w", encoding="utf-8") as f:
            f.writelines(pair[index] + "\n" for pair in pairs)
    print(f"glossary: {len(glossary)} terms; {len(pairs)} of {len(test_en)} test lines hold one", file=sys.stderr)


def check(args):
    regex, lookup = matcher(load_glossary(args.glossary))
    total = kept = 0
    for source, output in zip(read_lines(args.source), read_lines(args.output)):
        for target, count in occurrences(source, regex, lookup).items():
            total += count
            kept += min(count, output.count(target))
    print(f"{total} {kept}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    b = commands.add_parser("build")
    b.add_argument("--sources", required=True)
    b.add_argument("--corpus", default="corpora/en-zh-lohelp")
    b.add_argument("--output", required=True)
    c = commands.add_parser("check")
    c.add_argument("glossary")
    c.add_argument("source")
    c.add_argument("output")
    args = parser.parse_args()
    build(args) if args.command == "build" else check(args)


if __name__ == "__main__":
    main()
