#!/bin/sh
# Fetch a Debian source package into the nanoacme cache (once) and print the
# path of its unpacked tree. Enables deb-src entries when apt has none.
# Usage: scripts/fetch-source.sh PACKAGE
set -eu
pkg=$1
cache=${NACME_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nanoacme}
mkdir -p "$cache/src"

have_deb_src() {
    apt-get indextargets --format '$(CREATED_BY)' 2>/dev/null | grep -qx Sources
}

enable_deb_src() {
    if [ "$(id -u)" != 0 ]; then
        echo "fetch-source: apt has no deb-src entries and this is not root; add deb-src lines to the apt sources and run apt-get update" >&2
        exit 1
    fi
    # Mirror every 'deb' stanza of the deb822 sources as 'deb-src'; fall back
    # to the classic one-line format for systems that still use sources.list.
    out=/etc/apt/sources.list.d/nanoacme-deb-src.sources
    : > "$out.tmp"
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] && [ "$f" != "$out" ] || continue
        awk 'BEGIN { RS = ""; FS = "\n" }
             { is_deb = 0; text = ""
               for (i = 1; i <= NF; i++) {
                   line = $i
                   if (line ~ /^Types:/) {
                       n = split(substr(line, 7), t, /[ \t]+/)
                       for (j = 1; j <= n; j++) if (t[j] == "deb") is_deb = 1
                       line = "Types: deb-src"
                   }
                   text = text line "\n"
               }
               if (is_deb) printf "%s\n", text }' "$f" >> "$out.tmp"
    done
    if [ -f /etc/apt/sources.list ]; then
        sed -n 's/^deb \(.*debian.*\)/deb-src \1/p' /etc/apt/sources.list > /etc/apt/sources.list.d/nanoacme-deb-src.list
    fi
    mv "$out.tmp" "$out"
    echo "fetch-source: enabled deb-src entries in $out" >&2
    apt-get update -q >&2
}

version=$(apt-cache showsrc "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -n 1)
if [ -z "$version" ]; then
    have_deb_src || enable_deb_src
    version=$(apt-cache showsrc "$pkg" | sed -n 's/^Version: //p' | sort -V | tail -n 1)
fi
[ -n "$version" ] || { echo "fetch-source: no source package $pkg" >&2; exit 1; }

dest="$cache/src/${pkg}_$version"
if [ ! -f "$dest/.complete" ]; then
    (
        flock 9
        if [ ! -f "$dest/.complete" ]; then
            rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
            (cd "$dest.tmp" && apt-get source -q "$pkg=$version" >&2) || {
                echo "fetch-source: apt-get source $pkg=$version failed" >&2; exit 1; }
            tree=$(find "$dest.tmp" -mindepth 1 -maxdepth 1 -type d | head -n 1)
            rm -rf "$dest" && mv "$tree" "$dest" && rm -rf "$dest.tmp"
            touch "$dest/.complete"
        fi
    ) 9>"$cache/src/.lock-$pkg"
fi
echo "$dest"
