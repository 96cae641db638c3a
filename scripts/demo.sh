#!/bin/bash
# make demo: the main job on an embedded default. Starts a local Pebble (the
# ACME test CA) and pebble-challtestsrv on loopback, obtains a certificate for
# a demo name with nanoacme's built-in http-01 server, prints it, serves it
# once from a real TLS server and fetches the page with a client that trusts
# Pebble's root, then stops everything it started.
#
#   make demo                          local Pebble
#   make demo SERVER=URL NAME=host     another ACME server (NAME must point here;
#                                      the http-01 server listens on port 80;
#                                      DEMO_ARGS adds options, e.g. --contact)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
NANOACME=$here/build/cmd/nanoacme
STATE=${DEMO_STATE:-$here/build/demo-state}

if [ -n "${SERVER:-}" ]; then
    [ -n "${NAME:-}" ] || { echo "make demo SERVER=URL needs NAME=host.example.com (a name pointing to this machine)" >&2; exit 2; }
    # shellcheck disable=SC2086
    exec "$NANOACME" issue -d "$NAME" --server "$SERVER" --state-dir "$STATE" --agree-tos -v ${DEMO_ARGS:-}
fi

. "$here/tests/integration/lib.sh"
NAME=${NAME:-router.example.test}
echo "== starting a local ACME CA (Pebble) and its DNS (pebble-challtestsrv) on 127.0.0.1"
make_pki && start_challtestsrv && start_pebble demo || { echo "demo: could not start Pebble" >&2; exit 1; }
rm -rf "$STATE"
echo "== nanoacme issue -d $NAME (built-in http-01 server on 127.0.0.1:$HTTP01_PORT)"
if ! "$NANOACME" issue -d "$NAME" --state-dir "$STATE" --server "$DIR_URL" --ca-file "$T/ca.pem" \
        --http-address 127.0.0.1 --http-port "$HTTP01_PORT" --agree-tos -v; then
    echo "demo: issuance failed" >&2
    exit 1
fi
dir=$STATE/certs/$NAME
echo
echo "== the certificate"
openssl x509 -in "$dir/cert.pem" -noout -subject -issuer -dates -ext subjectAltName
echo
echo "== files"
ls -l "$dir"
echo
echo "== serving it from a real TLS server (openssl s_server on 127.0.0.1:8443) and fetching the page"
openssl s_server -quiet -accept 127.0.0.1:8443 -cert "$dir/cert.pem" -cert_chain "$dir/chain.pem" \
    -key "$dir/privkey.pem" -www > "$T/s_server.log" 2>&1 &
srv=$!
PIDS="$PIDS $srv"
wait_port 8443
if curl -sS --cacert "$ROOT" --resolve "$NAME:8443:127.0.0.1" -o "$T/page.html" "https://$NAME:8443/"; then
    head -n 4 "$T/page.html"
    echo "== fetched https://$NAME:8443/ with a client that trusts Pebble's root: the certificate works"
else
    echo "demo: the TLS fetch failed" >&2
    exit 1
fi
"$NANOACME" show --state-dir "$STATE"
echo "== stopping Pebble, pebble-challtestsrv and the TLS server (the certificate stays in $STATE)"
