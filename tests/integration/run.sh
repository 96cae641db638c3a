#!/bin/bash
# Integration tests: the nanoacme command against a real Pebble and
# pebble-challtestsrv on loopback. TAP output. Every server started here is
# stopped by PID; every wait is bounded.
#
# Usage: tests/integration/run.sh NANOACME_BINARY [WRAPPER...]
#   e.g. tests/integration/run.sh build/native/nanoacme
#        tests/integration/run.sh build/armhf/nanoacme qemu-arm -L /usr/arm-linux-gnueabihf
set -u
here=$(cd "$(dirname "$0")" && pwd)
NANOACME=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
NANOACME_WRAP="$*"
. "$here/lib.sh"

make_pki || { echo "not ok 1 - test PKI"; exit 1; }
start_challtestsrv || { echo "not ok 1 - pebble-challtestsrv did not start"; exit 1; }
start_pebble main || { echo "not ok 1 - pebble did not start"; sed 's/^/# /' "$PEBBLE_LOG"; exit 1; }
P="$(pebble_opts)"
HTTP="--http-address 127.0.0.1 --http-port $HTTP01_PORT"

# ---- http-01 ---------------------------------------------------------------------
S=$T/s1
if nanoacme issue -d one.example.test --state-dir "$S" $P $HTTP --agree-tos --contact mailto:ops@example.test; then
    ok "issue one name with the built-in http-01 server"
else notok "issue one name with the built-in http-01 server"; fi
check "certificate verifies against Pebble's root, SAN and key match" verify_cert "$S" one.example.test DNS:one.example.test
check "privkey.pem is mode 0600, the directories 0700" \
    test "$(stat -c %a "$S/certs/one.example.test/privkey.pem")" = 600 -a "$(stat -c %a "$S/certs")" = 700
check "show lists it with its expiry and next renewal" \
    sh -c "${NANOACME_WRAP:-} '$NANOACME' show --state-dir '$S' | grep -q 'renewal:   from'"
check "show --json is one JSON document with the certificate" \
    sh -c "${NANOACME_WRAP:-} '$NANOACME' show --json --state-dir '$S' | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[\"certificates\"][0][\"names\"]==[\"one.example.test\"]'"

# webroot: a plain web server on the http-01 port serves the files nanoacme writes
W=$T/webroot
mkdir -p "$W"
python3 -m http.server "$HTTP01_PORT" --bind 127.0.0.1 --directory "$W" > "$T/web.log" 2>&1 &
WEB_PID=$!
PIDS="$PIDS $WEB_PID"
wait_port "$HTTP01_PORT"
S=$T/s2
if nanoacme issue -d web.example.test --state-dir "$S" $P --webroot "$W" --agree-tos; then
    ok "issue with --webroot"
else notok "issue with --webroot"; fi
check "webroot certificate verifies" verify_cert "$S" web.example.test DNS:web.example.test
check "the challenge file was removed from the webroot" \
    sh -c "[ -z \"\$(ls -A '$W/.well-known/acme-challenge' 2>/dev/null)\" ]"
kill "$WEB_PID"; wait "$WEB_PID" 2>/dev/null

S=$T/s3
if nanoacme issue -d a.example.test -d b.example.test -d c.example.test --state-dir "$S" $P $HTTP --agree-tos; then
    ok "issue three names"
else notok "issue three names"; fi
check "three-name certificate carries exactly the three" \
    verify_cert "$S" a.example.test DNS:a.example.test DNS:b.example.test DNS:c.example.test

# ---- IP identifier ---------------------------------------------------------------
S=$T/s4
if nanoacme issue -d 127.0.0.1 --state-dir "$S" $P $HTTP --agree-tos; then
    ok "issue for the IP address 127.0.0.1"
else notok "issue for the IP address 127.0.0.1"; fi
check "IP certificate carries the iPAddress SAN" verify_cert "$S" 127.0.0.1 "IP Address:127.0.0.1"

# ---- tls-alpn-01 -----------------------------------------------------------------
S=$T/s5
if nanoacme issue -d alpn.example.test --challenge tls-alpn-01 --tls-address 127.0.0.1 --tls-port "$TLSALPN_PORT" \
    --state-dir "$S" $P --agree-tos; then
    ok "issue with tls-alpn-01"
else notok "issue with tls-alpn-01"; fi
check "tls-alpn-01 certificate verifies" verify_cert "$S" alpn.example.test DNS:alpn.example.test

# ---- dns-01 through a hook -------------------------------------------------------
cat > "$T/dns-hook.sh" <<EOF
#!/bin/sh
# nanoacme dns-01 hook for pebble-challtestsrv: \$1 add|del, \$2 FQDN, \$3 value
echo "\$1 \$2 \$3" >> "$T/dns-hook.log"
case "\$1" in
add) curl -sf -X POST -d "{\"host\":\"\$2.\",\"value\":\"\$3\"}" http://127.0.0.1:$CTS_MGMT_PORT/set-txt ;;
del) curl -sf -X POST -d "{\"host\":\"\$2.\"}" http://127.0.0.1:$CTS_MGMT_PORT/clear-txt ;;
*) exit 2 ;;
esac
EOF
chmod +x "$T/dns-hook.sh"
S=$T/s6
if nanoacme issue -d dns.example.test --challenge dns-01 --dns-hook "$T/dns-hook.sh" --state-dir "$S" $P --agree-tos; then
    ok "issue with dns-01 through a hook"
else notok "issue with dns-01 through a hook"; fi
check "dns-01 certificate verifies" verify_cert "$S" dns.example.test DNS:dns.example.test
check "the hook added and then deleted the TXT record" \
    sh -c "grep -q '^add _acme-challenge.dns.example.test ' '$T/dns-hook.log' && grep -q '^del _acme-challenge.dns.example.test ' '$T/dns-hook.log'"

: > "$T/dns-hook.log"
S=$T/s7
if nanoacme issue -d wild.example.test -d '*.wild.example.test' --challenge dns-01 --dns-hook "$T/dns-hook.sh" \
    --state-dir "$S" $P --agree-tos; then
    ok "issue a wildcard with its base name"
else notok "issue a wildcard with its base name"; fi
check "wildcard certificate carries both names" \
    verify_cert "$S" wild.example.test "DNS:wild.example.test" "DNS:*.wild.example.test"
check "both TXT values published before either was removed" \
    sh -c "[ \"\$(head -n 2 '$T/dns-hook.log' | cut -d' ' -f1 | tr '\n' ' ')\" = 'add add ' ]"
cat > "$T/bad-hook.sh" <<'EOF'
#!/bin/sh
exit 7
EOF
chmod +x "$T/bad-hook.sh"
S=$T/s7b
if nanoacme issue -d badhook.example.test --challenge dns-01 --dns-hook "$T/bad-hook.sh" --state-dir "$S" $P --agree-tos; then
    notok "a failing dns hook fails the issue"
else
    check "a failing dns hook fails the issue, naming the hook's status" grep -q "status 7\|exit.*7" "$T/last.out"
fi

# ---- revoke ------------------------------------------------------------------------
S=$T/s1
if nanoacme revoke -d one.example.test --state-dir "$S" --reason 4; then ok "revoke with the account key"; else notok "revoke with the account key"; fi
check "Pebble reports it revoked" revoked "$S" one.example.test
S=$T/s3
if nanoacme revoke -d a.example.test --state-dir "$S" --with-cert-key; then
    ok "revoke with the certificate key"
else notok "revoke with the certificate key"; fi
check "Pebble reports that one revoked too" revoked "$S" a.example.test

# ---- account ---------------------------------------------------------------------------
S=$T/s4
old_url=$(${NANOACME_WRAP:-} "$NANOACME" account show --state-dir "$S" 2>&1 | sed -n 's/^account: //p')
if nanoacme account key-rollover --state-dir "$S"; then ok "account key rollover"; else notok "account key rollover"; fi
if nanoacme issue -d after-roll.example.test --state-dir "$S" $P $HTTP --force; then
    ok "issue with the new account key"
else notok "issue with the new account key"; fi
new_url=$(${NANOACME_WRAP:-} "$NANOACME" account show --state-dir "$S" 2>&1 | sed -n 's/^account: //p')
check "the account URL stayed the same across the rollover" test -n "$old_url" -a "$old_url" = "$new_url"
if nanoacme account update --contact mailto:new@example.test --state-dir "$S"; then
    ok "account contact update"
else notok "account contact update"; fi

# ---- renew ------------------------------------------------------------------------------
S=$T/s5
before=$(serial_of "$S" alpn.example.test)
if nanoacme renew --state-dir "$S"; then ok "renew exits 0 when nothing is due"; else notok "renew exits 0 when nothing is due"; fi
check "renew reported not due and kept the certificate" \
    sh -c "grep -q 'not due' '$T/last.out' && [ '$(serial_of "$S" alpn.example.test)' = '$before' ]"
if nanoacme renew --force --state-dir "$S" --deploy-hook "echo \$NANOACME_FULLCHAIN > $T/deployed"; then
    ok "renew --force"
else notok "renew --force"; fi
check "forced renew replaced the certificate (new serial)" test "$(serial_of "$S" alpn.example.test)" != "$before"
check "forced renew kept verifying" verify_cert "$S" alpn.example.test DNS:alpn.example.test
check "the deploy hook ran with the file paths" grep -q "certs/alpn.example.test/fullchain.pem" "$T/deployed"

# ---- interrupted runs resume ------------------------------------------------------------
# The challenge is served by a web server from a webroot, which outlives the killed process:
# the CA's validation still succeeds, and the rerun must continue the same order.
python3 -m http.server "$HTTP01_PORT" --bind 127.0.0.1 --directory "$W" > "$T/web2.log" 2>&1 &
WEB_PID=$!
PIDS="$PIDS $WEB_PID"
wait_port "$HTTP01_PORT"
for point in order-created challenges-answered finalized; do
    S=$T/kill-$point
    before=$(new_orders)
    NANOACME_TEST_KILL_AT=$point nanoacme issue -d "k-$point.example.test" --state-dir "$S" $P --webroot "$W" --agree-tos
    killed=$?
    if nanoacme issue -d "k-$point.example.test" --state-dir "$S" $P --webroot "$W" --agree-tos &&
       verify_cert "$S" "k-$point.example.test" "DNS:k-$point.example.test"; then
        ok "killed at $point (status $killed): the rerun completes"
    else notok "killed at $point: the rerun completes"; fi
    check "killed at $point: one newOrder over both runs" test "$(( $(new_orders) - before ))" -eq 1
done
kill "$WEB_PID"; wait "$WEB_PID" 2>/dev/null

# ---- errors leave the state directory intact ------------------------------------------------
S=$T/s1b
nanoacme issue -d keep.example.test --state-dir "$S" $P $HTTP --agree-tos
snapshot() { (cd "$S" && find . -type f -not -name '.lock' | sort | xargs sha256sum); }
snap=$(snapshot)
if nanoacme issue -d keep.example.test --state-dir "$S" $P $HTTP --force --ca-file "$T/root-main.pem"; then
    notok "a wrong CA file fails"
else
    check "a wrong CA file fails with a clear error" grep -qi "certificate not trusted\|CA" "$T/last.out"
fi
check "nothing stored was changed by the failure" test "$(snapshot)" = "$snap"
if nanoacme issue -d keep.example.test --state-dir "$S" --server "https://127.0.0.1:1/dir" --ca-file "$T/ca.pem" $HTTP --force; then
    notok "an ACME server that is not running fails"
else
    check "an ACME server that is not running: a clear error" grep -qi "could not connect" "$T/last.out"
fi
check "nothing stored was changed by that either" test "$(snapshot)" = "$snap"
(
    exec 9>"$S/.lock"
    flock -n 9 || exit 1
    nanoacme issue -d keep.example.test --state-dir "$S" $P $HTTP --force
    echo $? > "$T/locked.rc"
)
check "a second run while the state directory is locked exits 3 and says so" \
    sh -c "[ \"\$(cat '$T/locked.rc')\" = 3 ] && grep -q 'in use by another' '$T/last.out'"

stop_pebble

# ---- a name Pebble refuses ----------------------------------------------------------------------
start_pebble blocked ', "domainBlocklist": ["blocked.example.test"]' || notok "pebble with a blocklist did not start"
S=$T/s8
if nanoacme issue -d blocked.example.test --state-dir "$S" $P $HTTP --agree-tos; then
    notok "a name the CA refuses fails"
else
    check "a name the CA refuses: the ACME problem type and detail are shown" grep -q "rejectedIdentifier\|policy" "$T/last.out"
fi
check "no certificate was written for it" test ! -e "$S/certs/blocked.example.test/cert.pem"
stop_pebble

# ---- external account binding -------------------------------------------------------------------
start_pebble eab ', "externalAccountBindingRequired": true, "externalAccountMACKeys": {"kid-1": "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W"}' ||
    notok "pebble with EAB did not start"
S=$T/s9
if nanoacme issue -d eab.example.test --state-dir "$S" $P $HTTP --agree-tos; then
    notok "without EAB the CA's requirement is reported"
else
    check "without EAB the CA's requirement is reported" grep -q "external account binding" "$T/last.out"
fi
printf 'zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W\n' > "$T/eab.key"
if nanoacme issue -d eab.example.test --state-dir "$S" $P $HTTP --agree-tos --eab-kid kid-1 --eab-hmac-key-file "$T/eab.key" -v; then
    ok "issue with external account binding"
else notok "issue with external account binding"; fi
check "the EAB key is never printed" sh -c "! grep -q zWNDZM6eQGH '$T/last.out'"
check "EAB certificate verifies" verify_cert "$S" eab.example.test DNS:eab.example.test
stop_pebble

# ---- a nonce storm ------------------------------------------------------------------------------
PEBBLE_WFE_NONCEREJECT=50 start_pebble storm || notok "pebble rejecting nonces did not start"
storm_ok=0
for i in 1 2 3; do
    S=$T/storm-$i
    if nanoacme issue -d "storm$i.example.test" --state-dir "$S" $P $HTTP --agree-tos -v &&
       verify_cert "$S" "storm$i.example.test" "DNS:storm$i.example.test"; then
        storm_ok=$((storm_ok + 1))
        grep -q "badNonce: retrying" "$T/last.out" && storm_seen=1
    fi
done
check "half the nonces rejected: 3 of 3 issuances succeed" test "$storm_ok" -eq 3
check "the badNonce retries show in the -v log" test "${storm_seen:-0}" -eq 1
stop_pebble

# ---- alternate chains --------------------------------------------------------------------------
PEBBLE_ALTERNATE_ROOTS=2 start_pebble alt || notok "pebble with alternate roots did not start"
curl -s --cacert "$T/ca.pem" "https://127.0.0.1:$PEBBLE_MGMT_PORT/roots/1" > "$T/root1.pem"
want_cn=$(openssl x509 -in "$T/root1.pem" -noout -subject -nameopt multiline | sed -n 's/ *commonName *= //p')
S=$T/s10
if nanoacme issue -d alt.example.test --state-dir "$S" $P $HTTP --agree-tos --preferred-chain "$want_cn"; then
    ok "issue with --preferred-chain naming /roots/1 ($want_cn)"
else notok "issue with --preferred-chain"; fi
ROOT=$T/root1.pem
check "the saved chain ends at that root" verify_cert "$S" alt.example.test DNS:alt.example.test
stop_pebble

echo "1..$n"
[ "$failures" -eq 0 ]
