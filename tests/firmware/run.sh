#!/bin/sh
# Firmware test, TAP output: the Cortex-M3 firmware obtains a certificate
# from a local Pebble and renews it, under qemu-system-arm (mps2-an385).
#
#  - builds the firmware with a fresh test CA as its trust anchor (the build
#    fails when a heap function is linked or a budget is exceeded);
#  - starts pebble-challtestsrv (mock DNS: every name is 127.0.0.1, no IPv6)
#    and Pebble (short certificateValidityPeriod, PEBBLE_VA_NOSLEEP=1,
#    PEBBLE_AUTHZREUSE=0) on loopback, Pebble's listener certificate from
#    the test CA for 10.0.2.2 (the slirp gateway the guest reaches the host by);
#  - boots the firmware with hostfwd 127.0.0.1:HTTP01_PORT -> guest port 80,
#    where Pebble validates http-01; the firmware issues, waits until the
#    engine finds the certificate due (a third of its lifetime left), renews,
#    prints both chains and exits 0;
#  - checks each chain with openssl verify against Pebble's root (from the
#    management interface /roots/0), the names, and that the serials differ;
#  - then the TLS failures the firmware must report: a server certificate
#    from another CA, one for another address, a refused connection, a record
#    larger than the record buffer; and the CA reached by name (SNI) by a
#    device without a wall clock (the engine uses the CA's Date header).
# Every process is stopped by its PID; every wait is bounded. Logs (the UART
# output of each run, Pebble's) stay in build/fw-test/ (FW_WORK).
#
# Environment: FW_VALIDITY (certificate lifetime in seconds, default 90),
# FW_TIMEOUT (seconds for the main run, default 300), FW_ICOUNT (run QEMU
# with -icount shift=N: emulated CPU time), FW_RENEWALS (default 1; 0 only
# issues), FW_MAIN_OPTS (more firmware options for the main run, e.g.
# notime), FW_ONLY_MAIN (1: skip the failure cases), MAKE.
# Usage: tests/firmware/run.sh
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
work=${FW_WORK:-$here/build/fw-test}
elf="$here/build/fw/firmware.elf"
make=${MAKE:-make}
validity=${FW_VALIDITY:-90}
limit=${FW_TIMEOUT:-300}
renewals=${FW_RENEWALS:-1}
name=fw.example.test
n=0
fail=0
pids=""
ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n - $*"; }
quote() { sed 's/^/# /' "$1"; }
finish() { echo "1..$n"; exit "$fail"; }
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    for p in $pids; do wait "$p" 2>/dev/null; done
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

# wait_port PORT: until a TCP port answers on 127.0.0.1 (10 s at most).
wait_port() {
    i=0
    while ! python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', $1), 0.2)" 2>/dev/null; do
        i=$((i + 1))
        [ "$i" -le 50 ] || return 1
        sleep 0.2
    done
}

# run_fw LOG SECONDS ARGS...: boot the firmware with the semihosting
# arguments (URL NAME OPTIONS); UART output in LOG; returns its exit status.
run_fw() {
    rf_log=$1 rf_secs=$2
    shift 2
    args="enable=on,target=native,arg=firmware"
    for a in "$@"; do args="$args,arg=$a"; done
    icount=""
    [ -n "${FW_ICOUNT:-}" ] && icount="-icount shift=$FW_ICOUNT"
    # shellcheck disable=SC2086
    timeout "$rf_secs" qemu-system-arm -M mps2-an385 -display none -monitor none -serial stdio \
        -semihosting-config "$args" $icount \
        -nic "user,model=lan9118,hostfwd=tcp:127.0.0.1:$http_port-:80" -kernel "$elf" </dev/null >"$rf_log" 2>&1
}

# A setup step failed: the first test fails with the reason.
bail() { notok "firmware obtained and renewed a certificate ($1)"; quote "$2"; finish; }

rm -rf "$work"
mkdir -p "$work"
"$here/tests/firmware/gen-pki.sh" "$work/pki" >"$work/pki.log" 2>&1 || bail "test PKI" "$work/pki.log"
"$make" -C "$here" --no-print-directory firmware FW_CA_DER="$work/pki/ca.der" >"$work/build.log" 2>&1 ||
    bail "firmware build" "$work/build.log"

pebble_port=$(free_port)
mgmt_port=$(free_port)
http_port=$(free_port)
dns_port=$(free_port)
cts_port=$(free_port)

pebble-challtestsrv -defaultIPv6 "" -defaultIPv4 127.0.0.1 -http01 "" -https01 "" -tlsalpn01 "" \
    -dns01 "127.0.0.1:$dns_port" -management "127.0.0.1:$cts_port" >"$work/challtestsrv.log" 2>&1 &
pids="$pids $!"
wait_port "$cts_port" || bail "pebble-challtestsrv did not start" "$work/challtestsrv.log"

cat >"$work/pebble.json" <<EOF
{"pebble": {"listenAddress": "127.0.0.1:$pebble_port",
            "managementListenAddress": "127.0.0.1:$mgmt_port",
            "certificate": "$work/pki/pebble.pem", "privateKey": "$work/pki/pebble.key",
            "httpPort": $http_port, "tlsPort": $(free_port), "ocspResponderURL": "",
            "externalAccountBindingRequired": false,
            "certificateValidityPeriod": $validity}}
EOF
PEBBLE_VA_NOSLEEP=1 PEBBLE_AUTHZREUSE=0 \
    pebble -config "$work/pebble.json" -dnsserver "127.0.0.1:$dns_port" >"$work/pebble.log" 2>&1 &
pids="$pids $!"
wait_port "$pebble_port" && wait_port "$mgmt_port" || bail "Pebble did not start" "$work/pebble.log"
curl -s --max-time 10 --cacert "$work/pki/ca.pem" "https://127.0.0.1:$mgmt_port/roots/0" >"$work/root.pem"
grep -q "BEGIN CERTIFICATE" "$work/root.pem" || bail "Pebble's root from /roots/0" "$work/pebble.log"

# ---- 1. issue and renew ----------------------------------------------------------
url="https://10.0.2.2:$pebble_port/dir"
start=$(date +%s)
# shellcheck disable=SC2086
run_fw "$work/acme.log" "$limit" "$url" "$name" "renewals=$renewals" "check=10" ${FW_MAIN_OPTS:-}
rc=$?
took=$(( $(date +%s) - start ))
echo "# main run: exit status $rc after $took s (certificate lifetime $validity s)"
if [ "$rc" -eq 0 ] && grep -q '^result: ok' "$work/acme.log"; then
    ok "firmware obtained $( [ "$renewals" -gt 0 ] && echo "and renewed ")a certificate (exit 0 after $took s)"
else
    notok "firmware obtained and renewed a certificate (exit status $rc after $took s)"
fi
grep -E '^(cost|memory|tls|http-01|flash|setup|pool):' "$work/acme.log" | sed 's/^/# /'

# The chains between "chain N begin" and "chain N end", split into leaf and intermediates.
extract() { # N -> $work/chainN.pem, leafN.pem, restN.pem; false when absent
    awk -v n="$1" '$0 == "chain " n " begin\r" || $0 == "chain " n " begin" { on = 1; next }
                   $0 == "chain " n " end\r" || $0 == "chain " n " end" { on = 0 }
                   on { sub(/\r$/, ""); print }' "$work/acme.log" >"$work/chain$1.pem"
    grep -q "BEGIN CERTIFICATE" "$work/chain$1.pem" || return 1
    awk '/BEGIN CERTIFICATE/ { k++ } k == 1 { print } /END CERTIFICATE/ && k == 1 { k = 99 }' \
        "$work/chain$1.pem" >"$work/leaf$1.pem"
    awk '/BEGIN CERTIFICATE/ { k++ } k >= 2 { print }' "$work/chain$1.pem" >"$work/rest$1.pem"
}

check_chain() { # N
    i=$1
    if ! extract "$i"; then
        notok "certificate $i: no chain printed"; quote "$work/acme.log"; return
    fi
    nb=$(openssl x509 -in "$work/leaf$i.pem" -noout -startdate 2>/dev/null | cut -d= -f2)
    at=$(( $(date -d "$nb" +%s) + 1 ))
    untrusted=""
    [ -s "$work/rest$i.pem" ] && untrusted="-untrusted $work/rest$i.pem"
    # shellcheck disable=SC2086
    if out=$(openssl verify -attime "$at" -CAfile "$work/root.pem" $untrusted "$work/leaf$i.pem" 2>&1); then
        ok "certificate $i verifies against Pebble's root ($(openssl x509 -in "$work/leaf$i.pem" -noout -issuer))"
    else
        notok "certificate $i does not verify: $out"
    fi
    sans=$(openssl x509 -in "$work/leaf$i.pem" -noout -ext subjectAltName 2>/dev/null | tail -n +2 | tr -d ' ')
    if [ "$sans" = "DNS:$name" ]; then
        ok "certificate $i names exactly $name"
    else
        notok "certificate $i names '$sans', not DNS:$name"
    fi
    serial=$(openssl x509 -in "$work/leaf$i.pem" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//')
    printed=$(sed -n "s/^cert $i: serial \([0-9a-f]*\).*/\1/p" "$work/acme.log" | tr -d '\r' | sed 's/^0*//')
    if [ -n "$serial" ] && [ "$serial" = "$printed" ]; then
        ok "certificate $i: the serial the firmware printed ($printed) is the certificate's"
    else
        notok "certificate $i: printed serial '$printed', certificate's '$serial'"
    fi
    eval "serial$i=\$serial"
}

check_chain 1
if [ "$renewals" -gt 0 ]; then
    check_chain 2
    # shellcheck disable=SC2154
    if [ -n "${serial1:-}" ] && [ -n "${serial2:-}" ] && [ "$serial1" != "$serial2" ]; then
        ok "the renewed certificate has a new serial ($serial1 -> $serial2)"
    else
        notok "the renewed certificate's serial (${serial2:-none}) is not new (${serial1:-none})"
    fi
    checks=$(grep -c '^renewal: not due' "$work/acme.log")
    if grep -q '^renewal: a new certificate was installed' "$work/acme.log" && [ "$checks" -ge 1 ]; then
        ok "the engine renewed only once the certificate was due ($checks checks found it not due first)"
    else
        notok "renewal was not decided by the engine ($checks not-due checks)"
    fi
    served=$(grep -c 'http-01: served' "$work/acme.log")
    orders=$(grep -c 'Added order' "$work/pebble.log") # (a newOrder refused for its nonce is sent again)
    if [ "$served" -ge 2 ] && [ "$orders" -eq 2 ]; then
        ok "each of the $orders orders was validated through the firmware's http-01 listener ($served answers)"
    else
        notok "http-01: $served answers for $orders orders"
    fi
fi
# The board's flash stays busy for two polls per erase and program: every
# write above went through the storage's non-blocking path.
busy=$(sed -n 's/^flash: .* \([0-9]*\) busy answers.*/\1/p' "$work/acme.log" | tail -n 1)
commits=$(sed -n 's/^flash: \([0-9]*\) commits.*/\1/p' "$work/acme.log" | tail -n 1)
if [ -n "$busy" ] && [ "$busy" -gt 0 ] && [ -n "$commits" ] && [ "$commits" -gt 0 ]; then
    ok "the flash answered busy $busy times and all $commits commits completed"
else
    notok "flash: '${busy:-no}' busy answers, '${commits:-no}' commits"
fi
[ "$fail" -eq 0 ] || { quote "$work/acme.log"; tail -n 40 "$work/pebble.log" | sed 's/^/# pebble: /'; }
[ "${FW_ONLY_MAIN:-0}" = 1 ] && finish

# ---- 2. failures the firmware must report ---------------------------------------------
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
for s in chain wrongname rogue; do
    wait_for "$work/server-$s.log" "listening" || { notok "TLS server $s did not start"; quote "$work/server-$s.log"; }
done

# expect_error LOG CODE DESCRIPTION URL: the firmware exits 1 naming the engine's error CODE.
expect_error() {
    ee_log=$1 code=$2 what=$3 u=$4
    run_fw "$work/$ee_log.log" 60 "$u" "$name" "renewals=0"
    rc=$?
    if [ "$rc" -eq 1 ] && grep -q "^error: issue ($code)" "$work/$ee_log.log"; then
        ok "firmware reports $what (error $code)"
    else
        notok "firmware reports $what (exit status $rc, want error $code)"; quote "$work/$ee_log.log"
    fi
}
# NACME_ERR_TLS_VERIFY = -55, NACME_ERR_CONNECT = -52
expect_error rogue -55 "a server certificate from another CA" "https://10.0.2.2:$rogue_port/dir"
expect_error wrongname -55 "a server certificate not naming 10.0.2.2" "https://10.0.2.2:$wrongname_port/dir"
expect_error refused -52 "a refused connection" "https://10.0.2.2:$(free_port)/dir"
# Through a chain with an intermediate CA, TLS succeeds; a 16000-byte body comes in one
# record larger than the record buffer: NACME_ERR_TLS = -54, no overflow.
expect_error record -54 "a TLS record larger than its record buffer (server chain with an intermediate)" \
    "https://10.0.2.2:$chain_port/close/16000"
grep -q '"GET /close/16000 HTTP/1.1" 200' "$work/server-chain.log" ||
    notok "the chain server did not see the request (the TLS handshake through the intermediate failed)"
# A small 404 through the same chain: TLS works, the engine refuses the answer
# (NACME_ERR_HTTP_UNEXPECTED = -81).
expect_error chain404 -81 "an HTTP error from a server whose chain has an intermediate" \
    "https://10.0.2.2:$chain_port/dir"

# ---- 3. the CA by name (SNI, the dNSName check), without a wall clock ------------------------
run_fw "$work/name.log" 120 "https://pebble.test:$pebble_port/dir" "$name" "renewals=0" \
    "host=pebble.test=10.0.2.2" notime
rc=$?
if [ "$rc" -eq 0 ] && grep -q '^result: ok' "$work/name.log" && grep -q '^chain 1 end' "$work/name.log"; then
    ok "firmware obtains a certificate from the CA reached by name (SNI, dNSName pebble.test)"
else
    notok "firmware reaches the CA by name (exit status $rc)"; quote "$work/name.log"
fi
if grep -q "clock unknown: using the CA's Date header" "$work/name.log"; then
    ok "without a wall clock the engine takes the time from the CA's Date header"
else
    notok "the engine did not fall back to the Date header"; quote "$work/name.log"
fi

finish
