#!/bin/sh
# `make install PREFIX=...` gives a usable library: headers under
# include/nanoacme, libnanoacme.a and nanoacme.pc; a program built only with
# pkg-config's flags compiles, links and runs. TAP output.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0; fail=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n - $*"; }

if make -C "$here" --no-print-directory -s install PREFIX="$tmp/prefix" >"$tmp/install.log" 2>&1; then
    ok "make install PREFIX=$tmp/prefix"
else
    notok "make install failed"; sed 's/^/# /' "$tmp/install.log"
fi
for f in include/nanoacme/nanoacme.h include/nanoacme/nacme_port.h lib/libnanoacme.a lib/pkgconfig/nanoacme.pc; do
    if [ -f "$tmp/prefix/$f" ]; then ok "installed $f"; else notok "missing $f"; fi
done
if grep -q "^prefix=$tmp/prefix\$" "$tmp/prefix/lib/pkgconfig/nanoacme.pc"; then
    ok "nanoacme.pc names the install prefix"
else
    notok "nanoacme.pc has the wrong prefix"
fi
cat > "$tmp/app.c" <<'EOC'
#include <nanoacme.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    char out[16];
    size_t n;
    if (nacme_b64url_encode((const unsigned char *)"foob", 4, out, sizeof out, &n) != NACME_OK) return 1;
    printf("%s %s\n", out, nacme_strerror(NACME_ERR_TOO_LARGE));
    return strcmp(out, "Zm9vYg") != 0;
}
EOC
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
if cc -std=c11 -Wall -Werror "$tmp/app.c" -o "$tmp/app" $(pkg-config --cflags --libs --static nanoacme) 2>"$tmp/cc.log" \
   && "$tmp/app" >"$tmp/app.out"; then
    ok "a program built with pkg-config --cflags --libs nanoacme runs: $(cat "$tmp/app.out")"
else
    notok "program against the installed library failed"; sed 's/^/# /' "$tmp/cc.log"
fi
echo "1..$n"
exit $fail
