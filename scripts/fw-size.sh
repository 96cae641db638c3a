#!/bin/sh
# Flash and RAM of the firmware image by component, from the linker map:
# every input section placed in .text/.ARM.exidx/.init_array (flash), .data
# (flash and RAM) or .bss/.stack (RAM) is counted for the component its
# object comes from; alignment fill counts for the object before it; merged
# string sections (listed with their size before merging, overlapping the
# one before) count only their bytes past it. nanoacme's state (the engine
# context and the port's parts: the firmware keeps them in one object,
# .bss.fw_nacme) and wolfSSL's memory (.bss.tls_pool, .bss.tls_record) are
# shown apart from the board's RAM.
#
# With the UART log of a firmware run (make test-firmware writes
# build/fw-test/acme.log), the RAM total is what the firmware really used:
# static data (everything linked but the pool and the stack) plus the pool's
# high-water mark (wolfSSL's heap) plus the stack's painted peak; without
# it, the linked figure (whole pool, whole stack). The last line is
# "firmware: flash N bytes, ram N bytes".
# Usage: scripts/fw-size.sh FIRMWARE_ELF FIRMWARE_MAP [UART_LOG]
set -eu
elf=$1
map=$2
log=${3:-}
[ -f "$elf" ] && [ -f "$map" ] || { echo "fw-size: $elf or $map missing; run make firmware" >&2; exit 1; }
FLASH_BUDGET=163840
RAM_BUDGET=65536
OWN_FLASH_BUDGET=32768
OWN_RAM_BUDGET=12288

measured=""
# The log must come from this build: the image's end in flash, printed at boot, matches
# (only the trust anchor may differ: the tests build with their own CA of the same size).
flash_end=$(arm-none-eabi-nm "$elf" | awk '$3 == "__flash_end" { print $1 }')
flash_end=$((0x${flash_end:-0}))
if [ -n "$log" ] && [ -f "$log" ] && grep -q "^nanoacme firmware .*image of $flash_end bytes" "$log" &&
    grep -q '^memory: pool' "$log"; then
    # memory: pool P bytes, peak Q bytes in use; record buffer R bytes, largest record L; stack peak S of T bytes
    measured=$(sed -n 's/^memory: pool \([0-9]*\) bytes, peak \([0-9]*\) bytes in use; record buffer \([0-9]*\) bytes, largest record \([0-9]*\); stack peak \([0-9]*\) of \([0-9]*\) bytes.*/\1 \2 \3 \4 \5 \6/p' "$log" | tail -n 1)
fi

awk -v flash_budget=$FLASH_BUDGET -v ram_budget=$RAM_BUDGET -v own_flash_budget=$OWN_FLASH_BUDGET \
    -v own_ram_budget=$OWN_RAM_BUDGET -v measured="$measured" -v logname="$log" '
# A 0x... number (mawk, the default awk of Debian, has no strtonum).
function hex(s,    i, v) {
    v = 0
    s = tolower(s)
    sub(/^0x/, "", s)
    for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
    return v
}
function component(file, name) {
    if (name == ".bss.tls_pool") return "pool"
    if (name == ".bss.tls_record") return "record"
    if (name == ".bss.fw_nacme") return "state"
    if (file ~ /liblwip\.a\(/) return "lwip"
    if (file ~ /libwolfssl\.a\(/) return "wolfssl"
    if (file ~ /libnacme_core\.a\(/) return "core"
    if (file ~ /\/crypto\/wolfcrypt\//) return "crypto"
    if (file ~ /platforms\/lwip\//) return "platform"
    if (file ~ /qemu\/mps2-an385\// || file ~ /\/gen\//) return "board"
    if (file ~ /lib(c|g|gcc|c_nano|g_nano|nosys)\.a\(/ || file ~ /\/crt/) return "libc"
    return "other"
}
function count(comp, size) {
    if (out == "flash" || out == "data") flash[comp] += size
    if (out == "ram" || out == "data") ram[comp] += size
}
# Count [addr, addr + size) minus what the sections before already covered.
function place(comp, addr, size,    end) {
    end = addr + size
    if (addr < covered) addr = covered
    if (end > addr) { count(comp, end - addr); covered = end }
}
/^Linker script and memory map/ { started = 1; next }
!started { next }
# An output section: where its input sections go.
/^\.[A-Za-z_.]+/ {
    pending = ""
    s = $1
    if (s == ".text" || s == ".ARM.exidx" || s == ".init_array") out = "flash"
    else if (s == ".data") out = "data"
    else if (s == ".bss") out = "ram"
    else if (s == ".stack") out = "stack"
    else out = ""
    covered = 0
    next
}
/^\/DISCARD\// { out = ""; next }
out == "" { next }
# Fill: padding after the previous input section (or the stack reservation).
/^ \*fill\*/ {
    if (out == "stack") { ram["stack"] += hex($3); next }
    place(last, hex($2), hex($3))
    next
}
# An input section, its address, size and object on this line or the next.
/^ [.A-Za-z_]/ && $1 !~ /^\*/ {
    if (NF >= 4 && $2 ~ /^0x/) { last = component($4, $1); place(last, hex($2), hex($3)) }
    else if (NF == 1) pending = $1
    next
}
pending != "" && NF == 3 && $1 ~ /^0x/ && $2 ~ /^0x/ {
    last = component($3, pending); place(last, hex($1), hex($2)); pending = ""
    next
}
{ pending = "" }
END {
    n = split("core crypto platform state wolfssl pool record lwip board libc stack other", order, " ")
    label["core"] = "nanoacme core (firmware configuration)"
    label["crypto"] = "nanoacme crypto backend (crypto/wolfcrypt)"
    label["platform"] = "nanoacme platforms/lwip"
    label["state"] = "nanoacme state (context and port parts)"
    label["wolfssl"] = "wolfSSL"
    label["pool"] = "wolfSSL static pool (linked)"
    label["record"] = "TLS record buffer"
    label["lwip"] = "lwIP"
    label["board"] = "board and application (qemu/mps2-an385)"
    label["libc"] = "libc, libgcc"
    label["stack"] = "stack (reserved)"
    label["other"] = "other"
    printf "%-44s %8s %8s\n", "firmware (Cortex-M3, -Os)", "flash", "ram"
    for (i = 1; i <= n; i++) {
        c = order[i]
        if (flash[c] == 0 && ram[c] == 0) continue
        printf "%-44s %8d %8d\n", label[c], flash[c], ram[c]
        tf += flash[c]; tr += ram[c]
    }
    printf "%-44s %8d %8d   (budgets %d and %d)\n", "linked", tf, tr, flash_budget, ram_budget
    of = flash["core"] + flash["crypto"] + flash["platform"]
    orr = ram["core"] + ram["crypto"] + ram["platform"] + ram["state"]
    printf "nanoacme: flash %d bytes (core %d, crypto backend %d, platforms/lwip %d; budget %d), ram %d bytes (budget %d)%s\n", \
        of, flash["core"], flash["crypto"], flash["platform"], own_flash_budget, orr, own_ram_budget, \
        (of > own_flash_budget || orr > own_ram_budget) ? ": OVER BUDGET" : ""
    static = tr - ram["pool"] - ram["stack"]
    if (measured != "") {
        split(measured, m, " ")
        printf "measured (%s): heap (wolfSSL pool) peak %d of %d bytes, stack peak %d of %d bytes, largest TLS record %d of %d bytes\n", \
            logname, m[2], m[1], m[5], m[6], m[4], m[3]
        printf "ram = static %d + heap peak %d + stack peak %d\n", static, m[2], m[5]
        ram_total = static + m[2] + m[5]
    } else {
        printf "not measured (no UART log of this image: run make test-firmware): ram counts the whole pool and stack\n"
        ram_total = tr
    }
    printf "firmware: flash %d bytes, ram %d bytes\n", tf, ram_total
    if (tf > flash_budget || tr > ram_budget || of > own_flash_budget || orr > own_ram_budget) exit 1
}' "$map"
