#!/bin/sh
# Flash of core/ as a firmware links it: every core/ file compiled for
# Cortex-M3 (-Os, function sections) with a configuration header, linked with
# --gc-sections against a stub that calls the whole public engine API, and
# the .text/.rodata kept from core/ objects summed from the link map (libc
# and libgcc helpers not counted). Prints per-file flash and the total.
#
# Usage: scripts/core-size.sh [--lto] OUT_DIR [CONFIG_HEADER] [EXTRA_CFLAGS...]
#   CONFIG_HEADER: passed as NACME_CONFIG_FILE (e.g. the firmware's), or "-" for the defaults
#   --lto: compile and link with link-time optimization, as a firmware built
#          whole with -flto would; the files are merged, so only the total is printed
set -eu
lto=""
if [ "${1:-}" = --lto ]; then
    lto=-flto
    shift
fi
out=$1
cfg=${2:--}
[ $# -ge 2 ] && shift 2 || shift 1
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out/obj" "$out/include"
cp /usr/include/jsmn.h "$out/include/"
cc="arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb -Os -ffunction-sections -fdata-sections -std=c11 $lto"
inc="-I$here/include -I$here/port -I$here/core -I$out/include"
defs=""
if [ "$cfg" != "-" ]; then
    defs="-DNACME_CONFIG_FILE=\"$(cd "$(dirname "$cfg")" && pwd)/$(basename "$cfg")\""
fi
rm -f "$out"/obj/*.o
for f in "$here"/core/*.c; do
    # shellcheck disable=SC2086
    $cc $inc $defs "$@" -c "$f" -o "$out/obj/$(basename "$f" .c).o"
done
cat > "$out/stub.c" <<'EOF'
/* Calls every public engine entry point, so the link keeps what a firmware would. */
#include "nanoacme.h"
int main(void);
static nacme_t c;
static nacme_port_t port;
static nacme_config_t cfg;
static nacme_order_req_t req;
int main(void)
{
    nacme_wait_t w;
    int rc = nacme_init(&c, &port, &cfg);
    rc += nacme_start_issue(&c, &req) + nacme_start_renew(&c, &req) + nacme_start_revoke(&c, "x", 0, 0);
    rc += nacme_start_key_rollover(&c) + nacme_start_account_update(&c, 0) + nacme_start_account_deactivate(&c);
    rc += nacme_start_account(&c);
    nacme_cancel(&c);
    rc += nacme_step(&c, &w) + (int)nacme_strerror(rc)[0] + nacme_problem(&c)->status + (int)nacme_result(&c)->issued;
    return rc;
}
void _exit(int x);
void _exit(int x)
{
    (void)x;
    for (;;) {
    }
}
EOF
# shellcheck disable=SC2086
arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb -Os -std=c11 $inc $defs "$@" -c "$out/stub.c" -o "$out/stub.x"
arm-none-eabi-gcc -mcpu=cortex-m3 -mthumb -Os $lto -Wl,--gc-sections -nostartfiles -specs=nano.specs \
    -Wl,-Map="$out/core.map" -Wl,-e,main "$out/stub.x" "$out"/obj/*.o -o "$out/core.elf"
python3 - "$out/core.map" > "$out/core-size.txt" <<'PY'
import re, sys
totals = {}
on = False
lines = open(sys.argv[1]).read().splitlines()
i = 0
while i < len(lines):
    line = lines[i]
    if line.startswith("Linker script and memory map"):
        on = True
    if on and re.match(r"^ \.(text|rodata)", line):
        parts = line.split()
        if len(parts) < 4 and i + 1 < len(lines):
            parts = parts[:1] + lines[i + 1].split()
            i += 1
        if len(parts) >= 4 and parts[3].endswith(".o") and ("/obj/" in parts[3] or ".ltrans" in parts[3]):
            name = "(link-time optimized)" if ".ltrans" in parts[3] else parts[3].rsplit("/", 1)[1]
            totals[name] = totals.get(name, 0) + int(parts[2], 16)
    i += 1
for name in sorted(totals):
    print("%-24s %6d" % (name.replace(".o", ".c"), totals[name]))
print("%-24s %6d" % ("total (linked)", sum(totals.values())))
PY
cat "$out/core-size.txt"
