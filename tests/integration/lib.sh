# Helpers of the integration tests: a local Pebble and pebble-challtestsrv on
# loopback, started and stopped by PID, the nanoacme command, checks with
# openssl. Sourced by tests/integration/run.sh.
#
# Ports (override in the environment): PEBBLE_PORT 14000, PEBBLE_MGMT_PORT
# 15000, HTTP01_PORT 5002, TLSALPN_PORT 5001, CTS_DNS_PORT 8053,
# CTS_MGMT_PORT 8055. NANOACME is the command to test (default: the native
# build); NANOACME_WRAP runs it under an emulator (qemu-arm -L ...).

PEBBLE_PORT=${PEBBLE_PORT:-14000}
PEBBLE_MGMT_PORT=${PEBBLE_MGMT_PORT:-15000}
HTTP01_PORT=${HTTP01_PORT:-5002}
TLSALPN_PORT=${TLSALPN_PORT:-5001}
CTS_DNS_PORT=${CTS_DNS_PORT:-8053}
CTS_MGMT_PORT=${CTS_MGMT_PORT:-8055}
DIR_URL="https://127.0.0.1:$PEBBLE_PORT/dir"

T=$(mktemp -d /tmp/nanoacme-it.XXXXXX)
PIDS=""
n=0
failures=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() {
    n=$((n + 1)); failures=$((failures + 1)); echo "not ok $n - $*"
    if [ -f "$T/last.out" ]; then sed 's/^/#   /' "$T/last.out" | tail -n 30; fi
}
check() { # check DESCRIPTION CMD...
    local what=$1; shift
    if "$@"; then ok "$what"; else notok "$what"; fi
}

cleanup() {
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT

# Wait (bounded) until a TCP port answers on 127.0.0.1.
wait_port() {
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    return 1
}

# A test PKI for Pebble's own listener: a CA and a P-256 certificate for 127.0.0.1, ::1, localhost.
make_pki() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/ca.key" \
        -out "$T/ca.pem" -days 30 -subj /CN=nanoacme-test-ca 2>/dev/null || return 1
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/pebble.key" \
        -out "$T/pebble.csr" -subj /CN=pebble 2>/dev/null || return 1
    printf 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\n' > "$T/ext"
    openssl x509 -req -in "$T/pebble.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" -CAcreateserial \
        -out "$T/pebble.pem" -days 30 -extfile "$T/ext" 2>/dev/null
}

start_challtestsrv() {
    pebble-challtestsrv -defaultIPv6 "" -defaultIPv4 127.0.0.1 -http01 "" -https01 "" -tlsalpn01 "" \
        -dns01 "127.0.0.1:$CTS_DNS_PORT" -management "127.0.0.1:$CTS_MGMT_PORT" > "$T/cts.log" 2>&1 &
    CTS_PID=$!
    PIDS="$PIDS $CTS_PID"
    wait_port "$CTS_MGMT_PORT"
}

# start_pebble NAME [EXTRA_JSON_MEMBERS] — environment variables of the caller apply (PEBBLE_*).
start_pebble() {
    local name=$1 extra=${2:-}
    PEBBLE_LOG="$T/pebble-$name.log"
    cat > "$T/pebble-$name.json" <<EOF
{"pebble": {"listenAddress": "127.0.0.1:$PEBBLE_PORT", "managementListenAddress": "127.0.0.1:$PEBBLE_MGMT_PORT",
  "certificate": "$T/pebble.pem", "privateKey": "$T/pebble.key",
  "httpPort": $HTTP01_PORT, "tlsPort": $TLSALPN_PORT, "ocspResponderURL": "",
  "externalAccountBindingRequired": false $extra}}
EOF
    PEBBLE_VA_NOSLEEP=1 PEBBLE_AUTHZREUSE=0 PEBBLE_WFE_NONCEREJECT=${PEBBLE_WFE_NONCEREJECT:-0} \
        pebble -config "$T/pebble-$name.json" -dnsserver "127.0.0.1:$CTS_DNS_PORT" > "$PEBBLE_LOG" 2>&1 &
    PEBBLE_PID=$!
    PIDS="$PIDS $PEBBLE_PID"
    wait_port "$PEBBLE_PORT" && wait_port "$PEBBLE_MGMT_PORT" || return 1
    curl -s --cacert "$T/ca.pem" "https://127.0.0.1:$PEBBLE_MGMT_PORT/roots/0" > "$T/root-$name.pem"
    ROOT="$T/root-$name.pem"
}

stop_pebble() {
    kill "$PEBBLE_PID" 2>/dev/null
    wait "$PEBBLE_PID" 2>/dev/null
    PIDS=$(echo "$PIDS" | sed "s/ $PEBBLE_PID\b//")
}

# nanoacme ARGS... — runs the command (output in $T/last.out), returns its status.
nanoacme() {
    ${NANOACME_WRAP:-} "$NANOACME" "$@" > "$T/last.out" 2>&1
}

# Common options for Pebble.
pebble_opts() {
    echo --server "$DIR_URL" --ca-file "$T/ca.pem"
}

# verify_cert STATE_DIR NAME SAN... — the certificate chains to Pebble's root, carries
# exactly the SANs given (as openssl prints them: DNS:x, IP Address:y), and its key is privkey.pem.
verify_cert() {
    local dir=$1/certs/$2; shift 2
    [ -f "$dir/cert.pem" ] && [ -f "$dir/privkey.pem" ] && [ -f "$dir/chain.pem" ] && [ -f "$dir/fullchain.pem" ] || return 1
    openssl verify -CAfile "$ROOT" -untrusted "$dir/chain.pem" "$dir/cert.pem" > /dev/null 2>&1 || return 1
    local want got
    want=$(printf '%s\n' "$@" | sort | tr '\n' ',')
    got=$(openssl x509 -in "$dir/cert.pem" -noout -ext subjectAltName 2>/dev/null | tail -n +2 | tr ',' '\n' |
          sed 's/^ *//' | grep -v '^$' | sort | tr '\n' ',')
    [ "$want" = "$got" ] || { echo "# SANs: want $want got $got"; return 1; }
    [ "$(openssl pkey -in "$dir/privkey.pem" -pubout 2>/dev/null)" = \
      "$(openssl x509 -in "$dir/cert.pem" -noout -pubkey 2>/dev/null)" ] || return 1
    cat "$dir/cert.pem" "$dir/chain.pem" | cmp -s - "$dir/fullchain.pem"
}

# Pebble's log lines for newOrder.
new_orders() { grep -c "POST /order-plz" "$PEBBLE_LOG"; }

# The serial (hex) of a stored certificate, as Pebble's management API wants it.
serial_of() { openssl x509 -in "$1/certs/$2/cert.pem" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/^0*//'; }

# Revocation status from Pebble's management interface.
revoked() {
    curl -s --cacert "$T/ca.pem" "https://127.0.0.1:$PEBBLE_MGMT_PORT/cert-status-by-serial/$(serial_of "$1" "$2")" |
        grep -q '"Status": "Revoked"'
}
