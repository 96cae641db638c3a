#!/bin/sh
# Build wolfSSL and cmocka from Debian's source packages for one cross target
# and print the prefix holding include/ and lib/. Builds are cached under
# $NACME_CACHE (default ~/.cache/nanoacme), keyed by the source versions, the
# compiler and a hash of the flags, settings and this script, so a second run
# (and CI on the same machine) reuses them.
# Usage: scripts/cross-libs.sh armhf|mips|native
set -eu
arch=$1
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${NACME_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nanoacme}

case "$arch" in
    armhf) cc=arm-linux-gnueabihf-gcc; ar=arm-linux-gnueabihf-ar ;;
    mips)  cc=mips-linux-gnu-gcc;     ar=mips-linux-gnu-ar ;;
    # the command's own wolfSSL: only what nanoacme uses, linked statically
    native) cc=gcc; ar=ar ;;
    *) echo "cross-libs: unknown arch $arch (armhf, mips or native)" >&2; exit 2 ;;
esac
command -v "$cc" >/dev/null || { echo "cross-libs: $cc missing; run make deps" >&2; exit 1; }

# 32-bit Linux targets use 64-bit time_t and off_t (year 2038, large files).
cflags="-O2 -g -fPIC -D_TIME_BITS=64 -D_FILE_OFFSET_BITS=64"
[ "$arch" = native ] && cflags="-O2 -g -fPIC -D_FORTIFY_SOURCE=2 -fstack-protector-strong"
settings="$here/crypto/wolfcrypt/user_settings_linux.h"

wolf_src=$("$here/scripts/fetch-source.sh" wolfssl)
cmocka_src=$("$here/scripts/fetch-source.sh" cmocka)

key=$( { echo "$cc $cflags"; "$cc" --version | head -n 1; basename "$wolf_src"; basename "$cmocka_src";
         cat "$settings" "$0"; } | sha256sum | cut -c1-16)
prefix="$cache/$arch-$key"
if [ -f "$prefix/.complete" ]; then
    echo "$prefix"
    exit 0
fi

exec 9>"$cache/.lock-cross-$arch"
flock 9
if [ -f "$prefix/.complete" ]; then echo "$prefix"; exit 0; fi

echo "cross-libs: building wolfSSL and cmocka for $arch in $prefix" >&2
rm -rf "$prefix" && mkdir -p "$prefix/lib" "$prefix/include/wolfssl" "$prefix/obj/wolfssl" "$prefix/obj/cmocka"
cp "$settings" "$prefix/include/user_settings.h"
cp -r "$wolf_src/wolfssl/." "$prefix/include/wolfssl/"
# Without configure there is no options.h: the settings come from user_settings.h.
printf '/* nanoacme cross build: settings come from user_settings.h */\n' > "$prefix/include/wolfssl/options.h"

wolf_files="wolfcrypt/src/aes.c wolfcrypt/src/asn.c wolfcrypt/src/chacha.c
 wolfcrypt/src/chacha20_poly1305.c wolfcrypt/src/coding.c wolfcrypt/src/ecc.c
 wolfcrypt/src/error.c wolfcrypt/src/hash.c wolfcrypt/src/hmac.c wolfcrypt/src/kdf.c
 wolfcrypt/src/logging.c wolfcrypt/src/memory.c wolfcrypt/src/poly1305.c
 wolfcrypt/src/random.c wolfcrypt/src/rsa.c wolfcrypt/src/sha.c wolfcrypt/src/sha256.c
 wolfcrypt/src/sha512.c wolfcrypt/src/signature.c wolfcrypt/src/sp_int.c
 wolfcrypt/src/wc_encrypt.c wolfcrypt/src/wc_port.c wolfcrypt/src/wolfmath.c
 wolfcrypt/src/pwdbased.c wolfcrypt/src/md5.c
 src/internal.c src/keys.c src/ssl.c src/tls.c src/tls13.c src/wolfio.c
 wolfcrypt/src/sp_c32.c wolfcrypt/src/sp_c64.c"
[ "$arch" = native ] && wolf_files="$wolf_files wolfcrypt/src/sp_x86_64.c wolfcrypt/src/sp_x86_64_asm.S wolfcrypt/src/cpuid.c"
pids=""
jobs=$(nproc 2>/dev/null || echo 2)
n=0
for f in $wolf_files; do
    o="$prefix/obj/wolfssl/$(echo "$f" | tr / _).o"
    "$cc" $cflags -DWOLFSSL_USER_SETTINGS -I"$prefix/include" -I"$wolf_src" -c "$wolf_src/$f" -o "$o" &
    pids="$pids $!"
    n=$((n + 1))
    if [ "$n" -ge "$jobs" ]; then
        for p in $pids; do wait "$p" || { echo "cross-libs: wolfSSL build failed" >&2; exit 1; }; done
        pids=""; n=0
    fi
done
for p in $pids; do wait "$p" || { echo "cross-libs: wolfSSL build failed" >&2; exit 1; }; done
"$ar" rcs "$prefix/lib/libwolfssl.a" "$prefix"/obj/wolfssl/*.o

# cmocka: one source file; its few configuration switches are given here
# instead of running its CMake configuration for a cross toolchain.
cp "$cmocka_src/include/cmocka.h" "$prefix/include/"
"$cc" $cflags -DHAVE_SIGNAL_H -DHAVE_INTTYPES_H -DHAVE_STRINGS_H -DHAVE_MALLOC_H \
    -DHAVE_STRUCT_TIMESPEC -DHAVE_CLOCK_REALTIME -DHAVE_CLOCK_GETTIME -DHAVE_SIGLONGJMP \
    -DHAVE_STRSIGNAL -DHAVE_GCC_THREAD_LOCAL_STORAGE -DHAVE_SNPRINTF -DHAVE_VSNPRINTF \
    -I"$cmocka_src/include" -c "$cmocka_src/src/cmocka.c" -o "$prefix/obj/cmocka/cmocka.o"
"$ar" rcs "$prefix/lib/libcmocka.a" "$prefix/obj/cmocka/cmocka.o"

rm -rf "$prefix/obj"
touch "$prefix/.complete"
echo "$prefix"
