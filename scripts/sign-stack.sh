#!/bin/sh
# Worst-case stack of one call of the crypto port's sign_digest (ECDSA P-256
# of a 32-byte digest) and key_generate on the firmware (Cortex-M3), from
# GCC's -fstack-usage / -fcallgraph-info=su.
#
# The firmware's flags (FW_LIB_CFLAGS, FW_CFLAGS, FW_INC, FW_LDFLAGS) are read
# from the Makefile; wolfSSL is Debian's source package with the board's
# user_settings.h, as scripts/fw-libs.sh builds it for the firmware (that
# script is run to get the same sources and include prefix). The wolfCrypt
# files a signing or key generation reaches, crypto/wolfcrypt/*.c and the
# firmware code wolfCrypt calls back (the entropy port, the allocator, the
# DRBG seed hook) are compiled into a scratch directory; the call graphs
# (*.ci) are joined, calls GCC does not list (libgcc helpers) are added from
# the relocations, newlib-nano/libgcc leaves are measured from their
# disassembly, and the deepest path from each entry is printed with the
# bytes of every frame. The entries are the functions the port table's
# sign_digest and key_generate members point to (nacme_wolfcrypt_port()).
#
# Indirect calls: key_generate's entropy fill is resolved to the firmware's
# entropy port (platforms/lwip/entropy.c:fill); any other indirect call is
# listed as not followed. Frames GCC flags "dynamic" (VLAs, alloca) are
# marked and make the figure a lower bound. Recursion makes it fail.
# Interrupt/exception frames and the engine's frames above the port call
# are not included.
#
# Usage: scripts/sign-stack.sh [BOARD_DIR]     (default qemu/mps2-an385)
#   SIGN_STACK_KEEP=DIR keeps the objects, .su and .ci files in DIR.
# Exit status: 0 measured; 1 something missing or a build failed;
# 2 recursion on a path, or a callee that could not be measured.
set -eu
case "${1:-}" in -h | --help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
die() { echo "sign-stack: $*" >&2; exit 1; }
start=$(date +%s)

for tool in make python3 arm-none-eabi-gcc arm-none-eabi-objdump arm-none-eabi-nm; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (make deps installs the toolchain)"
done

if [ -n "${SIGN_STACK_KEEP:-}" ]; then
    work=$SIGN_STACK_KEEP
    rm -rf "$work/wolf" "$work/port" "$work/mk" "$work/ext"
else
    work=$(mktemp -d /tmp/sign-stack.XXXXXX)
    trap 'rm -rf "$work"' EXIT
    trap 'exit 1' HUP INT TERM
fi
mkdir -p "$work/wolf" "$work/port" "$work/mk" "$work/ext"

# One Makefile variable, unexpanded by the shell (BUILD points at an empty
# folder so no dependency file of build/ is read).
board=""
mkvar() {
    make -s --no-print-directory -C "$here" BUILD="$work/mk" FW_PREFIX="${prefix:-/unset}" \
        ${board:+FW_BOARD="$board"} --eval "sign-stack-var: ; @: \$(info \$($1))" sign-stack-var ||
        die "cannot read $1 from the Makefile"
}
board=${1:-$(mkvar FW_BOARD)}
[ -n "$board" ] || die "no board (FW_BOARD is empty in the Makefile)"
board=${board%/}
[ -f "$board/user_settings.h" ] || die "$board/user_settings.h missing (usage: $0 [BOARD_DIR])"
cc=$(mkvar m3_CC)
lib_cflags=$(mkvar FW_LIB_CFLAGS)
if [ -z "$lib_cflags" ] || [ -z "$cc" ]; then die "FW_LIB_CFLAGS or m3_CC is empty in the Makefile"; fi
command -v "$cc" >/dev/null 2>&1 || die "$cc is missing (make deps)"

prefix=$(FW_CFLAGS="$lib_cflags" scripts/fw-libs.sh "$board") || die "scripts/fw-libs.sh $board failed"
[ -f "$prefix/include/wolfssl/wolfcrypt/settings.h" ] || die "no wolfSSL headers under $prefix"
wolf_src=$(scripts/fetch-source.sh wolfssl) || die "scripts/fetch-source.sh wolfssl failed"
[ -f "$wolf_src/wolfcrypt/src/ecc.c" ] || die "no wolfCrypt sources in $wolf_src"
fw_cflags=$(mkvar FW_CFLAGS)
fw_inc=$(mkvar FW_INC)
fw_ldflags=$(mkvar FW_LDFLAGS)
crypto_src=$(mkvar CRYPTO_SRC)
[ -n "$crypto_src" ] || die "CRYPTO_SRC is empty in the Makefile"

# wolfCrypt: what ECDSA signing, P-256 key import/generation and the
# Hash-DRBG reach, plus the allocator and math helpers (a callee missing
# here is reported by name). Same flags and include order as fw-libs.sh.
wolf_files="ecc sp_c32 sp_int sha256 hmac random asn memory wolfmath wc_port hash"
# Firmware code called from wolfCrypt or through the port: the entropy port
# (key_generate's fill), the allocator behind XMALLOC, the wrapped
# wolfSSL_Malloc (pool probe), the DRBG seed hook and the board's entropy.
fw_files="platforms/lwip/entropy.c platforms/lwip/tls_transport.c $board/pool_probe.c
 $board/wolfssl_glue.c $board/board.c"
for f in $crypto_src $fw_files; do [ -f "$f" ] || die "$f missing"; done

# shellcheck disable=SC2086 # lists of words
echo "sign-stack: compiling $(echo $wolf_files | wc -w) wolfCrypt files and $(echo $crypto_src $fw_files | wc -w) firmware files into $work" >&2
for f in $wolf_files; do
    [ -f "$wolf_src/wolfcrypt/src/$f.c" ] || die "$wolf_src/wolfcrypt/src/$f.c missing"
    (cd "$wolf_src" && eval "\"\$cc\" $lib_cflags -w -DWOLFSSL_USER_SETTINGS -I\"\$here/\$board\" \
        -I\"\$prefix/include\" -I\"\$wolf_src\" -fstack-usage -fcallgraph-info=su \
        -c wolfcrypt/src/$f.c -o \"\$work/wolf/$f.o\"") || die "compiling wolfcrypt/src/$f.c failed"
done
for f in $crypto_src $fw_files; do
    # shellcheck disable=SC2034 # used in the eval
    o=$work/port/$(echo "${f%.c}" | tr / _).o
    eval "\"\$cc\" $fw_cflags $fw_inc -fstack-usage -fcallgraph-info=su -c \"\$f\" -o \"\$o\"" ||
        die "compiling $f failed"
done

# The entropy port key_generate calls through, as the board wires it.
fill=""
if grep -q 'nacme_lwip_entropy_port' "$board"/*.c 2>/dev/null; then fill=platforms/lwip/entropy.c:fill; fi
# shellcheck disable=SC2086 # one flag a line
wraps=$(printf '%s\n' $fw_ldflags | sed -n 's/^-Wl,--wrap=//p' | tr '\n' ' ')
specs=""
case " $fw_ldflags " in *" --specs=nano.specs "*) specs=--specs=nano.specs ;; esac

status=0
python3 - "$work" "$cc" "$lib_cflags $specs" "$wraps" "$fill" "$crypto_src" <<'EOF' || status=$?
import glob, os, re, subprocess, sys

work, cc, ldflags, wraps, fill, crypto_src = sys.argv[1:7]
objdump = cc.replace("gcc", "objdump")
node_re = re.compile(r'node: \{ title: "([^"]+)" label: "([^"]*)"')
edge_re = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')
frames, qual, where, edges, obj_of = {}, {}, {}, {}, {}
INDIRECT = "__indirect_call"

def add_edge(a, b):
    edges.setdefault(a, [])
    if b not in edges[a]:
        edges[a].append(b)

# the call graphs of every compiled file
local = {}  # object -> {short name: title}
for ci in sorted(glob.glob(os.path.join(work, "*", "*.ci"))):
    obj = ci[:-3] + ".o"
    local[obj] = {}
    for line in open(ci):
        m = node_re.search(line)
        if m:
            title, label = m.groups()
            b = re.search(r"\\n(\d+) bytes \(([^)]*)\)", label)
            if b:
                frames[title], qual[title] = int(b.group(1)), b.group(2)
                where[title] = label.split("\\n")[1].rsplit(":", 1)[0]
                obj_of[title] = obj
                local[obj][title.rsplit(":", 1)[-1]] = title
            continue
        m = edge_re.search(line)
        if m:
            add_edge(*m.groups())

# calls GCC emits itself (libgcc helpers) are not in the .ci files: take
# every call relocation of each function's section
for obj, names in local.items():
    out = subprocess.run([objdump, "-r", obj], capture_output=True, text=True, check=True).stdout
    fn = None
    for line in out.splitlines():
        m = re.match(r"RELOCATION RECORDS FOR \[\.text\.(.+)\]:", line)
        if m:
            fn = names.get(m.group(1))
            continue
        if line.startswith("RELOCATION"):
            fn = None
        f = line.split()
        if fn and len(f) == 3 and f[1] in ("R_ARM_THM_CALL", "R_ARM_THM_JUMP24", "R_ARM_THM_JUMP19"):
            sym = f[2].split("+")[0]
            sym = sym[6:] if sym.startswith(".text.") else sym
            add_edge(fn, names.get(sym, sym))

# the link's --wrap: a call from another object goes to __wrap_X, __real_X is X
for w in wraps.split():
    for a in list(edges):
        edges[a] = ["__wrap_" + w if t == w and obj_of.get(a) != obj_of.get(w) else
                    (w if t == "__real_" + w else t) for t in edges[a]]

# leaves from newlib-nano and libgcc: link the ones called, read their frames
# from the disassembly (pushes, sp decrements; calls between them followed)
def reachable(entries):
    seen, todo = set(), list(entries)
    while todo:
        f = todo.pop()
        if f not in seen:
            seen.add(f)
            todo += edges.get(f, [])
    return seen

entries = {}
for src in crypto_src.split():
    text = open(src).read()
    for member in ("sign_digest", "key_generate"):
        m = re.search(r"->\s*%s\s*=\s*(\w+)\s*;" % member, text)
        if m:
            name = m.group(1)
            entries[member] = src + ":" + name if src + ":" + name in frames else name
for member in ("sign_digest", "key_generate"):
    if entries.get(member) not in frames:
        sys.exit("sign-stack: no function for the port's %s found in %s" % (member, crypto_src))
if fill:
    if fill not in frames:
        sys.exit("sign-stack: the entropy port's fill (%s) was not compiled" % fill)
    resolved = {entries["key_generate"]: [fill]}
else:
    resolved = {}
for a, targets in resolved.items():
    edges[a] = [t for t in edges.get(a, []) if t != INDIRECT] + targets

external = sorted(f for f in reachable(entries.values()) if f not in frames and f != INDIRECT)
if external:
    src = os.path.join(work, "ext", "entry.c")
    open(src, "w").write("void sign_stack_entry(void);\nvoid sign_stack_entry(void) {}\n")
    elf = os.path.join(work, "ext", "ext.elf")
    cmd = [cc] + ldflags.split() + ["-nostartfiles", "-Wl,-e,sign_stack_entry", src, "-o", elf]
    cmd += ["-Wl,-u," + f for f in external]
    if subprocess.run(cmd).returncode != 0:
        sys.exit("sign-stack: linking newlib-nano/libgcc for %s failed" % ", ".join(external))
    dis = subprocess.run([objdump, "-d", "--no-show-raw-insn", elf],
                         capture_output=True, text=True, check=True).stdout
    fn = None
    for line in dis.splitlines():
        m = re.match(r"[0-9a-f]+ <([^>]+)>:$", line)
        if m:
            fn = m.group(1)
            frames[fn], qual[fn], where[fn] = 0, "static", "newlib-nano/libgcc (disassembly)"
            continue
        if fn is None or "\t" not in line:
            continue
        ins = line.split("\t", 1)[1].strip()
        m = re.match(r"(push(?:\.w)?|stmdb(?:\.w)?\s+sp!,)\s*\{([^}]*)\}", ins)
        n = 0
        if m:
            for r in m.group(2).split(","):
                lo_hi = re.match(r"\s*r(\d+)-r(\d+)", r)
                n += 4 * (int(lo_hi.group(2)) - int(lo_hi.group(1)) + 1) if lo_hi else 4
        m2 = re.match(r"subw?(?:\.w)?\s+sp,\s*(?:sp,\s*)?#(\d+)", ins)
        m3 = re.match(r"strd?(?:\.w)?\s+[^\[]*\[sp,\s*#-(\d+)\]!", ins)
        n += int(m2.group(1)) if m2 else int(m3.group(1)) if m3 else 0
        if re.match(r"sub(?:\.w)?\s+sp,\s*(?:sp,\s*)?r", ins):
            qual[fn] = "dynamic"
        frames[fn] += n
        m = re.match(r"(?:bl|b(?:\.[nw])?)\s+[0-9a-f]+\s+<([^>+]+)>", ins)
        if m and m.group(1) != fn:
            add_edge(fn, m.group(1))  # a call or a tail call
        if re.match(r"blx\s+(r\d+|ip|sl|fp|lr)\b", ins):
            add_edge(fn, INDIRECT)

# deepest path, refusing recursion
memo, onstack, cycles = {}, [], []

def depth(f):
    if f in memo:
        return memo[f]
    if f in onstack:
        cycles.append(onstack[onstack.index(f):] + [f])
        return (0, [])
    onstack.append(f)
    best = (0, [])
    for t in edges.get(f, []):
        if t in frames:
            d = depth(t)
            if d[0] > best[0]:
                best = d
    onstack.pop()
    memo[f] = (frames[f] + best[0], [f] + best[1])
    return memo[f]

def short(f):
    return f.rsplit(":", 1)[-1]

status = 0
for member, what in (("sign_digest", "a signing call"), ("key_generate", "a key generation call")):
    entry = entries[member]
    total, path = depth(entry)
    reach = reachable([entry])
    dyn = sorted(f for f in reach if f in qual and qual[f] != "static")
    bound = "at least " if any(f in dyn for f in path) else ""
    print("stack of %s (Cortex-M3, -Os, firmware wolfSSL configuration): %s%d bytes" % (what, bound, total))
    print("  from the port's %s = %s (%s), deepest path (bytes per frame):" % (member, short(entry), where[entry]))
    for f in path:
        tag = "" if qual[f] == "static" else "  (" + qual[f] + ": more at run time)"
        print("  %6d  %-36s %s%s" % (frames[f], short(f), where[f], tag))
    if len(path) > 1:
        below = sorted(((depth(t)[0], short(t)) for t in edges.get(path[1], []) if t in frames), reverse=True)
        print("  subtrees under %s: %s" % (short(path[1]), ", ".join("%s %d" % (n, d) for d, n in below[:6])))
    ind = sorted(short(f) for f in reach if INDIRECT in edges.get(f, []))
    res = ["%s -> %s (the firmware's entropy port)" % (short(a), ", ".join(t)) for a, t in resolved.items() if a in reach]
    print("  indirect calls resolved: %s; not followed: %s" % ("; ".join(res) or "none", ", ".join(ind) or "none"))
    print("  dynamic frames reachable: %s" % (", ".join("%s %d (%s)" % (short(f), frames[f], qual[f]) for f in dyn) or "none"))
    ext = sorted(f for f in reach if where.get(f, "").startswith("newlib"))
    print("  newlib-nano/libgcc leaves (from their disassembly): %s" % (", ".join("%s %d" % (f, frames[f]) for f in ext) or "none"))
    missing = sorted(f for f in reach if f not in frames and f != INDIRECT)
    if missing:
        print("sign-stack: no frame for %s (not compiled here, not in newlib-nano/libgcc): the figure is incomplete;"
              " add its source to wolf_files or fw_files" % ", ".join(missing), file=sys.stderr)
        status = 2
    print("  %d functions reachable from %s" % (len(reach - {INDIRECT}), short(entry)))
if cycles:
    print("sign-stack: recursion: " + "; ".join(" -> ".join(short(f) for f in c) for c in cycles), file=sys.stderr)
    status = 2
else:
    print("recursion: none")
sys.exit(status)
EOF
echo "sign-stack: wolfSSL $(basename "$wolf_src" | sed 's/^wolfssl_//') from Debian with $board/user_settings.h; $("$cc" --version | head -n 1); $lib_cflags; $(($(date +%s) - start)) s"
exit "$status"
