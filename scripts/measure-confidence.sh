#!/usr/bin/env bash
# Whether translation confidence means something: on each shipped model's test set, the Spearman
# correlation between sentence confidence and sentence chrF, and BLEU/chrF of the 10 % of lines
# with the lowest confidence against the rest; then how well calibrated the confidence is: a copy
# of each model calibrated on the dev set (fanyi-train calibrate: the probability that sentence
# chrF ≥ 50), and on the test set the expected calibration error (10 equal bins) and Brier score
# of the raw and of the calibrated confidence, against whether sentence chrF reached 50.
#
#   scripts/measure-confidence.sh
#
# Translates corpora/en-zh-lohelp/test.{en,zh} with both shipped models (--output-format jsonl,
# release build) into .build/confidence and prints two Markdown tables.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
swift build -c release --product fanyi-translate >/dev/null
swift build -c release --product fanyi-score >/dev/null
swift build -c release --product fanyi-train >/dev/null
bin=.build/release
out=.build/confidence
mkdir -p "$out"

echo "| model | test lines | Spearman ρ (confidence, sentence chrF) | lowest 10 %: BLEU / chrF | other 90 %: BLEU / chrF |"
echo "|---|---|---|---|---|"
for direction in en-zh zh-en; do
    source=${direction%-*} target=${direction#*-}
    tokenize=13a
    [ "$target" = zh ] && tokenize=zh
    "$bin/fanyi-train" calibrate "models/$direction-lohelp.safetensors" --dev corpora/en-zh-lohelp/dev \
        --output "$out/$direction.calibrated.safetensors" > /dev/null 2> "$out/$direction.calibrate.log"
    "$bin/fanyi-translate" --model "$out/$direction.calibrated.safetensors" --output-format jsonl \
        < "corpora/en-zh-lohelp/test.$source" > "$out/$direction.jsonl"
    python3 - "$out" "$direction" "corpora/en-zh-lohelp/test.$target" <<'PY'
import json, sys
out, direction, reference = sys.argv[1:]
records = [json.loads(line) for line in open(f"{out}/{direction}.jsonl", encoding="utf-8")]
references = open(reference, encoding="utf-8").read().splitlines()
order = sorted(range(len(records)), key=lambda i: records[i]["confidence"])
low = set(order[: len(order) // 10])
with open(f"{out}/{direction}.hyp", "w", encoding="utf-8") as f:
    f.writelines(r["translation"] + "\n" for r in records)
with open(f"{out}/{direction}.confidence", "w") as f:
    f.writelines(f'{r["confidence"]}\n' for r in records)
for name, keep in (("low", lambda i: i in low), ("rest", lambda i: i not in low)):
    with open(f"{out}/{direction}.{name}.hyp", "w", encoding="utf-8") as h, open(f"{out}/{direction}.{name}.ref", "w", encoding="utf-8") as r:
        for i in range(len(records)):
            if keep(i):
                h.write(records[i]["translation"] + "\n")
                r.write(references[i] + "\n")
PY
    "$bin/fanyi-score" --reference "corpora/en-zh-lohelp/test.$target" --input "$out/$direction.hyp" --tokenize $tokenize \
        --metrics chrf --sentence-level --width 4 > "$out/$direction.chrf"
    rho=$(python3 - "$out/$direction.confidence" "$out/$direction.chrf" <<'PY'
import sys
def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    r = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2
        i = j + 1
    return r
a = [float(x) for x in open(sys.argv[1])]
b = [float(x) for x in open(sys.argv[2])]
ra, rb = ranks(a), ranks(b)
ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
var = (sum((x - ma) ** 2 for x in ra) * sum((y - mb) ** 2 for y in rb)) ** 0.5
print(f"{cov / var:.3f}")
PY
)
    scores() {
        "$bin/fanyi-score" --reference "$out/$direction.$1.ref" --input "$out/$direction.$1.hyp" --tokenize $tokenize --width 2 --json \
            | python3 -c 'import json,sys; print(" / ".join(str(e["score"]) for e in json.load(sys.stdin)))'
    }
    echo "| $direction-lohelp | $(wc -l < "$out/$direction.hyp") | $rho | $(scores low) | $(scores rest) |"
    python3 - "$out/$direction.jsonl" "$out/$direction.chrf" > "$out/$direction.calibration.md" <<'PY'
import json, sys
records = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
good = [float(x) >= 50 for x in open(sys.argv[2])]
def errors(predicted):
    bins = [[] for _ in range(10)]
    for p, g in zip(predicted, good):
        bins[min(int(p * 10), 9)].append((p, g))
    ece = sum(abs(sum(p for p, _ in b) - sum(g for _, g in b)) for b in bins if b) / len(good)
    brier = sum((p - g) ** 2 for p, g in zip(predicted, good)) / len(good)
    return f"{ece:.3f} | {brier:.3f}"
print(f"{len(good)} | {100 * sum(good) / len(good):.1f} % | {errors([r['confidence'] for r in records])} | "
      f"{errors([r['calibratedConfidence'] for r in records])}")
PY
done
echo
echo "| model | test lines | chrF ≥ 50 | raw: ECE | raw: Brier | calibrated on dev: ECE | calibrated: Brier |"
echo "|---|---|---|---|---|---|---|"
for direction in en-zh zh-en; do
    echo "| $direction-lohelp | $(cat "$out/$direction.calibration.md") |"
done
