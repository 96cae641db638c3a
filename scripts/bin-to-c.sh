#!/bin/sh
# Print a C file defining `const uint8_t NAME[]` and `const size_t NAME_len`
# with the bytes of FILE (e.g. a DER certificate compiled into firmware).
# Usage: scripts/bin-to-c.sh NAME FILE
set -eu
name=$1
file=$2
[ -s "$file" ] || { echo "bin-to-c: $file is missing or empty" >&2; exit 1; }
echo "/* Generated from $(basename "$file") by scripts/bin-to-c.sh; do not edit. */"
echo "#include <stddef.h>"
echo "#include <stdint.h>"
echo "extern const uint8_t $name[];"
echo "extern const size_t ${name}_len;"
echo "const uint8_t $name[] = {"
od -An -v -tx1 "$file" | sed -e 's/ *\([0-9a-f][0-9a-f]\)/0x\1, /g' -e 's/, $/,/' -e 's/^/    /'
echo "};"
echo "const size_t ${name}_len = sizeof($name);"
