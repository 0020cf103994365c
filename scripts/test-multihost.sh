#!/usr/bin/env bash
# Trains a few data-parallel steps on two "machines" made on this one: two network namespaces
# joined by a veth pair, each with its own host name, one rank in each, talking TCP only over
# that link (Open MPI's TCP transport, no shared memory). Then cuts the link in the middle of a
# run: the job must end with fanyi-train's error within a bounded time, not hang. Needs root
# (ip netns), Open MPI and a release build; leaves nothing behind. Addresses are private to the
# two namespaces.
#   scripts/test-multihost.sh            # 2 hosts: 4 steps of a tiny model, then a cut link
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /opt/swift/usr/bin/swift ] && export PATH="/opt/swift/usr/bin:$PATH"

if [ "$(id -u)" -ne 0 ]; then echo "test-multihost: needs root (ip netns)" >&2; exit 1; fi
command -v mpirun >/dev/null || { echo "test-multihost: mpirun missing (scripts/install-deps.sh installs Open MPI)" >&2; exit 1; }
[ -x .build/release/fanyi-train ] || swift build -c release --product fanyi-train >/dev/null

tag="fanyi$$"
ns_a="$tag-a" ns_b="$tag-b"
addr_a=10.213.77.1 addr_b=10.213.77.2
work=$(mktemp -d)
cleanup() {
    ip netns pids "$ns_a" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns pids "$ns_b" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns_a" 2>/dev/null || true
    ip netns del "$ns_b" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ns_a"
ip netns add "$ns_b"
ip link add "$tag-va" type veth peer name "$tag-vb"
ip link set "$tag-va" netns "$ns_a"
ip link set "$tag-vb" netns "$ns_b"
ip -n "$ns_a" addr add "$addr_a/24" dev "$tag-va"
ip -n "$ns_b" addr add "$addr_b/24" dev "$tag-vb"
for ns in "$ns_a" "$ns_b"; do
    ip -n "$ns" link set lo up
done
ip -n "$ns_a" link set "$tag-va" up
ip -n "$ns_b" link set "$tag-vb" up

# Open MPI starts its daemon on the other host through a remote shell; ours enters that host's
# namespace (and host name) instead of using ssh.
cat > "$work/enter-host" <<AGENT
#!/usr/bin/env bash
host="\$1"; shift
case "\$host" in
    $addr_a|host-a) ns=$ns_a name=host-a ;;
    $addr_b|host-b) ns=$ns_b name=host-b ;;
    *) echo "enter-host: unknown host \$host" >&2; exit 1 ;;
esac
exec ip netns exec "\$ns" unshare --uts /bin/sh -c "hostname \$name; \$*"
AGENT
chmod +x "$work/enter-host"

# A tiny corpus (the first 200 pairs of en-zh-lohelp) at the same path on both hosts.
head -n 200 corpora/en-zh-lohelp/train.en > "$work/train.en"
head -n 200 corpora/en-zh-lohelp/train.zh > "$work/train.zh"

echo "test-multihost: 2 hosts ($addr_a in $ns_a, $addr_b in $ns_b), one rank each" >&2
# mpirun notices a lost machine by TCP keepalive on its own connections (seconds, not minutes).
train() {  # train OUTPUT STEPS [fanyi-train flags…]: mpirun from host a, one rank on each host
    local output="$1" steps="$2"; shift 2
    ip netns exec "$ns_a" unshare --uts /bin/sh -c "hostname host-a; exec timeout 120 mpirun --allow-run-as-root \
        --host $addr_a:1,$addr_b:1 -np 2 \
        --mca plm_rsh_agent $work/enter-host \
        --mca btl tcp,self --mca btl_tcp_if_include 10.213.77.0/24 --mca oob_tcp_if_include 10.213.77.0/24 \
        --mca oob_tcp_keepalive_time 5 --mca oob_tcp_keepalive_intvl 2 --mca oob_tcp_keepalive_probes 3 \
        $PWD/.build/release/fanyi-train --train $work/train --source-lang en --target-lang zh --merges 100 \
        --embedding-size 8 --encoder-hidden-size 4 --decoder-hidden-size 8 --batch-size 8 --train-steps $steps \
        --threads 1 --output $work/$output $*"
}
failed() { echo "test-multihost: FAILED ($1)" >&2; echo "test-multihost: $passed passed, 1 failed" >&2; exit 1; }
passed=0

# 1. Four steps, one rank on each host.
status=0
train run 4 --log-every 1 > "$work/out.txt" 2>&1 || status=$?
cat "$work/out.txt" >&2
[ "$status" -eq 0 ] || failed "training on two hosts exited with $status"
grep -q "data-parallel training: 2 ranks on host-a, host-b" "$work/out.txt" || failed "the ranks did not run on two hosts"
grep -q "finished (--train-steps or --epochs reached) after 4 steps" "$work/out.txt" || failed "training did not finish"
[ -f "$work/run/model.safetensors" ] || failed "no model written"
passed=$((passed + 1))

# 2. The link between the hosts goes down mid-run: a rank's watchdog (--rank-timeout) ends the job.
start=$(date +%s)
( train cut 1000000 --log-every 1000 --rank-timeout 10 > "$work/cut.txt" 2>&1; echo "exit $?" >> "$work/cut.txt" ) &
job=$!
for _ in $(seq 1 600); do  # until training has started (at most a minute), then 2 s more
    grep -q "starting at step" "$work/cut.txt" 2>/dev/null && break
    sleep 0.1
done
sleep 2
ip -n "$ns_b" link set "$tag-vb" down
cut_at=$(date +%s)
wait "$job" || true
ended_at=$(date +%s)
tail -n 12 "$work/cut.txt" >&2
# Either a rank's watchdog or Open MPI's own daemon notices first (under load, the daemon can).
grep -q "no answer from the other ranks for\|ORTE has lost communication with a remote daemon" "$work/cut.txt" \
    || failed "no error after the link was cut"
grep -q "^exit 0$" "$work/cut.txt" && failed "mpirun exited 0 after the link was cut"
echo "test-multihost: the job ended $((ended_at - cut_at)) s after the link was cut ($((ended_at - start)) s in all)" >&2
[ $((ended_at - cut_at)) -le 90 ] || failed "the job took $((ended_at - cut_at)) s to end"
passed=$((passed + 1))
echo "test-multihost: $passed passed, 0 failed" >&2
