#!/bin/sh
# Design guard over built objects of core/: no heap function, no crypto
# library, nothing outside a short list of freestanding libc functions.
# Prints one line per offence naming the object and the symbol; exits 1 if
# any. NM selects the nm to use (default: nm).
# Usage: NM=arm-none-eabi-nm scripts/guard-objects.sh OBJECT...
set -u
nm=${NM:-nm}

# Heap functions (and stdio, which allocates on newlib): never in core/.
heap='malloc calloc realloc free reallocarray aligned_alloc posix_memalign memalign valloc
pvalloc strdup strndup asprintf vasprintf _malloc_r _calloc_r _realloc_r _free_r
_memalign_r _strdup_r _strndup_r _asprintf_r _vasprintf_r sbrk _sbrk brk __libc_malloc
__libc_calloc __libc_free open_memstream getline getdelim fopen fdopen printf fprintf sprintf
snprintf vprintf vfprintf vsprintf vsnprintf puts fputs putchar _printf_r _sprintf_r
_snprintf_r _vsnprintf_r _svfprintf_r _vfprintf_r'
# What core/ may use from libc: freestanding memory and string routines.
allowed='memcpy memmove memset memcmp memchr strlen strcmp strncmp'
# Crypto library name prefixes: the core talks to crypto through the port only.
crypto_re='^(wc_|wolfSSL|wolfCrypt|WOLFSSL|Wolf|mbedtls_|psa_|EVP_|SSL_|BN_|EC_|ECDSA_|RSA_|br_|nettle_|gnutls_|sodium_|mp_|sp_|fp_)'

bad=0
for obj in "$@"; do
    syms=$("$nm" -u "$obj" 2>/dev/null | awk '{print $NF}') || { echo "$obj: cannot read symbols"; bad=1; continue; }
    for s in $syms; do
        case " $(echo $heap) " in
            *" $s "*) echo "$obj: references heap function $s"; bad=1; continue ;;
        esac
        if echo "$s" | grep -Eq "$crypto_re"; then
            echo "$obj: references crypto library symbol $s"; bad=1; continue
        fi
        case "$s" in
            nacme_*) continue ;;                 # the library itself
            __aeabi_*|__stack_chk_*|__*_chk) continue ;; # compiler runtime, fortify
            __[a-z]*[sd]i[234]|__*tf[23]|__clz*|__ctz*|__popcount*|__bswap*) continue ;;
        esac
        case " $allowed " in
            *" $s "*) ;;
            *) echo "$obj: references $s, which is not on core/'s allowed list"; bad=1 ;;
        esac
    done
done
exit $bad
