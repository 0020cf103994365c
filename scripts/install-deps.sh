#!/usr/bin/env bash
# Installs the Debian packages Fanyi builds against (ICU, OpenBLAS, Open MPI, libxml2, CLD2, pkg-config) when missing.
# Idempotent: does nothing when they are all installed. Needs root or sudo for apt-get.
set -euo pipefail

packages=(libicu-dev libopenblas-dev libopenmpi-dev openmpi-bin libxml2-dev libcld2-dev libgettextpo-dev libzip-dev pkg-config)
missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "fanyi: installing ${missing[*]}" >&2
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    if [ -x /opt/swift/usr/bin/swift ]; then
        echo "fanyi: swift is not on PATH; add /opt/swift/usr/bin to it" >&2
    else
        echo "fanyi: Swift 6 is needed (https://www.swift.org/install/linux/); it was not found" >&2
    fi
    exit 1
fi
