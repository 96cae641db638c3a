#!/bin/sh
# Keys made by openssl for tests/crypto/test_wolfcrypt.c, in OUTDIR/wolfcrypt:
#   p256-sec1.pem     ecparam -genkey output (EC PARAMETERS block, then EC PRIVATE KEY)
#   p256-sec1.der     the same key, SEC1 DER
#   p256-pkcs8.pem    the same key, PKCS#8 PEM (openssl pkcs8 -topk8 -nocrypt)
#   p256-pkcs8.der    the same key, PKCS#8 DER
#   p256-nopub.pem    the same key, SEC1 without the public key
#   p256-pub.der      its SubjectPublicKeyInfo (the last 64 bytes are x||y)
#   p256-encrypted.pem, p256-explicit.pem (explicit curve parameters),
#   p384-sec1.pem, p384-pkcs8.pem, k256-pkcs8.der and k256-nopub-pkcs8.der
#   (secp256k1, with and without the public key), rsa-pkcs8.pem,
#   rsa-trad.pem, ed25519.pem: keys the backend must refuse.
# Usage: tests/data/gen-wolfcrypt-keys.sh OUTDIR
set -eu
out=$1/wolfcrypt
mkdir -p "$out"
cd "$out"
q() { "$@" 2>/dev/null; }
q openssl ecparam -genkey -name prime256v1 -out p256-sec1.pem
q openssl ec -in p256-sec1.pem -outform DER -out p256-sec1.der
q openssl pkcs8 -topk8 -nocrypt -in p256-sec1.pem -out p256-pkcs8.pem
q openssl pkcs8 -topk8 -nocrypt -in p256-sec1.pem -outform DER -out p256-pkcs8.der
q openssl ec -in p256-sec1.pem -no_public -out p256-nopub.pem
q openssl ec -in p256-sec1.pem -pubout -outform DER -out p256-pub.der
q openssl pkcs8 -topk8 -in p256-sec1.pem -passout pass:secret -out p256-encrypted.pem
q openssl ecparam -genkey -name prime256v1 -param_enc explicit -noout -out p256-explicit.pem
q openssl ecparam -genkey -name secp384r1 -noout -out p384-sec1.pem
q openssl pkcs8 -topk8 -nocrypt -in p384-sec1.pem -out p384-pkcs8.pem
q openssl ecparam -genkey -name secp256k1 -noout -out k256-sec1.pem
q openssl pkcs8 -topk8 -nocrypt -in k256-sec1.pem -outform DER -out k256-pkcs8.der
q openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa-pkcs8.pem
q openssl rsa -in rsa-pkcs8.pem -traditional -out rsa-trad.pem
q openssl genpkey -algorithm ED25519 -out ed25519.pem
# secp256k1 in PKCS#8 without the public key: only the outer algorithm
# parameters tell it from a P-256 key.
q openssl ec -in k256-sec1.pem -no_public -out k256-nopub.pem
q openssl pkcs8 -topk8 -nocrypt -in k256-nopub.pem -outform DER -out k256-nopub-pkcs8.der
