#!/bin/sh
# Build lwIP and wolfSSL from Debian's source packages for the Cortex-M3
# firmware of one board and print the prefix holding include/ and lib/
# (liblwip.a, libwolfssl.a). Builds are cached under $NACME_CACHE (default
# ~/.cache/nanoacme), keyed by the source versions, the compiler, the flags,
# the board's lwipopts.h, arch/cc.h and user_settings.h, and this script, so
# a second run reuses them.
# Usage: FW_CFLAGS="-mcpu=cortex-m3 ..." scripts/fw-libs.sh BOARD_DIR
set -eu
board=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${NACME_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nanoacme}
cc=arm-none-eabi-gcc
ar=arm-none-eabi-ar
cflags=${FW_CFLAGS:--mcpu=cortex-m3 -mthumb -Os -g -ffunction-sections -fdata-sections -fno-common}
command -v "$cc" >/dev/null || { echo "fw-libs: $cc missing; run make deps" >&2; exit 1; }
for f in lwipopts.h arch/cc.h user_settings.h; do
    [ -f "$board/$f" ] || { echo "fw-libs: $board/$f missing" >&2; exit 1; }
done

wolf_src=$("$here/scripts/fetch-source.sh" wolfssl)
lwip_src=$("$here/scripts/fetch-source.sh" lwip)

key=$( { echo "$cc $cflags"; "$cc" --version | head -n 1; basename "$wolf_src"; basename "$lwip_src";
         cat "$board/lwipopts.h" "$board/arch/cc.h" "$board/user_settings.h" "$0"; } |
       sha256sum | cut -c1-16)
prefix="$cache/fw-$(basename "$board")-$key"
if [ -f "$prefix/.complete" ]; then
    echo "$prefix"
    exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/.lock-fw-$(basename "$board")"
flock 9
if [ -f "$prefix/.complete" ]; then echo "$prefix"; exit 0; fi

echo "fw-libs: building lwIP and wolfSSL for $(basename "$board") in $prefix" >&2
rm -rf "$prefix"
mkdir -p "$prefix/lib" "$prefix/include/wolfssl" "$prefix/config/arch" "$prefix/obj/lwip" "$prefix/obj/wolfssl"
cp -r "$wolf_src/wolfssl/." "$prefix/include/wolfssl/"
# Without configure there is no options.h: the settings come from user_settings.h.
printf '/* nanoacme firmware build: settings come from user_settings.h */\n' > "$prefix/include/wolfssl/options.h"
cp -r "$lwip_src/src/include/." "$prefix/include/"
# The configuration the libraries were built with, for the record.
cp "$board/lwipopts.h" "$board/user_settings.h" "$prefix/config/"
cp "$board/arch/cc.h" "$prefix/config/arch/"

jobs=2
compile_all() { # $1 = obj subdir, $2 = source root, $3 = include flags, rest = files
    sub=$1 root=$2 inc=$3
    shift 3
    pids="" n=0
    for f in "$@"; do
        o="$prefix/obj/$sub/$(echo "$f" | tr / _).o"
        # shellcheck disable=SC2086
        "$cc" $cflags -w $inc -c "$root/$f" -o "$o" &
        pids="$pids $!"
        n=$((n + 1))
        if [ "$n" -ge "$jobs" ]; then
            for p in $pids; do wait "$p" || { echo "fw-libs: $sub build failed" >&2; exit 1; }; done
            pids="" n=0
        fi
    done
    for p in $pids; do wait "$p" || { echo "fw-libs: $sub build failed" >&2; exit 1; }; done
}

lwip_files=$(cd "$lwip_src" && ls src/core/*.c src/core/ipv4/*.c src/netif/ethernet.c)
# shellcheck disable=SC2086
compile_all lwip "$lwip_src" "-I$board -I$prefix/include" $lwip_files
"$ar" rcs "$prefix/lib/liblwip.a" "$prefix"/obj/lwip/*.o

wolf_files="wolfcrypt/src/aes.c wolfcrypt/src/asn.c wolfcrypt/src/chacha.c
 wolfcrypt/src/chacha20_poly1305.c wolfcrypt/src/coding.c wolfcrypt/src/ecc.c
 wolfcrypt/src/error.c wolfcrypt/src/hash.c wolfcrypt/src/hmac.c wolfcrypt/src/kdf.c
 wolfcrypt/src/logging.c wolfcrypt/src/memory.c wolfcrypt/src/poly1305.c
 wolfcrypt/src/random.c wolfcrypt/src/sha256.c wolfcrypt/src/signature.c
 wolfcrypt/src/sp_int.c wolfcrypt/src/sp_c32.c wolfcrypt/src/sp_cortexm.c
 wolfcrypt/src/wc_encrypt.c wolfcrypt/src/wc_port.c wolfcrypt/src/wolfmath.c
 src/internal.c src/keys.c src/ssl.c src/tls.c src/tls13.c src/wolfio.c"
# shellcheck disable=SC2086
compile_all wolfssl "$wolf_src" "-DWOLFSSL_USER_SETTINGS -I$board -I$prefix/include -I$wolf_src" $wolf_files
"$ar" rcs "$prefix/lib/libwolfssl.a" "$prefix"/obj/wolfssl/*.o

rm -rf "$prefix/obj"
touch "$prefix/.complete"
echo "$prefix"
