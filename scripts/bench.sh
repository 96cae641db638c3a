#!/bin/bash
# make bench: N issuances (new account, one name, http-01, each from an empty
# state directory) against a local Pebble with no nonce rejections, then M
# more with half the nonces rejected. Prints per-issuance medians: wall time,
# CPU time (user+sys), peak RSS, requests Pebble received, bytes on the wire
# (TLS bytes through the socket), and the nonce-storm success count.
# Usage: scripts/bench.sh [N] [M]
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-10}
M=${2:-10}
NANOACME=$here/build/cmd/nanoacme
. "$here/tests/integration/lib.sh"
# wall, CPU (user+sys, microsecond resolution) and peak RSS of one command, from getrusage()
measure() {
    python3 - "$@" <<'PY'
import os, sys, time
out = sys.argv[1]
fd = os.open(out + ".out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
# GNU time reports the command's peak RSS (it forks from a small process); wait4 on
# GNU time gives the CPU time of both (GNU time's own share is a fraction of a ms)
argv = ["/usr/bin/time", "-f", "%M", "-o", out + ".rss"] + sys.argv[2:]
t0 = time.monotonic()
pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, fd, 1), (os.POSIX_SPAWN_DUP2, fd, 2)])
_, status, ru = os.wait4(pid, 0)
wall = time.monotonic() - t0
rss = int(open(out + ".rss").read().split()[-1])
open(out, "w").write("%.3f %.4f %d\n" % (wall, ru.ru_utime + ru.ru_stime, rss))
sys.exit(os.waitstatus_to_exitcode(status))
PY
}

median() {
    sort -n | awk '{a[NR]=$1} END {
        v = NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2
        if (v == int(v)) printf "%d\n", v; else printf "%.4f\n", v }'
}

make_pki && start_challtestsrv || exit 1
PEBBLE_WFE_NONCEREJECT=0 start_pebble bench || exit 1
for i in $(seq 1 "$N"); do
    before=$(grep -c -- '-> calling handler' "$PEBBLE_LOG")
    S=$T/b$i
    measure "$T/time$i" "$NANOACME" issue -d "bench$i.example.test" --state-dir "$S" \
        --server "$DIR_URL" --ca-file "$T/ca.pem" --http-address 127.0.0.1 --http-port "$HTTP01_PORT" \
        --agree-tos -v || { echo "bench: run $i failed"; cat "$T/time$i.out"; exit 1; }
    cp "$T/time$i.out" "$T/out$i"
    after=$(grep -c -- '-> calling handler' "$PEBBLE_LOG")
    read -r wall cpu rss < "$T/time$i"
    echo "$wall" >> "$T/wall"
    echo "$cpu" >> "$T/cpu"
    echo "$rss" >> "$T/rss"
    echo $((after - before)) >> "$T/reqs"
    sed -n 's/.*wire: \([0-9]*\) bytes sent, \([0-9]*\) received.*/\1 \2/p' "$T/out$i" | awk '{print $1+$2}' >> "$T/bytes"
done
stop_pebble
PEBBLE_WFE_NONCEREJECT=50 start_pebble storm || exit 1
okc=0
for i in $(seq 1 "$M"); do
    S=$T/st$i
    "$NANOACME" issue -d "storm$i.example.test" --state-dir "$S" --server "$DIR_URL" --ca-file "$T/ca.pem" \
        --http-address 127.0.0.1 --http-port "$HTTP01_PORT" --agree-tos > "$T/sout$i" 2>&1 &&
        verify_cert "$S" "storm$i.example.test" "DNS:storm$i.example.test" && okc=$((okc + 1))
done
stop_pebble
echo "nanoacme $(${NANOACME} --version | cut -d' ' -f2), $N issuances against Pebble 2.4 (new account, 1 name, http-01), medians:"
printf '  wall time      %s s\n' "$(median < "$T/wall")"
printf '  CPU time       %s s (user+sys)\n' "$(median < "$T/cpu")"
printf '  peak RSS       %s KiB\n' "$(median < "$T/rss")"
printf '  requests       %s\n' "$(median < "$T/reqs")"
printf '  bytes on wire  %s (TLS, both directions)\n' "$(median < "$T/bytes")"
printf 'with half the nonces rejected: %d of %d issuances succeeded\n' "$okc" "$M"
