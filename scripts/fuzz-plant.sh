#!/bin/sh
# Shows that the fuzz harnesses find real bugs: plants known out-of-bounds
# reads into a scratch copy of the committed tree (never into the checkout),
# builds the harness that covers each, fuzzes up to SECONDS (default 60)
# from its seed corpus and reports the time to the AddressSanitizer finding.
# Exits non-zero when a plant is not found in time.
# Usage: scripts/fuzz-plant.sh [SECONDS]
set -u
seconds=${1:-60}
top=$(git rev-parse --show-toplevel) || exit 1
scratch=$(mktemp -d /tmp/nanoacme-plant.XXXXXX)
trap 'rm -rf "$scratch"' EXIT INT TERM
git -C "$top" worktree add -q --detach "$scratch/tree" HEAD || exit 1
trap 'git -C "$top" worktree remove --force "$scratch/tree"; rm -rf "$scratch"' EXIT INT TERM

# name @ harness @ file @ sed expression planting the bug @ what it does
plants='crlf-peek@http@core/http_parser.c@s/} else if (c == .\\r.) {/} else if (c == 13 \&\& data[i] == 10) { p->cr = true; } else if (c == 13) {/@the line reader peeks at the byte after a CR without checking it was given
der-length@x509@core/der.c@s/k > len - 2 || data\[2\] == 0/k > len - 1 || data[2] == 0/@the DER reader accepts a long-form length one byte past the input'

fail=0
printf "%s\n" "$plants" | while IFS='@' read -r name harness file expr what; do
    (cd "$scratch/tree" && git checkout -q -- . && sed -i "$expr" "$file")
    if git -C "$scratch/tree" diff --quiet; then
        echo "plant $name: the expression no longer matches $file (update this script)"
        exit 1
    fi
    if ! make -C "$scratch/tree" -s "build/fuzz/fuzz_$harness" > "$scratch/build.log" 2>&1; then
        cat "$scratch/build.log"
        exit 1
    fi
    mkdir -p "$scratch/work-$name" "$scratch/found-$name"
    start=$(date +%s.%N)
    "$scratch/tree/build/fuzz/fuzz_$harness" -max_total_time="$seconds" -seed=1 \
        -artifact_prefix="$scratch/found-$name/" "$scratch/work-$name" \
        "$scratch/tree/tests/fuzz/corpus/$harness" > "$scratch/$name.log" 2>&1
    end=$(date +%s.%N)
    if grep -q "ERROR: AddressSanitizer" "$scratch/$name.log"; then
        where=$(grep -m1 -E '^ +#0 ' "$scratch/$name.log" | sed 's/.* in //; s#.*/tree/##')
        printf 'plant %s (%s): found by fuzz_%s in %.2f s: %s\n' "$name" "$what" "$harness" \
            "$(awk "BEGIN { print $end - $start }")" "$where"
    else
        echo "plant $name ($what): NOT found by fuzz_$harness in $seconds s"
        exit 1
    fi
done || fail=1
exit $fail
