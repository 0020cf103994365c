#!/usr/bin/env bash
# Writes a large English–Chinese training corpus for scale tests: N pairs drawn from the en-zh
# corpora under corpora/ (help texts and Bible verses), one in four recombined from two pairs
# (source after source, target after target) so that most pairs are new.
#   scripts/make-large-corpus.sh N PREFIX [SEED]    # writes PREFIX.en and PREFIX.zh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then echo "usage: scripts/make-large-corpus.sh N PREFIX [SEED]" >&2; exit 2; fi
count="$1" prefix="$2" seed="${3:-1}"
case "$count" in ''|*[!0-9]*) echo "make-large-corpus: N must be a positive number of pairs, got '$count'" >&2; exit 2 ;; esac
mkdir -p "$(dirname "$prefix")"
python3 - "$count" "$prefix" "$seed" <<'PY'
import random, sys
count, prefix, seed = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
pairs = []
for corpus in ("corpora/en-zh-lohelp/train", "corpora/en-zh-bible/train"):
    with open(corpus + ".en", encoding="utf-8") as en, open(corpus + ".zh", encoding="utf-8") as zh:
        pairs += [(s.rstrip("\n"), t.rstrip("\n")) for s, t in zip(en, zh)]
rng = random.Random(seed)
with open(prefix + ".en", "w", encoding="utf-8") as en, open(prefix + ".zh", "w", encoding="utf-8") as zh:
    for _ in range(count):
        s, t = rng.choice(pairs)
        if rng.random() < 0.25:
            s2, t2 = rng.choice(pairs)
            s, t = s + " " + s2, t + t2
        en.write(s + "\n")
        zh.write(t + "\n")
print(f"make-large-corpus: {count} pairs in {prefix}.en and {prefix}.zh", file=sys.stderr)
PY
