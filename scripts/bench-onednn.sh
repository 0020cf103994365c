#!/usr/bin/env bash
# Measures Fanyi's 8-bit kernel against oneDNN's dnnl_gemm_u8s8s32 (Debian libdnnl-dev, installed
# when missing) on the same operands, one thread each: the measurement behind writing the kernel
# rather than depending on oneDNN (README, "8-bit translation").
#   scripts/bench-onednn.sh [REPEATS]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! dpkg-query -W -f='${Status}' libdnnl-dev 2>/dev/null | grep -q "install ok installed"; then
    echo "fanyi: installing libdnnl-dev (oneDNN) for this comparison" >&2
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq libdnnl-dev >/dev/null
fi
work=$(mktemp -d /tmp/fanyi-onednn-XXXXXX)
trap 'rm -rf "$work"' EXIT
cc -O2 -ISources/CKernels/include scripts/bench-onednn.c Sources/CKernels/int8_gemm.c Sources/CKernels/cpu.c \
   -ldnnl -lm -o "$work/bench-onednn"
OMP_NUM_THREADS=1 DNNL_VERBOSE=0 "$work/bench-onednn" "${1:-30}"
