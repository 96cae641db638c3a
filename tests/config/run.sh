#!/bin/sh
# Feature switches, as TAP: core/ builds for Cortex-M3 without a warning with
# each NACME_WITH_* switch turned off alone, with logging off, and with
# everything off; and each of these links to at least 100 bytes less flash
# than the defaults (nacme_config_defaults.h promises that 0 removes the
# feature's code; the smallest feature, revocation, is about 200 bytes).
# Usage: tests/config/run.sh OUT_DIR [WARNING_FLAGS...]
set -u
out=$1
shift
here=$(cd "$(dirname "$0")/../.." && pwd)
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n - $*"; }

switches="ACCOUNT_ADMIN ERROR_TEXT REVOKE EAB ARI TLS_ALPN PREFERRED_CHAIN ORDER_LOOKUP"
all_off=""
for s in $switches; do all_off="$all_off -DNACME_WITH_$s=0"; done

# Linked core/ flash for a set of flags, or nothing when the build fails.
linked() {
    d="$out/$1"
    shift
    if "$here/scripts/core-size.sh" "$d" - "$@" > "$d.log" 2>&1; then
        awk '/^total \(linked\)/ { print $NF }' "$d/core-size.txt"
    else
        sed 's/^/# /' "$d.log" | tail -20
    fi
}

mkdir -p "$out"
base=$(linked defaults "$@")
case $base in
'' | *[!0-9]*)
    notok "core/ builds with the default configuration"
    echo "$base"
    echo "1..$n"
    exit 1
    ;;
esac
ok "core/ builds with the default configuration: $base bytes linked"

# check NAME DIR FLAGS...: DIR names the build folder (no spaces).
check() {
    name=$1
    dir=$2
    shift 2
    size=$(linked "$dir" "$@")
    case $size in
    '' | *[!0-9]*)
        notok "$name: core/ does not build"
        echo "$size"
        ;;
    *)
        if [ "$size" -le $((base - 100)) ]; then
            ok "$name: builds, $((base - size)) bytes less flash ($size)"
        else
            notok "$name: builds but removes no code ($size bytes, defaults $base)"
        fi
        ;;
    esac
}

for s in $switches; do
    check "NACME_WITH_$s=0" "no-$s" "-DNACME_WITH_$s=0" "$@"
done
check "NACME_LOG_LEVEL=0" no-log -DNACME_LOG_LEVEL=0 "$@"
# shellcheck disable=SC2086
check "every switch off, logging off" minimal $all_off -DNACME_LOG_LEVEL=0 "$@"
echo "1..$n"
exit $fail
