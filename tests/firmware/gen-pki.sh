#!/bin/sh
# Test PKI for the firmware, all P-256 ECDSA:
#  ca.pem/ca.der/ca.key      the test CA (ca.der becomes the firmware's trust anchor)
#  pebble.pem/pebble.key     Pebble's listener certificate, signed by the CA, for
#                            10.0.2.2 (the slirp gateway that reaches the host's
#                            127.0.0.1), 127.0.0.1, localhost and pebble.test
#  chain.pem/chain.key       a leaf for 10.0.2.2 signed by an intermediate CA, with
#                            the intermediate after it (a server's usual chain)
#  wrongname.pem/.key        signed by the CA, but for 127.0.0.1 only
#  rogue.pem/rogue.key       for 10.0.2.2, signed by another CA
# Usage: tests/firmware/gen-pki.sh OUT_DIR
set -eu
out=$1
mkdir -p "$out"
cd "$out"
rm -f ./*.pem ./*.der ./*.key ./*.csr ./*.srl ./*.cnf

key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null; }

ca() { # NAME SUBJECT
    key "$1.key"
    openssl req -x509 -new -key "$1.key" -sha256 -days 30 -subj "/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -out "$1.pem" 2>/dev/null
}

sign() { # NAME ISSUER EXTENSIONS...
    name=$1 issuer=$2
    shift 2
    key "$name.key"
    openssl req -new -key "$name.key" -subj "/CN=$name" -out "$name.csr" 2>/dev/null
    printf '%s\n' "$@" > "$name.cnf"
    openssl x509 -req -in "$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key" -CAcreateserial \
        -sha256 -days 30 -extfile "$name.cnf" -out "$name.pem" 2>/dev/null
    rm -f "$name.csr" "$name.cnf" "$issuer.srl"
}

server() { # NAME ISSUER SAN
    sign "$1" "$2" "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
        "extendedKeyUsage=serverAuth" "subjectAltName=$3"
}

ca ca "nanoacme firmware test CA"
openssl x509 -in ca.pem -outform DER -out ca.der
server pebble ca "IP:10.0.2.2,IP:127.0.0.1,DNS:localhost,DNS:pebble.test"
sign int ca "basicConstraints=critical,CA:TRUE,pathlen:0" "keyUsage=critical,keyCertSign,cRLSign"
server leaf int "IP:10.0.2.2"
cat leaf.pem int.pem > chain.pem
mv leaf.key chain.key
rm -f leaf.pem
server wrongname ca "IP:127.0.0.1"
ca rogueca "nanoacme rogue CA"
server rogue rogueca "IP:10.0.2.2"
