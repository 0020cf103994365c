#!/usr/bin/env bash
# Builds English ↔ LANGUAGE corpora from LibreOffice's own Debian packages, for any language
# Debian ships help or UI translations for: help paragraphs (libreoffice-help-en-us and -LANGUAGE,
# paired by page and paragraph id) and UI strings (the msgid → msgstr of libreoffice-l10n-LANGUAGE's
# catalogues), cleaned, and split into train/dev/test by help page and UI catalogue
# (scripts/prepare_pairs.py; every step is counted in OUTPUT/en-CODE-lo/report.md).
#
#   scripts/prepare-pairs.sh [--output DIR] LANGUAGE...    (Debian's codes: de es fr ja ru pt-br zh-cn)
#
# Downloads (does not install) the packages into .build/pair-sources; installs python3-polib,
# libcld2-dev, gettext and g++ with apt when missing. Default OUTPUT: .build/pairs.
set -euo pipefail
cd "$(dirname "$0")/.."
output=.build/pairs
if [ "${1:-}" = "--output" ]; then output=$2; shift 2; fi
[ $# -gt 0 ] || { echo "usage: scripts/prepare-pairs.sh [--output DIR] LANGUAGE... (e.g. de es fr ja ru pt-br zh-cn)" >&2; exit 2; }
sources=.build/pair-sources
version=4:7.4.7-1+deb12u14

sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
missing=()
for package in python3-polib libcld2-dev gettext g++; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

mkdir -p "$sources/debs" "$sources/root"
packages=(libreoffice-help-en-us)
for language in "$@"; do packages+=("libreoffice-help-$language" "libreoffice-l10n-$language"); done
(
    cd "$sources/debs"
    chmod 777 .   # apt-get download runs as _apt where it can
    for package in "${packages[@]}"; do
        ls "${package}_"*.deb > /dev/null 2>&1 && continue
        apt-get download -qq "$package=$version" 2>/dev/null || apt-get download -qq "$package" 2>/dev/null \
            || echo "prepare-pairs: Debian has no $package; going on without it" >&2
    done
)
for deb in "$sources"/debs/*.deb; do
    stamp="$sources/root/.$(basename "$deb").unpacked"
    [ -e "$stamp" ] || { dpkg-deb -x "$deb" "$sources/root" && touch "$stamp"; }
done
g++ -O2 -o "$sources/cld2-lines" scripts/cld2_lines.cpp -lcld2
/usr/bin/python3 scripts/prepare_pairs.py --sources "$sources" --output "$output" --cld2 "$sources/cld2-lines" "$@"
