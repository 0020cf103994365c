#!/usr/bin/env bash
# Training speed side by side with OpenNMT-py 3.5.1 (PyTorch CPU) on corpora/en-zh-lohelp: the same
# architecture (8.84 M parameters: embeddings 256, 2 bidirectional encoder layers of 128 a
# direction, 2 decoder layers of 256 with input feeding, `general` attention, dropout 0.2),
# Fanyi's own subwords and vocabularies, batches of 64 sentences, Adam at 0.002, clipping at 5,
# label smoothing 0.1, 2 threads, no validation. Runs alternate (OpenNMT-py, Fanyi, OpenNMT-py, …)
# so that both see the same machine; each prints steady target tokens/s (from step 50 on, by
# each tool's own log), the whole process's wall time, CPU and system time and peak RSS.
#   scripts/compare-opennmt.sh [STEPS] [PAIRS]
# The same training time instead: OpenNMT-py trains STEPS steps, then Fanyi trains for as many
# seconds as OpenNMT-py's log says those took (`--max-time`); both translate test.en with beam 5,
# batch 32, GNMT length penalty 0.6 and repeated 4-grams blocked, and fanyi-score scores both:
#   scripts/compare-opennmt.sh quality [STEPS]
# PyTorch comes from TORCH_WHEEL (a CPU wheel file) or else PyPI; OpenNMT-py is installed without
# its pinned dependencies (it asks for torch < 2.3) plus the modules it imports, into
# .build/opennmt-venv. Not part of the tests: two pairs of 650 steps take about 18 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
mode=speed
if [ "${1:-}" = quality ]; then mode=quality; shift; fi
steps="${1:-650}"
pairs="${2:-2}"
# OpenNMT-py logs every 50 steps, and its log's clock is what the tokens/s and --max-time come from.
(( steps >= 50 && steps % 50 == 0 )) || { echo "STEPS must be a multiple of 50, got $steps" >&2; exit 1; }
work="${WORK:-/tmp/fanyi-vs-opennmt}"
venv=.build/opennmt-venv
mkdir -p "$work"

if [ ! -x "$venv/bin/onmt_train" ]; then
    python3 -m venv "$venv"
    wheel="${TORCH_WHEEL:-$(ls /opt/wheels/torch-*cpu*.whl 2>/dev/null | head -1 || true)}"
    "$venv/bin/pip" install -q "${wheel:-torch}"
    "$venv/bin/pip" install -q --no-deps OpenNMT-py==3.5.1
    # What OpenNMT-py 3.5.1 imports at start (found by running `onmt_train -h` until it ran).
    "$venv/bin/pip" install -q numpy pyyaml configargparse pyonmttok spacy pyahocorasick rapidfuzz regex \
        fasttext sacrebleu > "$work/pip.log" 2>&1 || { cat "$work/pip.log"; rm -rf "$venv"; exit 1; }
fi
swift build -c release >/dev/null 2>&1 || swift build -c release
bin=.build/release

# Fanyi's subwords as text for OpenNMT-py, and its vocabularies without Fanyi's four specials
# (OpenNMT-py adds its own four: the same sizes, 7,297 and 9,103).
for side in en zh; do
    "$bin/fanyi-vocab" encode --vocab vocab/en-zh-lohelp.json --lang "$side" \
        < "corpora/en-zh-lohelp/train.$side" > "$work/train.$side"
    tail -n +5 "vocab/en-zh-lohelp.$side.vocab" > "$work/vocab.$side"
done
"$bin/fanyi-vocab" encode --vocab vocab/en-zh-lohelp.json --lang en < corpora/en-zh-lohelp/test.en > "$work/test.en"

# bucket_size: OpenNMT-py's default (262,144 examples) is larger than this corpus, so each bucket
# holds the corpus 13 times over, and dropping repeated sources within a batch then leaves mostly
# short sentences (535 target tokens a batch instead of 1,096). A bucket of 6,400 pairs (Fanyi's
# window of 100 batches) gives batches of the corpus's mean length.
cat > "$work/onmt.yaml" <<EOF
save_data: $work/onmt
src_vocab: $work/vocab.en
tgt_vocab: $work/vocab.zh
src_vocab_size: 20000
tgt_vocab_size: 20000
vocab_size_multiple: 1
data:
  corpus_1:
    path_src: $work/train.en
    path_tgt: $work/train.zh
    transforms: [filtertoolong]
src_seq_length: 100
tgt_seq_length: 102
bucket_size: 6400
save_model: $work/onmt/model
encoder_type: brnn
decoder_type: rnn
rnn_type: LSTM
enc_layers: 2
dec_layers: 2
enc_hid_size: 256
dec_hid_size: 256
word_vec_size: 256
global_attention: general
input_feed: 1
dropout: [0.2]
batch_size: 64
batch_type: sents
optim: adam
learning_rate: 0.002
max_grad_norm: 5
label_smoothing: 0.1
train_steps: $steps
valid_steps: 1000000
save_checkpoint_steps: $([ "$mode" = quality ] && echo "$steps" || echo 1000000)
report_every: 50
seed: 1
num_workers: 0
EOF

summary() {  # summary NAME LOG TIMELOG
    local tps
    if [ "$1" = OpenNMT-py ]; then
        # "Step N/ M; … bsz: src/tgt/sents; … T sec;": tokens of each 50-step window over its seconds.
        tps=$(python3 - "$2" <<'PY'
import re, sys
rows = [(int(m[1]), float(m[2]), float(m[3])) for m in re.finditer(r"Step (\d+)/\s*\d+;.*?bsz:\s*[\d.]+/\s*([\d.]+)/.*?([\d.]+) sec;", open(sys.argv[1]).read())]
tokens = sum(50 * t for s, t, _ in rows[1:])
print(f"{tokens / (rows[-1][2] - rows[0][2]):.0f}" if len(rows) > 1 else "?")
PY
)
    else
        tps=$(python3 - "$2" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if '"train"' in l]
windows = list(zip(rows, rows[1:]))
tokens = sum(b["target_tokens_per_second"] * (b["seconds"] - a["seconds"]) for a, b in windows)
print(f"{tokens / (rows[-1]['seconds'] - rows[0]['seconds']):.0f}" if windows else "?")
PY
)
    fi
    local wall user sys rss
    wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$3")
    user=$(sed -n 's/.*User time (seconds): //p' "$3")
    sys=$(sed -n 's/.*System time (seconds): //p' "$3")
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$3")
    printf '%-10s %5s target tokens/s from step 50 on; %s steps in %s wall, %s s user, %s s system, peak RSS %d MiB\n' \
        "$1" "$tps" "$steps" "$wall" "$user" "$sys" "$((rss / 1024))"
}

train_opennmt() {
    rm -rf "$work/onmt"
    OMP_NUM_THREADS=2 TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1 /usr/bin/time -v -o "$work/onmt.time" \
        "$venv/bin/onmt_train" -config "$work/onmt.yaml" > "$work/onmt.log" 2>&1 \
        || { tail -20 "$work/onmt.log"; exit 1; }
}

train_fanyi() {  # train_fanyi LIMIT-FLAGS…
    rm -rf "$work/fanyi"
    /usr/bin/time -v -o "$work/fanyi.time" "$bin/fanyi-train" --train corpora/en-zh-lohelp/train \
        --source-lang en --target-lang zh --vocab vocab/en-zh-lohelp.json "$@" \
        --log-every 50 --threads 2 --output "$work/fanyi" > "$work/fanyi.log" 2>&1 \
        || { tail -20 "$work/fanyi.log"; exit 1; }
}

if [ "$mode" = speed ]; then
    for pair in $(seq 1 "$pairs"); do
        train_opennmt
        summary OpenNMT-py "$work/onmt.log" "$work/onmt.time"
        train_fanyi --train-steps "$steps"
        summary Fanyi "$work/fanyi/train.log.jsonl" "$work/fanyi.time"
    done
    exit 0
fi

train_opennmt
seconds=$(grep -o '[0-9.]* sec;' "$work/onmt.log" | tail -1 | cut -d' ' -f1)
echo "OpenNMT-py: $steps steps in $seconds s of training (its log's clock)"
train_fanyi --max-time "$seconds"
grep -E "^(time is up|finished)" "$work/fanyi.log" | sed 's/^/Fanyi: /'
OMP_NUM_THREADS=2 TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1 "$venv/bin/onmt_translate" \
    -model "$work/onmt/model_step_$steps.pt" -src "$work/test.en" -output "$work/onmt.test.sub" \
    -beam_size 5 -batch_size 32 -length_penalty wu -alpha 0.6 -block_ngram_repeat 4 > "$work/onmt.translate.log" 2>&1 \
    || { tail -20 "$work/onmt.translate.log"; exit 1; }
"$bin/fanyi-vocab" detokenize < "$work/onmt.test.sub" > "$work/onmt.test.zh"
"$bin/fanyi-translate" --model "$work/fanyi/model.safetensors" --beam-size 5 --batch-size 32 \
    --length-penalty 0.6 --block-ngram-repeat 4 --coverage-penalty 0 < corpora/en-zh-lohelp/test.en > "$work/fanyi.test.zh"
for run in OpenNMT-py:onmt Fanyi:fanyi; do
    echo "== ${run%%:*}"
    "$bin/fanyi-score" --reference corpora/en-zh-lohelp/test.zh --input "$work/${run#*:}.test.zh" --tokenize zh
done
