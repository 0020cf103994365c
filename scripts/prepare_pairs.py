#!/usr/bin/python3
"""English ↔ LANGUAGE pairs from LibreOffice's help and UI catalogues, cleaned and split by page.

Run by scripts/prepare-pairs.sh, which fetches and unpacks the Debian packages. Usage:

    prepare_pairs.py --sources DIR --output DIR --cld2 PROGRAM LANGUAGE...

For each LANGUAGE (Debian's package suffix: de, es, pt-br, zh-cn, ...) writes
OUTPUT/en-CODE-lo/{train,dev,test}.{en,CODE}, the same with `.source` (help or ui, one per line),
and report.md: every cleaning step with the pairs it removed, and the pairs of each split.
"""
import argparse
import collections
import hashlib
import os
import re
import statistics
import subprocess
import sys

import polib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prepare_corpora import help_paragraphs  # noqa: E402  (the paragraph reader the lohelp corpus uses)

SPACES = re.compile(r"\s+")
LETTER = re.compile(r"[^\W\d_]")
# Placeholders and tags as LibreOffice's strings carry them: the two sides must hold the same.
PLACEHOLDER = re.compile(r"%[0-9]+|%[A-Z][A-Z_]+[A-Z]|\$\([A-Za-z0-9_]+\)|\{[A-Za-z0-9_]+\}|%[sd]|<[^<>]{1,80}>|\$[A-Z][A-Z_]+\$")
ACCELERATOR_SUFFIX = re.compile(r"\s*\(~[^\s)]\)")
SCRIPTS = {
    "zh": re.compile(r"[\u3400-\u9fff\uf900-\ufaff]"),
    "ja": re.compile(r"[\u3040-\u30ff\u3400-\u9fff]"),
    "ko": re.compile(r"[\uac00-\ud7af]"),
    "ru": re.compile(r"[\u0400-\u04ff]"), "uk": re.compile(r"[\u0400-\u04ff]"), "bg": re.compile(r"[\u0400-\u04ff]"),
    "el": re.compile(r"[\u0370-\u03ff]"), "hi": re.compile(r"[\u0900-\u097f]"), "km": re.compile(r"[\u1780-\u17ff]"),
}
# Share of help pages and UI catalogues held out, each for dev and for test.
HELD_OUT = 0.04
MAX_TOKENS = 80


def code_of(language):
    """Debian's suffix (pt-br, zh-cn) → the model's language code (pt, zh)."""
    return language.split("-")[0]


def help_folder(language):
    """Debian's suffix → the help folder name (pt-br → pt-BR, zh-cn → zh-CN)."""
    parts = language.split("-")
    return parts[0] + ("-" + parts[1].upper() if len(parts) > 1 else "")


def resource_folder(language):
    parts = language.split("-")
    return parts[0] + ("_" + parts[1].upper() if len(parts) > 1 else "")


def clean(text):
    return SPACES.sub(" ", text).strip()


def tokens(text, code):
    """Words, or for languages written without spaces, characters / 2 plus the other words."""
    if code in ("zh", "ja"):
        letters = len(SCRIPTS[code].findall(text))
        return letters / 2 + len(SCRIPTS[code].sub(" ", text).split())
    return len(text.split())


def help_pairs(sources, language):
    """(page, English, translation) for every paragraph id both languages have."""
    root = os.path.join(sources, "root/usr/share/libreoffice/help")
    english_root, other_root = os.path.join(root, "en-US"), os.path.join(root, help_folder(language))
    if not os.path.isdir(other_root):
        return []
    pairs = []
    for folder, _, files in sorted(os.walk(english_root)):
        for name in sorted(files):
            if not name.endswith(".html"):
                continue
            english_file = os.path.join(folder, name)
            page = os.path.relpath(english_file, english_root)
            other_file = os.path.join(other_root, page)
            if not os.path.exists(other_file):
                continue
            english, other = help_paragraphs(english_file), help_paragraphs(other_file)
            for pid, text in english.items():
                if pid in other:
                    pairs.append(("help/" + page, text, other[pid]))
    return pairs


def ui_pairs(sources, language):
    """(catalogue, English, translation) of every translated UI string; a plural entry gives its
    singular and its plural (the first two forms)."""
    folder = os.path.join(sources, "root/usr/lib/libreoffice/program/resource", resource_folder(language), "LC_MESSAGES")
    if not os.path.isdir(folder):
        return []
    pairs = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".mo"):
            continue
        for entry in polib.mofile(os.path.join(folder, name)):
            unit = "ui/" + name[:-3]
            if entry.msgid_plural:
                forms = [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
                pairs.append((unit, entry.msgid, forms[0] if forms else ""))
                if len(forms) > 1:
                    pairs.append((unit, entry.msgid_plural, forms[1]))
            else:
                pairs.append((unit, entry.msgid, entry.msgstr))
    return pairs


def normalise_ui(text):
    """LibreOffice's accelerator marks go (`~Open`, `打开(~O)`): a model learns words, not keys."""
    return ACCELERATOR_SUFFIX.sub("", text).replace("~", "")


def near_key(text):
    """Two segments that differ only in case, digits, punctuation or spaces are near duplicates."""
    return re.sub(r"[\W_]+", "", re.sub(r"\d+", "0", text.lower()))


def assign_splits(rows):
    """help page or UI catalogue → test, dev or train. Units are taken in the order of a hash of
    their names (stable across runs and languages) into test until it holds HELD_OUT of the pairs
    of their kind, then into dev likewise; the rest train. Help and UI are held out separately, so
    that both kinds are tested even though the UI has only a few dozen catalogues."""
    split = {}
    for kind in ("help", "ui"):
        sizes = collections.Counter(r[0] for r in rows if r[3] == kind)
        total = sum(sizes.values())
        held = {"test": 0, "dev": 0}
        for unit in sorted(sizes, key=lambda u: hashlib.sha256(u.encode()).hexdigest()):
            target = next((name for name in ("test", "dev") if held[name] < HELD_OUT * total), "train")
            split[unit] = target
            if target != "train":
                held[target] += sizes[unit]
    return split


def languages_of(texts, program):
    """CLD2's (language, reliable) per text."""
    result = subprocess.run([program], input="\n".join(t.replace("\n", " ") for t in texts) + "\n",
                            capture_output=True, text=True, check=True)
    rows = [line.split("\t") for line in result.stdout.split("\n")[:-1]]
    return [(code, flag == "1") for code, flag in rows]


def build(sources, language, output, program):
    code = code_of(language)
    counts = collections.OrderedDict()
    raw = [(unit, clean(en), clean(other), "help") for unit, en, other in help_pairs(sources, language)]
    raw += [(unit, clean(normalise_ui(en)), clean(normalise_ui(other)), "ui") for unit, en, other in ui_pairs(sources, language)]
    counts["read (help paragraphs + UI strings)"] = len(raw)
    if not raw:
        sys.exit(f"prepare_pairs: no help and no UI catalogues for '{language}' in {sources}")

    def step(name, keep):
        nonlocal raw
        before = len(raw)
        raw = [row for row in raw if keep(row)]
        counts[name] = before - len(raw)

    step("empty, or without a letter", lambda r: LETTER.search(r[1]) and LETTER.search(r[2]))
    step(f"longer than {MAX_TOKENS} tokens", lambda r: tokens(r[1], "en") <= MAX_TOKENS and tokens(r[2], code) <= MAX_TOKENS)
    step("untranslated: the same text on both sides", lambda r: r[1] != r[2])
    if code in SCRIPTS:
        step("untranslated: no letter of the language's script", lambda r: SCRIPTS[code].search(r[2]))
    else:
        # Latin-script languages: CLD2, where it is sure, must not call the translation English.
        found = languages_of([r[2] for r in raw], program)
        wrong = {i for i, (lang, reliable) in enumerate(found) if reliable and lang == "en" and code != "en"}
        raw = [row for i, row in enumerate(raw) if i not in wrong]
        counts["untranslated: CLD2 reliably reads English"] = len(wrong)
    step("placeholders or tags differ between the sides", lambda r: sorted(PLACEHOLDER.findall(r[1])) == sorted(PLACEHOLDER.findall(r[2])))
    ratios = [len(r[2]) / len(r[1]) for r in raw]
    median = statistics.median(ratios)
    step(f"length ratio over 3× from the median ({median:.2f})",
         lambda r: median / 3 <= len(r[2]) / len(r[1]) <= median * 3 or len(r[1]) < 12)
    seen = set()

    def first_pair(row):
        key = (row[1], row[2])
        if key in seen:
            return False
        seen.add(key)
        return True
    step("exact duplicates", first_pair)

    # Splits by page and catalogue; then no English segment of dev or test may occur in train
    # (near duplicates included), and each English segment once per split.
    splits = collections.defaultdict(list)
    unit_split = assign_splits(raw)
    for row in raw:
        splits[unit_split[row[0]]].append(row)
    held = {near_key(r[1]) for name in ("dev", "test") for r in splits[name]}
    before = sum(len(rows) for rows in splits.values())
    splits["train"] = [r for r in splits["train"] if near_key(r[1]) not in held]
    # The test side wins over dev.
    test_keys = {near_key(r[1]) for r in splits["test"]}
    splits["dev"] = [r for r in splits["dev"] if near_key(r[1]) not in test_keys]
    for name in ("train", "dev", "test"):
        kept, keys = [], set()
        for row in splits[name]:
            if near_key(row[1]) not in keys:
                keys.add(near_key(row[1]))
                kept.append(row)
        splits[name] = kept
    counts["near duplicates of an English segment (in a split, or of dev/test in train)"] = before - sum(len(r) for r in splits.values())

    folder = os.path.join(output, f"en-{code}-lo")
    os.makedirs(folder, exist_ok=True)
    for name, rows in splits.items():
        for suffix, index in (("en", 1), (code, 2), ("source", 3)):
            with open(os.path.join(folder, f"{name}.{suffix}"), "w", encoding="utf-8") as f:
                for row in rows:
                    f.write(row[index] + "\n")
    with open(os.path.join(folder, "report.md"), "w", encoding="utf-8") as f:
        f.write(f"# en-{code}-lo: LibreOffice 7.4 help and UI, English ↔ {language}\n\n")
        f.write("Built by `scripts/prepare-pairs.sh " + language + "`.\n\n| step | pairs |\n|---|---|\n")
        for name, value in counts.items():
            f.write(f"| {name} | {value:,} |\n")
        f.write("\n| split | help pages / UI catalogues | help pairs | UI pairs | all |\n|---|---|---|---|---|\n")
        for name in ("train", "dev", "test"):
            rows = splits[name]
            units = {r[0] for r in rows}
            pages = sum(1 for u in units if u.startswith("help/"))
            help_count = sum(1 for r in rows if r[3] == "help")
            f.write(f"| {name} | {pages} / {len(units) - pages} | {help_count:,} | {len(rows) - help_count:,} | {len(rows):,} |\n")
    print(f"{folder}: train {len(splits['train']):,} / dev {len(splits['dev']):,} / test {len(splits['test']):,} pairs (report.md)",
          file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--cld2", required=True, help="scripts/cld2_lines.cpp, compiled")
    parser.add_argument("languages", nargs="+")
    args = parser.parse_args()
    for language in args.languages:
        build(args.sources, language, args.output, args.cld2)


if __name__ == "__main__":
    main()
