#!/bin/sh
# Replay every saved fuzz corpus (seeds and findings) through its harness
# once, as TAP: a regression on a saved input fails the test.
# Usage: scripts/fuzz-replay.sh FUZZ_BUILD_DIR NAME...
set -u
dir=$1
shift
n=0; fail=0
for name in "$@"; do
    n=$((n + 1))
    corpus=tests/fuzz/corpus/$name
    count=$(find "$corpus" -type f | wc -l)
    if out=$("$dir/fuzz_$name" -runs=0 "$corpus" 2>&1); then
        echo "ok $n - fuzz replay $name: $count saved inputs"
    else
        fail=1
        echo "not ok $n - fuzz replay $name"
        echo "$out" | tail -n 30 | sed 's/^/# /'
    fi
done
echo "1..$n"
exit $fail
