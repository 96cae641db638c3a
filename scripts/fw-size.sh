#!/bin/sh
# Flash and RAM of the firmware image by component, from the linker map:
# every input section placed in .text/.ARM.exidx/.init_array (flash), .data
# (flash and RAM) or .bss/.stack (RAM) is counted for the component its
# object comes from; alignment fill counts for the object before it; merged
# string sections (listed with their size before merging, overlapping the
# one before) count only their bytes past it. The last line is
# "firmware: flash N bytes, ram N bytes".
# Usage: scripts/fw-size.sh FIRMWARE_ELF FIRMWARE_MAP
set -eu
elf=$1
map=$2
[ -f "$elf" ] && [ -f "$map" ] || { echo "fw-size: $elf or $map missing; run make firmware" >&2; exit 1; }
FLASH_BUDGET=163840
RAM_BUDGET=65536

awk -v flash_budget=$FLASH_BUDGET -v ram_budget=$RAM_BUDGET '
function component(file, name) {
    if (name == ".bss.tls_pool" || name == ".bss.tls_record") return "tlsmem"
    if (file ~ /liblwip\.a\(/) return "lwip"
    if (file ~ /libwolfssl\.a\(/) return "wolfssl"
    if (file ~ /libnacme_core\.a\(/) return "core"
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
    if (out == "stack") { ram["stack"] += strtonum($3); next }
    place(last, strtonum($2), strtonum($3))
    next
}
# An input section, its address, size and object on this line or the next.
/^ [.A-Za-z_]/ && $1 !~ /^\*/ {
    if (NF >= 4 && $2 ~ /^0x/) { last = component($4, $1); place(last, strtonum($2), strtonum($3)) }
    else if (NF == 1) pending = $1
    next
}
pending != "" && NF == 3 && $1 ~ /^0x/ && $2 ~ /^0x/ {
    last = component($3, pending); place(last, strtonum($1), strtonum($2)); pending = ""
    next
}
{ pending = "" }
END {
    split("board lwip wolfssl tlsmem platform core libc stack other", order, " ")
    label["board"] = "startup, board, demo (qemu/mps2-an385)"
    label["lwip"] = "lwIP"
    label["wolfssl"] = "wolfSSL"
    label["tlsmem"] = "wolfSSL pool + TLS record buffer"
    label["platform"] = "platforms/lwip"
    label["core"] = "core"
    label["libc"] = "libc, libgcc"
    label["stack"] = "stack"
    label["other"] = "other"
    printf "%-40s %8s %8s\n", "firmware (Cortex-M3, -Os)", "flash", "ram"
    for (i = 1; i <= 9; i++) {
        c = order[i]
        if (flash[c] == 0 && ram[c] == 0) continue
        printf "%-40s %8d %8d\n", label[c], flash[c], ram[c]
        tf += flash[c]; tr += ram[c]
    }
    printf "firmware: flash %d bytes, ram %d bytes (budgets %d and %d)\n", tf, tr, flash_budget, ram_budget
}' "$map"
