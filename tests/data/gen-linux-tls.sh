#!/bin/sh
# Certificates made by openssl for tests/linux/test_*.c, in OUTDIR/linux:
#   ca.pem, ca.key            EC P-256 root "nanoacme Linux Test CA" (trusted by the tests)
#   other-ca.pem              another root (the "wrong CA")
#   inter.pem, inter.key      intermediate under ca
#   server.pem, server.key    leaf by inter: DNS:localhost, IP:127.0.0.1, IP:::1
#   server-chain.pem          server.pem then inter.pem (what the TLS server sends)
#   wrong.pem, wrong.key      leaf by ca for DNS:other.example only (wrong name, no IP)
#   expired.pem, expired.key  leaf by ca for localhost/127.0.0.1, valid 2001..2002
#   server-sec1.key           server.key as "EC PRIVATE KEY" (what the engine stores)
#   garbage.pem               a file with no certificate in it
# Usage: tests/data/gen-linux-tls.sh OUTDIR
set -eu
. "$(dirname "$0")/ca-lib.sh"
ca_setup "$1/linux"
ca_cnf
cat >> ca.cnf <<'CNF'
[ ext_server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
[ ext_wrong ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:other.example
CNF
printf '[ req ]\ndistinguished_name = dn\n[ dn ]\n' > req.cnf

# sign NAME SUBJECT SIGNER(self|NAME) EXT START END
sign() {
    name=$1 subj=$2 signer=$3 ext=$4 start=$5 end=$6
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$name.key"
    openssl req -new -config req.cnf -key "$name.key" -subj "$subj" -out "$name.csr"
    : > index.txt
    openssl rand -hex 8 > serial
    if [ "$signer" = self ]; then
        set -- -selfsign -keyfile "$name.key"
    else
        set -- -cert "$signer.pem" -keyfile "$signer.key"
    fi
    openssl ca -batch -config ca.cnf -notext "$@" -extensions "$ext" -startdate "$start" \
        -enddate "$end" -in "$name.csr" -out "$name.pem" 2>/dev/null
}

sign ca "/O=nanoacme tests/CN=nanoacme Linux Test CA" self ext_root 20200101000000Z 20991231235959Z
sign other-ca "/O=nanoacme tests/CN=nanoacme Other CA" self ext_root 20200101000000Z 20991231235959Z
sign inter "/O=nanoacme tests/CN=nanoacme Linux Test Intermediate" ca ext_inter 20200101000000Z 20991231235959Z
sign server "/CN=localhost" inter ext_server 20200101000000Z 20991231235959Z
sign wrong "/CN=other.example" ca ext_wrong 20200101000000Z 20991231235959Z
sign expired "/CN=localhost" ca ext_server 20010101000000Z 20020101000000Z

cat server.pem inter.pem > server-chain.pem
openssl ec -in server.key -out server-sec1.key 2>/dev/null
printf 'no certificate here\n' > garbage.pem
cp ca.pem ca.key other-ca.pem inter.pem inter.key server.pem server.key server-chain.pem \
    server-sec1.key wrong.pem wrong.key expired.pem expired.key garbage.pem "$out/"
