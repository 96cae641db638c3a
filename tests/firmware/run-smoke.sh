#!/bin/sh
# Firmware smoke test, TAP output: build the Cortex-M3 firmware with a fresh
# test CA as its trust anchor, start Pebble (and small OpenSSL servers) on
# the host's loopback, boot the firmware under qemu-system-arm (mps2-an385,
# slirp networking: the guest reaches the host's 127.0.0.1 as 10.0.2.2) and
# check what it printed on its UART and its semihosting exit status.
#
# Environment: FW_PEBBLE_PORT (Pebble's listen port; default: a free one),
# FW_SMOKE_TIMEOUT (seconds per firmware run, default 30), FW_SMOKE_ICOUNT
# (run QEMU with -icount shift=N, for cost measurements), MAKE.
# Logs (UART output of each run, Pebble's log) stay in build/fw-smoke/.
# Usage: tests/firmware/run-smoke.sh
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
work="$here/build/fw-smoke"
elf="$here/build/fw/firmware.elf"
make=${MAKE:-make}
limit=${FW_SMOKE_TIMEOUT:-30}
n=0
fail=0
pids=""
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n - $*"; }
quote() { sed 's/^/# /' "$1"; }
finish() { echo "1..$n"; exit "$fail"; }
cleanup() {
    for p in $pids; do
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
}
trap cleanup EXIT
trap 'exit 1' INT TERM

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for FILE TEXT: until FILE holds TEXT (10 s at most).
wait_for() {
    i=0
    while ! grep -q "$2" "$1" 2>/dev/null; do
        i=$((i + 1))
        [ "$i" -le 100 ] || return 1
        sleep 0.1
    done
}

# run_fw NAME PORT PATH PAD [HOST]: boot the firmware against HOST:PORT
# (HOST 10.0.2.2 by default); UART output in $work/NAME.log; returns the
# firmware's exit status.
run_fw() {
    icount=""
    [ -n "${FW_SMOKE_ICOUNT:-}" ] && icount="-icount shift=$FW_SMOKE_ICOUNT"
    # shellcheck disable=SC2086
    timeout "$limit" qemu-system-arm -M mps2-an385 -display none -monitor none -serial stdio \
        -semihosting-config "enable=on,target=native,arg=firmware,arg=${5:-10.0.2.2},arg=$2,arg=$3,arg=$4" \
        -nic user,model=lan9118 $icount -kernel "$elf" </dev/null >"$work/$1.log" 2>&1
}

# A setup step failed: the first test fails with the reason.
bail() { notok "firmware fetched the directory over TLS ($1)"; quote "$2"; finish; }

rm -rf "$work"
mkdir -p "$work"
"$here/tests/firmware/gen-pki.sh" "$work/pki" >"$work/pki.log" 2>&1 || bail "test PKI" "$work/pki.log"
# The build also fails when a heap function is linked or a budget is exceeded.
"$make" -C "$here" --no-print-directory firmware FW_CA_DER="$work/pki/ca.der" >"$work/build.log" 2>&1 ||
    bail "firmware build" "$work/build.log"

# Pebble, with its listener certificate from the test CA.
pebble_port=${FW_PEBBLE_PORT:-$(free_port)}
cat >"$work/pebble.json" <<EOF
{"pebble": {"listenAddress": "127.0.0.1:$pebble_port",
            "managementListenAddress": "127.0.0.1:$(free_port)",
            "certificate": "$work/pki/pebble.pem", "privateKey": "$work/pki/pebble.key",
            "httpPort": 5002, "tlsPort": 5001, "ocspResponderURL": "",
            "externalAccountBindingRequired": false}}
EOF
PEBBLE_VA_NOSLEEP=1 pebble -config "$work/pebble.json" >"$work/pebble.log" 2>&1 &
pids="$pids $!"

# OpenSSL servers: a chain through an intermediate CA, a certificate for
# another address, one from another CA.
start_server() { # NAME CERT KEY -> port in $port
    port=$(free_port)
    python3 "$here/tests/firmware/tls-server.py" "$port" "$work/pki/$2" "$work/pki/$3" \
        >"$work/server-$1.log" 2>&1 &
    pids="$pids $!"
}
start_server chain chain.pem chain.key
chain_port=$port
start_server wrongname wrongname.pem wrongname.key
wrongname_port=$port
start_server rogue rogue.pem rogue.key
rogue_port=$port

wait_for "$work/pebble.log" "Listening on" || bail "Pebble did not start" "$work/pebble.log"
for s in chain wrongname rogue; do
    wait_for "$work/server-$s.log" "listening" || bail "TLS server $s did not start" "$work/server-$s.log"
done

# 1. The directory from Pebble, twice on one connection.
run_fw dir "$pebble_port" /dir 0
rc=$?
if [ "$rc" -eq 0 ] && [ "$(grep -c '^http: HTTP/1.1 200' "$work/dir.log")" -eq 2 ] &&
    [ "$(grep -c '^http: status 200, body [1-9][0-9]* bytes' "$work/dir.log")" -eq 2 ] &&
    grep -q '^result: ok' "$work/dir.log"; then
    ok "firmware fetched the directory over TLS"
else
    notok "firmware fetched the directory over TLS (exit status $rc)"
fi
quote "$work/dir.log"

# 2. By name: SNI and the dNSName check (the name comes from lwIP's local host list).
run_fw name "$pebble_port" /dir 0 pebble.test=10.0.2.2
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^http: status 200, body [1-9][0-9]* bytes' "$work/name.log"; then
    ok "firmware reaches Pebble by name (SNI, dNSName pebble.test)"
else
    notok "firmware reaches Pebble by name (exit status $rc)"; quote "$work/name.log"
fi

# 3. A 16000-byte body in one TLS record, and a request of several records,
#    through a chain with an intermediate CA.
run_fw big "$chain_port" /bytes/16000 3000
rc=$?
record=$(sed -n 's/.*records in, largest \([0-9]*\) bytes.*/\1/p' "$work/big.log")
if [ "$rc" -eq 0 ] && [ "$(grep -c '^http: status 200, body 16000 bytes' "$work/big.log")" -eq 2 ] &&
    [ "${record:-0}" -ge 16000 ] && grep -q '"GET /bytes/16000 HTTP/1.1" 200' "$work/server-chain.log"; then
    ok "firmware received a $record-byte TLS record and sent a 3 KB request (server chain with an intermediate)"
else
    notok "firmware received a 16 KB TLS record (exit status $rc)"; quote "$work/big.log"
fi

# 4. A body that ends when the server closes the connection (FIN without
#    close_notify): the transport reports the close, the parser ends the body.
run_fw close "$chain_port" /close/5000 0
rc=$?
if [ "$rc" -eq 0 ] && [ "$(grep -c '^http: status 200, body 5000 bytes' "$work/close.log")" -eq 1 ]; then
    ok "firmware reads a body ended by the server closing the connection"
else
    notok "firmware reads a body ended by the server closing the connection (exit status $rc)"
    quote "$work/close.log"
fi

# 5. and 6. Certificates the firmware must refuse (NACME_ERR_TLS_VERIFY = -55).
for case in "rogue $rogue_port a server certificate from another CA" \
            "wrongname $wrongname_port a certificate not naming 10.0.2.2"; do
    set -- $case
    name=$1 port=$2
    shift 2
    run_fw "$name" "$port" /dir 0
    rc=$?
    if [ "$rc" -eq 1 ] && grep -q '^error: TLS connect (-55)' "$work/$name.log"; then
        ok "firmware refuses $*"
    else
        notok "firmware refuses $* (exit status $rc)"; quote "$work/$name.log"
    fi
done

# 7. Nothing listening: the connection is refused (NACME_ERR_CONNECT = -52).
run_fw refused "$(free_port)" /dir 0
rc=$?
if [ "$rc" -eq 1 ] && grep -q '^error: TLS connect (-52)' "$work/refused.log"; then
    ok "firmware reports a refused connection"
else
    notok "firmware reports a refused connection (exit status $rc)"; quote "$work/refused.log"
fi

finish
