#!/usr/bin/env bash
# Crash trials of fanyi-train: TRIALS times (20), start the same training command, kill -9 it at
# a random moment (checkpoints are written every step, so many kills land inside a write), and
# check that the next start resumes from a whole checkpoint (never a torn file) and goes on. A
# last run must finish. Prints per trial what the kill interrupted; exits 1 on any failure.
#   scripts/crash-trials.sh            # release build, a 2,000-pair slice of en-zh-lohelp
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-if-needed.sh fanyi-train
trials=${TRIALS:-20}
work=$(mktemp -d /tmp/fanyi-crash-XXXXXX)
trap 'rm -rf "$work"' EXIT
head -2000 corpora/en-zh-lohelp/train.en > "$work/train.en"
head -2000 corpora/en-zh-lohelp/train.zh > "$work/train.zh"
command=(.build/release/fanyi-train --train "$work/train" --source-lang en --target-lang zh --vocab vocab/en-zh-lohelp.json
         --output "$work/run" --embedding-size 64 --encoder-hidden-size 64 --decoder-hidden-size 128 --batch-size 16
         --checkpoint-steps 1 --keep-checkpoints 2 --train-steps 100000 --threads 1 --log-every 1000)
failures=0
in_write=0
RANDOM=7
for trial in $(seq "$trials"); do
    "${command[@]}" > "$work/out.txt" 2> "$work/err.txt" &
    pid=$!
    # 1.0–4.0 s: past start-up (reading the corpus, the checkpoint) into training and its writes.
    sleep "$(( 1 + RANDOM % 3 )).$(( RANDOM % 10 ))"
    kill -9 $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    torn=$(ls "$work/run" 2>/dev/null | grep -c '\.tmp-' || true)
    [ "$torn" -gt 0 ] && in_write=$((in_write + 1))
    started=$(grep -o "resuming from[^)]*)" "$work/err.txt" | head -1 || true)
    if grep -q "^Error" "$work/err.txt"; then
        failures=$((failures + 1))
        echo "trial $trial: FAILED: $(grep '^Error' "$work/err.txt" | head -1)"
    else
        newest=$(ls "$work/run" | grep -E '^checkpoint-[0-9]+\.safetensors$' | tail -1 || true)
        echo "trial $trial: ${started:-started afresh}; killed with ${newest:-no checkpoint} newest$( [ "$torn" -gt 0 ] && echo ", inside a checkpoint write (temporary file left)")"
    fi
done
# The last start must resume and finish normally.
step=$(ls "$work/run" | grep -E '^checkpoint-[0-9]+\.safetensors$' | tail -1 | grep -o '[0-9]\+' | sed 's/^0*//')
final=("${command[@]/100000/$(( ${step:-0} + 3 ))}")  # --train-steps: three more steps
if "${final[@]}" > "$work/out.txt" 2> "$work/err.txt" && grep -q "after $(( ${step:-0} + 3 )) steps" "$work/err.txt"; then
    echo "final run: resumed from step ${step:-0} and finished at step $(( ${step:-0} + 3 ))"
else
    failures=$((failures + 1)); echo "final run: FAILED"; cat "$work/err.txt"
fi
echo "crash trials: $((trials - failures)) passed, $failures failed ($in_write kills landed inside a checkpoint write)"
[ $failures -eq 0 ]
