#!/bin/sh
# Cortex-M3 footprint of core/: flash (text + rodata) and static RAM
# (data + bss) per object and in total, and the engine context size.
# Fails when a budget is exceeded. Sizes are of the objects before linking
# (an upper bound: the linker drops unused functions with --gc-sections).
# Usage: scripts/size-report.sh BUILD_DIR [LABEL]   (BUILD_DIR holds core/*.o and tests/tools/context_size.o)
set -eu
dir=$1
label=${2:-}
FLASH_BUDGET=24576   # core/ at most 24 KiB flash
CONTEXT_BUDGET=8192  # the context at most 8 KiB

[ -n "$label" ] && echo "core/ in the $label:"
printf '%-28s %8s %8s\n' "core/ (Cortex-M3, -Os)" flash ram
total_flash=0
total_ram=0
for obj in $(find "$dir/core" -name '*.o' | sort); do
    set -- $(arm-none-eabi-size -A "$obj" | awk '
        $1 ~ /^\.(text|rodata)/ { f += $2 }
        $1 ~ /^\.(data|bss)/    { r += $2 }
        END { print f + 0, r + 0 }')
    printf '%-28s %8d %8d\n' "$(basename "$obj" .o).c" "$1" "$2"
    total_flash=$((total_flash + $1))
    total_ram=$((total_ram + $2))
done
printf '%-28s %8d %8d\n' "total" "$total_flash" "$total_ram"
hex=$(arm-none-eabi-nm -S "$dir/tests/tools/context_size.o" |
      awk '$4 == "nacme_context_size_probe" { print $2 }')
context=$((0x$hex))
echo "context: $context bytes"
echo "(object sizes before linking; the firmware's link, after --gc-sections, is in its table below)"
rc=0
# the deepest stack of core/'s own frames in a step (call graph from -fcallgraph-info=su)
python3 "$(dirname "$0")/stack-report.py" "$dir" 2048 || rc=1
if [ "$total_flash" -gt "$FLASH_BUDGET" ]; then
    echo "size: core/ flash $total_flash bytes exceeds the budget of $FLASH_BUDGET" >&2; rc=1
fi
if [ "$context" -gt "$CONTEXT_BUDGET" ]; then
    echo "size: context $context bytes exceeds the budget of $CONTEXT_BUDGET" >&2; rc=1
fi
exit $rc
