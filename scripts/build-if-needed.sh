#!/usr/bin/env bash
# Builds the release executables (scripts/setup.sh) when TOOL is missing or older than the
# sources (after a git pull), for the scripts that run one: scripts/build-if-needed.sh fanyi-serve
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tool="$root/.build/release/$1"
if [ ! -x "$tool" ] || [ -n "$(find "$root/Sources" "$root/Package.swift" -newer "$tool" -print -quit)" ]; then
    "$root/scripts/setup.sh"
    touch "$tool"
fi
