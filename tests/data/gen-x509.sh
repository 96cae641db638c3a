#!/bin/sh
# Test certificates for tests/core/test_x509.c, test_pem.c and test_der.c,
# made fresh by openssl, with the values openssl reads from them:
#
#   ca-rsa     self-signed RSA 2048 root (CA:TRUE)
#   ca-ec      P-256 intermediate signed by ca-rsa (CA:TRUE, AKI), PrintableString names
#   leaf       P-256 key signed by ca-rsa: DNS, IPv4, IPv6, email and URI SANs, AKI,
#              notBefore 2000-02-29 (UTCTime), notAfter 2050-03-01 (GeneralizedTime)
#   leaf-ec    P-256 key signed by ca-ec, SANs
#   nosan      P-256 key signed by ca-ec, no SAN, two CNs, 1950-01-01 .. 2049-12-31 (UTCTime both)
#
# For each NAME: NAME.der, NAME.pem, NAME.spki (SubjectPublicKeyInfo DER) and NAME.expect (key=value lines: serial,
# not_before, not_after (Unix seconds), issuer_cn, subject_cn (the last CN),
# aki, point (x||y hex, EC keys only), is_ca, and one san= line per DNS/IP
# name in order: "DNS:name" or "IP:hex").
# chain.pem is leaf-ec, ca-ec, ca-rsa with explanatory text around the blocks.
# der-writer.der is a structure built by `openssl asn1parse -genconf` that
# test_der.c rebuilds with the DER writer, byte for byte.
#
# Usage: tests/data/gen-x509.sh OUTDIR
set -eu
. "$(dirname "$0")/ca-lib.sh"
ca_setup "$1"
ca_cnf "preserve = yes"
cat >> ca.cnf <<'CNF'
[ ext_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = @san_leaf
[ san_leaf ]
DNS.1 = example.com
email.1 = hostmaster@example.com
DNS.2 = www.example.com
IP.1 = 192.0.2.1
URI.1 = https://example.com/
DNS.3 = *.api.example.com
IP.2 = 2001:db8::8a2e:370:7334
[ ext_leaf_ec ]
basicConstraints = critical, CA:FALSE
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:device.example.net, IP:10.1.2.3, DNS:device2.example.net
[ ext_nosan ]
authorityKeyIdentifier = keyid:always
CNF

# string_mask default: PrintableString where the text allows (ca-ec's names), else UTF8String
cat > req.cnf <<'CNF'
[ req ]
distinguished_name = dn
string_mask = default
[ dn ]
CNF

# sign NAME KEY SUBJECT SIGNER_CERT SIGNER_KEY EXT SERIAL START END [extra ca options]
sign() {
    name=$1 key=$2 subj=$3 signer_cert=$4 signer_key=$5 ext=$6 serial=$7 start=$8 end=$9
    shift 9
    : > index.txt
    echo "$serial" > serial
    openssl req -new -config req.cnf -key "$key" -subj "$subj" -out "$name.csr"
    if [ "$signer_cert" = self ]; then
        set -- -selfsign "$@"
    else
        set -- -cert "$signer_cert" "$@"
    fi
    openssl ca -batch -config ca.cnf -notext -keyfile "$signer_key" "$@" -extensions "$ext" \
        -startdate "$start" -enddate "$end" -preserveDN -in "$name.csr" -out "$name.pem" 2>/dev/null
    openssl x509 -in "$name.pem" -outform DER -out "$name.der"
}

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ca-rsa.key 2>/dev/null
for k in ca-ec leaf leaf-ec nosan; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $k.key
done

sign ca-rsa ca-rsa.key "/O=nanoacme tests/CN=nanoacme Test RSA Root" self ca-rsa.key ext_root \
    01 20200101000000Z 20991231235959Z
sign ca-ec ca-ec.key "/O=nanoacme tests/CN=nanoacme Test EC CA" ca-rsa.pem ca-rsa.key ext_inter \
    7F 20200101000000Z 20450101000000Z
sign leaf leaf.key "/CN=example.com" ca-rsa.pem ca-rsa.key ext_leaf \
    8A1B2C3D4E5F60718293A4B5C6D7E8F9 20000229235959Z 20500301000000Z
sign leaf-ec leaf-ec.key "/CN=device.example.net" ca-ec.pem ca-ec.key ext_leaf_ec \
    00FF 20240615120000Z 20260615120000Z
sign nosan nosan.key "/CN=old name/O=nanoacme tests/CN=nosan.example" ca-ec.pem ca-ec.key ext_nosan \
    1234 19500101000000Z 20491231235959Z

hex() { od -An -tx1 -v | tr -d ' \n'; }
# epoch seconds of "notBefore=Feb 29 23:59:59 2000 GMT"
epoch() { date -u -d "$(openssl x509 -in "$1" -noout "-$2" | cut -d= -f2)" +%s; }
# last CN of -issuer / -subject, printed one attribute a line
last_cn() {
    openssl x509 -in "$1" -noout "-$2" -nameopt sep_multiline,utf8,sname,-esc_msb |
        sed -n 's/^ *CN=//p' | tail -n 1
}
# keyid of an extension printed by -ext: the hex line, colons removed, lower case
ext_hex() {
    openssl x509 -in "$1" -noout -ext "$2" 2>/dev/null | sed -n '2p' |
        sed 's/^ *//; s/^keyid://; s/://g' | tr 'A-F' 'a-f'
}
# SAN list as DNS:name / IP:hex lines, other types left out
san_lines() {
    openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null | sed -n '2p' | tr ',' '\n' |
        sed 's/^ *//' | while IFS= read -r item; do
            case $item in
                DNS:*) echo "san=$item" ;;
                "IP Address:"*.*)
                    ip=${item#IP Address:}
                    echo "san=IP:$(echo "$ip" | awk -F. '{ printf "%02x%02x%02x%02x", $1, $2, $3, $4 }')" ;;
                "IP Address:"*:*)
                    ip=${item#IP Address:}
                    # openssl prints all 8 groups (2001:DB8:0:0:...)
                    echo "san=IP:$(echo "$ip" | awk -F: '{ for (i = 1; i <= NF; i++) printf "%04s", tolower($i) }' | tr ' ' 0)" ;;
            esac
        done
}

for c in ca-rsa ca-ec leaf leaf-ec nosan; do
    {
        echo "serial=$(openssl x509 -in $c.pem -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f')"
        echo "not_before=$(epoch $c.pem startdate)"
        echo "not_after=$(epoch $c.pem enddate)"
        echo "issuer_cn=$(last_cn $c.pem issuer)"
        echo "subject_cn=$(last_cn $c.pem subject)"
        echo "aki=$(ext_hex $c.pem authorityKeyIdentifier)"
        if [ "$c" = ca-rsa ]; then
            echo "point="
        else
            echo "point=$(openssl pkey -in $c.key -pubout -outform DER | tail -c 64 | hex)"
        fi
        if openssl x509 -in $c.pem -noout -ext basicConstraints 2>/dev/null | grep -q 'CA:TRUE'; then
            echo "is_ca=1"
        else
            echo "is_ca=0"
        fi
        san_lines $c.pem
    } > "$out/$c.expect"
    openssl x509 -in $c.pem -noout -pubkey | openssl pkey -pubin -outform DER -out "$out/$c.spki"
    cp $c.der $c.pem "$out/"
done

# A chain as a CA serves it, with explanatory text before, between and after the blocks.
{
    echo "Certificate chain for device.example.net"
    openssl x509 -in leaf-ec.pem -noout -subject -issuer
    cat leaf-ec.pem
    echo
    echo "subject=intermediate: -----BEGIN is only a block at a line start"
    cat ca-ec.pem
    echo "# root"
    cat ca-rsa.pem
    echo "end of chain"
} > "$out/chain.pem"

# DER writer reference: every type the writer emits, short and long lengths.
big=$(head -c 300 /dev/zero | tr '\0' 'a')
hex200=$(head -c 200 /dev/zero | tr '\0' '\125' | hex)
hex70000=$(head -c 70000 /dev/zero | tr '\0' '\252' | hex)
cat > der-writer.cnf <<CNF
asn1 = SEQUENCE:top
[ top ]
i0 = INTEGER:0
i1 = INTEGER:127
i2 = INTEGER:128
i3 = INTEGER:256
i4 = INTEGER:0x8000000000000000000001
i5 = INTEGER:4294967295
oid = OID:1.2.840.10045.3.1.7
bits = FORMAT:HEX,BITSTRING:04a1b2c3
oct200 = FORMAT:HEX,OCTETSTRING:$hex200
utf8 = FORMAT:UTF8,UTF8String:$(printf 'caf\303\251')
ia5 = IA5STRING:$big
t = BOOLEAN:TRUE
f = BOOLEAN:FALSE
n = NULL
dns = IMPLICIT:2,IA5STRING:example.com
exp = EXPLICIT:0,INTEGER:2
set = SET:set
oct70000 = FORMAT:HEX,OCTETSTRING:$hex70000
[ set ]
a = OID:2.5.4.3
CNF
openssl asn1parse -genconf der-writer.cnf -out "$out/der-writer.der" -noout
