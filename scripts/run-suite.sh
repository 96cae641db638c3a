#!/bin/sh
# Run one test suite, echo its TAP output and keep a copy for the summary.
# A suite that exits non-zero without reporting a failed case (a crash, a
# sanitizer abort, a missing emulator) gets a "not ok" line of its own.
# Usage: scripts/run-suite.sh RESULTS_DIR NAME COMMAND [ARGS...]
set -u
dir=$1
name=$2
shift 2
mkdir -p "$dir"
out="$dir/$name.tap"
CMOCKA_MESSAGE_OUTPUT=TAP
export CMOCKA_MESSAGE_OUTPUT
echo "# suite $name: $*"
"$@" > "$out.tmp" 2>&1
rc=$?
cat "$out.tmp"
if [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$out.tmp"; then
    echo "not ok - suite $name exited with status $rc" | tee -a "$out.tmp"
fi
mv "$out.tmp" "$out"
exit "$rc"
