#!/bin/sh
# Count test cases over every suite's TAP output and print the summary as
# the last line. Fails when a case failed, a suite step failed (make's
# status), or fewer cases ran than the recorded minimum.
# Usage: scripts/test-summary.sh RESULTS_DIR MIN_CASES MAKE_STATUS
set -u
dir=$1
min=$2
status=$3
passed=0
failed=0
if ls "$dir"/*.tap >/dev/null 2>&1; then
    passed=$(cat "$dir"/*.tap | grep -c '^ok ')
    failed=$(cat "$dir"/*.tap | grep -c '^not ok')
fi
rc=0
if [ "$failed" -gt 0 ]; then
    echo "failed test cases:"
    for f in "$dir"/*.tap; do
        grep '^not ok' "$f" | sed "s|^|  $(basename "$f" .tap): |"
    done
    rc=1
fi
if [ "$status" -ne 0 ]; then
    echo "a test step failed (make status $status): see the output above"
    rc=1
fi
if [ $((passed + failed)) -lt "$min" ]; then
    echo "only $((passed + failed)) test cases ran; at least $min expected"
    rc=1
fi
echo "$passed passed, $failed failed"
exit $rc
