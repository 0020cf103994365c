# Sourced by the scripts that test fanyi-serve from outside (test-browser.sh,
# test-libretranslate.sh): start_test_server OUT [FLAG ...] starts the debug build with both shipped
# models on 127.0.0.1 at a free port, logging to OUT/server.log, waits until it listens, and sets
# $server (its pid) and $url; the server is killed when the calling script exits.
start_test_server() {
    local out=$1
    shift
    .build/debug/fanyi-serve --model models/en-zh-lohelp.safetensors --model models/zh-en-lohelp.safetensors \
        --host 127.0.0.1 --port 0 "$@" > "$out/server.log" 2>&1 &
    server=$!
    trap 'kill $server 2>/dev/null || true' EXIT
    for _ in $(seq 600); do
        grep -q "listening on" "$out/server.log" && break
        kill -0 $server 2>/dev/null || { cat "$out/server.log"; exit 1; }
        sleep 0.1
    done
    url=$(grep -o "http://127.0.0.1:[0-9]*/" "$out/server.log" | head -1)
    [ -n "$url" ] || { echo "fanyi-serve did not start:"; cat "$out/server.log"; exit 1; }
}
