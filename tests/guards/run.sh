#!/bin/sh
# Design guards, as TAP:
#  - core/ compiled for Cortex-M3 and natively references no heap function,
#    no crypto library, nothing outside the freestanding allow-list;
#  - the guard rejects an object with each forbidden call planted in it,
#    naming the file and the symbol;
#  - no header of core/ or port/ includes a crypto library header.
# Usage: tests/guards/run.sh BUILD_DIR
set -u
build=$1
here=$(cd "$(dirname "$0")/../.." && pwd)
guard="$here/scripts/guard-objects.sh"
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n - $*"; }

for flavor in m3 native; do
    objs=$(find "$build/$flavor/core" -name '*.o' 2>/dev/null | sort)
    srcs=$(ls "$here"/core/*.c | wc -l)
    count=$(echo "$objs" | grep -c '\.o$')
    if [ "$count" -ne "$srcs" ]; then
        notok "guard $flavor: $count objects for $srcs core/ sources (build incomplete)"
        continue
    fi
    nm=nm; [ "$flavor" = m3 ] && nm=arm-none-eabi-nm
    # shellcheck disable=SC2086
    if out=$(NM=$nm "$guard" $objs); then
        ok "guard $flavor: $count core/ objects reference no heap, crypto-library or non-freestanding symbol"
    else
        notok "guard $flavor:"; echo "$out" | sed 's/^/# /'
    fi
done

# The guard must fire on each forbidden call, for both targets.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for sym in malloc calloc realloc free strdup strndup asprintf vasprintf aligned_alloc \
           posix_memalign _malloc_r _sbrk sbrk snprintf wc_ecc_sign_hash wolfSSL_new; do
    for flavor in native m3; do
        cc=gcc; nm=nm; flags=""
        [ "$flavor" = m3 ] && { cc=arm-none-eabi-gcc; nm=arm-none-eabi-nm; flags="-mcpu=cortex-m3 -mthumb"; }
        src="$tmp/planted_$sym.c"
        printf 'extern void %s(void);\nvoid planted(void);\nvoid planted(void) { %s(); }\n' "$sym" "$sym" > "$src"
        obj="$tmp/planted_${sym}_$flavor.o"
        if ! $cc $flags -fno-builtin -w -c "$src" -o "$obj"; then
            notok "guard fires on $sym ($flavor): planted object did not compile"; continue
        fi
        out=$(NM=$nm "$guard" "$obj")
        if [ $? -ne 0 ] && echo "$out" | grep -q "planted_${sym}_$flavor.o: .* $sym"; then
            ok "guard fires on $sym ($flavor): $out"
        else
            notok "guard did not reject $sym ($flavor): '$out'"
        fi
    done
done
# ... and stays quiet on an object that calls only allowed functions.
printf '#include <string.h>\nvoid clean(char *d, const char *s);\nvoid clean(char *d, const char *s) { memcpy(d, s, strlen(s)); }\n' > "$tmp/clean.c"
gcc -c "$tmp/clean.c" -o "$tmp/clean.o"
if out=$("$guard" "$tmp/clean.o"); then ok "guard accepts an object using memcpy and strlen only"; else notok "guard rejected a clean object: $out"; fi

hits=$(grep -rlE '#[[:space:]]*include[[:space:]]*[<"](wolfssl|cyassl|openssl|mbedtls|psa|bearssl|gnutls|sodium)/' "$here/core" "$here/port" "$here/include" 2>/dev/null)
if [ -z "$hits" ]; then
    ok "no header or source of core/, port/, include/ includes a crypto library header"
else
    notok "crypto library header included by: $hits"
fi

echo "1..$n"
exit $fail
