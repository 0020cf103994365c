#!/usr/bin/env bash
# A disk that fills during a checkpoint write (needs root: a private mount namespace with a small
# tmpfs as the run's --output). The tmpfs holds two checkpoints but not a third: the third write
# must fail with a clear error, leave the two earlier checkpoints whole, and a run with room
# again must resume from the newest of them.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"
if [ "$(id -u)" -ne 0 ]; then echo "test-full-disk: needs root (mount); skipped"; exit 0; fi
scripts/build-if-needed.sh fanyi-train
work=$(mktemp -d /tmp/fanyi-disk-XXXXXX)
trap 'rm -rf "$work"' EXIT
head -200 corpora/en-zh-lohelp/train.en > "$work/train.en"
head -200 corpora/en-zh-lohelp/train.zh > "$work/train.zh"
tool=$PWD/.build/release/fanyi-train
common=(--train "$work/train" --source-lang en --target-lang zh --merges 200 --embedding-size 16
        --encoder-hidden-size 8 --decoder-hidden-size 16 --batch-size 8 --threads 1 --quiet --checkpoint-steps 1 --keep-checkpoints 5)
# The size of one checkpoint, from a run on the ordinary disk.
"$tool" "${common[@]}" --output "$work/probe" --train-steps 1 > /dev/null 2>&1
size=$(stat -c %s "$work"/probe/checkpoint-*.safetensors | head -1)
limit=$(( (size * 5 / 2 + 4095) / 4096 * 4096 + 65536 ))   # room for two and a half checkpoints (and the log)
echo "test-full-disk: checkpoints of $size bytes, a tmpfs of $limit bytes"
mkdir -p "$work/disk"
status=0
unshare -m bash -c "
    set -e
    mount -t tmpfs -o size=$limit tmpfs '$work/disk'
    cd '$work'
    if '$tool' ${common[*]} --output disk/run --train-steps 10 > out.txt 2> err.txt; then echo 'the run did not fail'; exit 1; fi
    grep -q 'No space left on device' err.txt || { echo 'no clear error:'; cat err.txt; exit 1; }
    grep '^Error' err.txt | head -1
    ls disk/run | grep -E '^checkpoint-[0-9]+\.safetensors$' > kept.txt
    [ \$(wc -l < kept.txt) -ge 2 ] || { echo 'earlier checkpoints are missing'; ls -l disk/run; exit 1; }
    ! ls disk/run | grep -q '\.tmp-' || { echo 'a temporary file was left'; exit 1; }
    cp -r disk/run fresh-run
" || status=1
if [ $status -eq 0 ]; then
    # With room again (the same checkpoints on the ordinary disk), the run resumes and finishes.
    newest=$(ls "$work/fresh-run" | grep -E '^checkpoint-[0-9]+\.safetensors$' | tail -1)
    if (cd "$work" && "$tool" "${common[@]}" --output fresh-run --train-steps 6 > out.txt 2> err.txt) \
        && grep -q "after 6 steps" "$work/err.txt"; then
        echo "test-full-disk: the write failed cleanly, $newest stayed whole and the run resumed from it"
    else
        status=1; cat "$work/err.txt"
    fi
fi
[ $status -eq 0 ] && echo "test-full-disk: 1 passed, 0 failed" || echo "test-full-disk: 0 passed, 1 failed"
exit $status
