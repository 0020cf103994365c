#!/usr/bin/python3
"""Test sets for language identification, from LibreOffice's own translations.

Run by scripts/measure-detection.sh:

    detection_sets.py --sources DIR --output DIR [--count N]

DIR for --sources holds root/ (LibreOffice's l10n and help packages unpacked with dpkg-deb -x).
Writes OUTPUT/short.tsv and OUTPUT/sentences.tsv, lines of `language<TAB>text`:
  short       UI strings of 1 to 5 words (the catalogues' msgstr; msgid for English), with
              accelerators, placeholders and tags taken out, N per language
  sentences   help paragraphs of 8 to 60 words (Chinese and Japanese: 20 to 150 characters), N per
              language
Strings a language leaves as the English ones are skipped, and so are those whose letters are
mostly not of the language's script (code, names); each text is taken once.
"""
import argparse
import glob
import gettext
import os
import random
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from prepare_corpora import clean, help_paragraphs  # noqa: E402

# Language code → the folder names LibreOffice uses for it (UI catalogues, help).
LANGUAGES = {
    "en": ("en_US", "en-US"), "zh": ("zh_CN", "zh-CN"), "es": ("es", "es"), "de": ("de", "de"),
    "fr": ("fr", "fr"), "it": ("it", "it"), "ja": ("ja", "ja"), "ru": ("ru", "ru"),
}
MARKUP = re.compile(r"<[^>]*>|%[A-Za-z0-9_$.]+|\$\([A-Z0-9_]+\)|\{[^}]*\}|&[a-z]+;|\\n|[~_&](?=\w)")
UNSPACED = {"zh", "ja"}


# The script each language is written in, by Unicode ranges (Latin includes its accented letters).
SCRIPTS = {
    "zh": [(0x4E00, 0x9FFF), (0x3400, 0x4DBF)], "ja": [(0x3040, 0x30FF), (0x4E00, 0x9FFF)],
    "ru": [(0x0400, 0x04FF)],
}
LATIN = [(0x41, 0x5A), (0x61, 0x7A), (0xC0, 0x24F)]


def in_script(text, language, share=0.7):
    """Whether most of the letters of text are of the language's script (not code, not English)."""
    letters = [c for c in text if c.isalpha()]
    ranges = SCRIPTS.get(language, LATIN)
    inside = sum(any(low <= ord(c) <= high for low, high in ranges) for c in letters)
    return bool(letters) and inside >= share * len(letters)


def plain(text):
    return clean(MARKUP.sub(" ", text).replace("~", ""))


def words(text, language):
    return len(text) if language in UNSPACED else len(text.split())


def catalogue_strings(root, folder):
    """(msgid, msgstr) of every UI catalogue of one language."""
    pairs = []
    for path in sorted(glob.glob(os.path.join(root, "usr/lib/libreoffice/program/resource", folder, "LC_MESSAGES", "*.mo"))):
        with open(path, "rb") as f:
            catalog = gettext.GNUTranslations(f)
        for msgid, msgstr in catalog._catalog.items():
            if isinstance(msgid, str) and msgid and isinstance(msgstr, str):
                pairs.append((msgid.split("\x04")[-1], msgstr))
    return pairs


def english_strings(root):
    """English UI strings: the msgids of the Chinese catalogues."""
    return [msgid for msgid, _ in catalogue_strings(root, "zh_CN")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    root = os.path.join(args.sources, "root")
    english_ui = {plain(s) for s in english_strings(root)}
    os.makedirs(args.output, exist_ok=True)
    short, sentences = [], []
    english_paragraphs = set()
    for language, (ui_folder, help_folder) in LANGUAGES.items():
        rng = random.Random(11)
        if language == "en":
            ui = sorted(english_ui)
        else:
            ui = sorted({plain(msgstr) for _, msgstr in catalogue_strings(root, ui_folder)} - english_ui)
        ui = [s for s in ui if 1 <= len(s.split()) <= 5 and in_script(s, language)
              and (language not in UNSPACED or len(s) <= 12)]
        short += [(language, s) for s in rng.sample(ui, min(args.count, len(ui)))]

        help_root = os.path.join(root, "usr/share/libreoffice/help", help_folder, "text")
        paragraphs = set()
        for path in sorted(glob.glob(os.path.join(help_root, "**", "*.html"), recursive=True)):
            for text in help_paragraphs(path).values():
                text = plain(text)
                lower, upper = (20, 150) if language in UNSPACED else (8, 60)
                if lower <= words(text, language) <= upper and in_script(text, language):
                    paragraphs.add(text)
        # Paragraphs left in English in another language's help (English comes first).
        if language == "en":
            english_paragraphs = set(paragraphs)
        else:
            paragraphs -= english_paragraphs
        pool = sorted(paragraphs)
        sentences += [(language, s) for s in rng.sample(pool, min(args.count, len(pool)))]
        print(f"{language}: {len(ui)} short strings, {len(pool)} paragraphs", file=sys.stderr)
    for name, rows in (("short", short), ("sentences", sentences)):
        with open(os.path.join(args.output, f"{name}.tsv"), "w", encoding="utf-8") as f:
            f.writelines(f"{language}\t{text}\n" for language, text in rows)


if __name__ == "__main__":
    main()
