#!/usr/bin/env python3
"""Independent check of what the wolfCrypt backend produced (tests/crypto/test_wolfcrypt.c).

Usage: verify_wolfcrypt.py DIR

DIR/manifest.txt holds one check per line:
  key NAME                    NAME.xy (x||y, 64 bytes) and the exports NAME.sec1.der,
                              NAME.sec1.pem, NAME.pkcs8.der, NAME.pkcs8.pem: each loads
                              with python-cryptography and with `openssl pkey`, is a P-256
                              key whose public point is NAME.xy, all hold the same private
                              key, and each is byte for byte what cryptography writes for
                              that key in that format.
  pub NAME PATH               the key file PATH (made by openssl) has the public point NAME.xy.
  sig NAME DIGEST RS MODE     RS (hex r||s, 64 bytes) is an ECDSA P-256 signature of the
                              32-byte DIGEST (hex) by NAME: converted to DER here and verified
                              with cryptography (Prehashed SHA-256) and `openssl pkeyutl`;
                              and r and s are exactly those made with the RFC 6979 nonce
                              (MODE rfc6979), or with wolfSSL's variant that skips the
                              reduction of the digest mod n (MODE variant, which differs from
                              RFC 6979 only for digests >= n).

Prints '#' comment lines only (the caller's output is TAP); exits 0 when every check
passed, 1 otherwise. Never prints key material.
"""
import hashlib
import hmac
import os
import subprocess
import sys
import tempfile

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature

N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

failures = []


def fail(msg):
    failures.append(msg)
    print("# verify_wolfcrypt: FAIL " + msg)


def openssl(args):
    r = subprocess.run(["openssl"] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return r.returncode == 0


def load_key(path):
    data = open(path, "rb").read()
    if data.lstrip().startswith(b"-----BEGIN"):
        return serialization.load_pem_private_key(data, password=None)
    return serialization.load_der_private_key(data, password=None)


def point(xy):
    return ec.EllipticCurvePublicNumbers(
        int.from_bytes(xy[:32], "big"), int.from_bytes(xy[32:], "big"), ec.SECP256R1()
    ).public_key()


def xy_of(key):
    n = key.public_key().public_numbers()
    return n.x.to_bytes(32, "big") + n.y.to_bytes(32, "big")


FORMATS = {
    "sec1.der": (serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL, "DER", None),
    "sec1.pem": (serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, "PEM",
                 b"-----BEGIN EC PRIVATE KEY-----\n"),
    "pkcs8.der": (serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, "DER", None),
    "pkcs8.pem": (serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, "PEM",
                  b"-----BEGIN PRIVATE KEY-----\n"),
}


def check_key(d, name):
    xy = open(os.path.join(d, name + ".xy"), "rb").read()
    if len(xy) != 64:
        fail("%s: public key is %d bytes, not 64" % (name, len(xy)))
        return
    scalars = set()
    for suffix, (enc, fmt, form, label) in FORMATS.items():
        path = os.path.join(d, name + "." + suffix)
        data = open(path, "rb").read()
        try:
            key = load_key(path)
        except Exception as e:  # noqa: BLE001 - any failure to load is a failure
            fail("%s.%s: cryptography cannot load it: %s" % (name, suffix, type(e).__name__))
            continue
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
            fail("%s.%s: not a P-256 private key" % (name, suffix))
            continue
        if xy_of(key) != xy:
            fail("%s.%s: its public point differs from %s.xy" % (name, suffix, name))
        scalars.add(key.private_numbers().private_value)
        if label is not None and not data.startswith(label):
            fail("%s.%s: PEM label is not %r" % (name, suffix, label))
        if key.private_bytes(enc, fmt, serialization.NoEncryption()) != data:
            fail("%s.%s: differs from cryptography's encoding of the same key" % (name, suffix))
        if not openssl(["pkey", "-in", path, "-inform", form, "-noout"]):
            fail("%s.%s: openssl pkey cannot read it" % (name, suffix))
    if len(scalars) > 1:
        fail("%s: the four exports hold different private keys" % name)


def check_pub(d, name, path):
    xy = open(os.path.join(d, name + ".xy"), "rb").read()
    try:
        key = load_key(path)
    except Exception as e:  # noqa: BLE001
        fail("%s: cannot load %s: %s" % (name, path, type(e).__name__))
        return
    if xy_of(key) != xy:
        fail("%s: public point differs from the one of %s" % (name, os.path.basename(path)))


def private_value(d, name):
    return load_key(os.path.join(d, name + ".sec1.der")).private_numbers().private_value


def rfc6979_k(x, h, variant):
    """RFC 6979 section 3.2 nonce for P-256 and HMAC-SHA-256 (qlen = hlen = 256)."""
    def mac(key, data):
        return hmac.new(key, data, hashlib.sha256).digest()
    xb = x.to_bytes(32, "big")
    h1 = h if variant else (int.from_bytes(h, "big") % N).to_bytes(32, "big")
    v = b"\x01" * 32
    k = b"\x00" * 32
    k = mac(k, v + b"\x00" + xb + h1)
    v = mac(k, v)
    k = mac(k, v + b"\x01" + xb + h1)
    v = mac(k, v)
    for _ in range(100):
        v = mac(k, v)
        t = int.from_bytes(v, "big")
        if 1 <= t < N:
            return t
        k = mac(k, v + b"\x00")
        v = mac(k, v)
    raise RuntimeError("no nonce")


def check_sig(d, name, digest_hex, rs_hex, mode, tmp):
    xy = open(os.path.join(d, name + ".xy"), "rb").read()
    digest = bytes.fromhex(digest_hex)
    rs = bytes.fromhex(rs_hex)
    if len(digest) != 32 or len(rs) != 64:
        fail("sig %s: malformed manifest line" % name)
        return
    r = int.from_bytes(rs[:32], "big")
    s = int.from_bytes(rs[32:], "big")
    der = encode_dss_signature(r, s)
    pub = point(xy)
    try:
        pub.verify(der, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    except Exception:  # noqa: BLE001 - InvalidSignature or a malformed value
        fail("sig %s %s: cryptography rejects the signature" % (name, digest_hex[:16]))
        return
    # second opinion: openssl verifies the same DER signature over the raw digest
    pem = os.path.join(tmp, "pub.pem")
    with open(pem, "wb") as f:
        f.write(pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    with open(os.path.join(tmp, "digest"), "wb") as f:
        f.write(digest)
    with open(os.path.join(tmp, "sig.der"), "wb") as f:
        f.write(der)
    if not openssl(["pkeyutl", "-verify", "-pubin", "-inkey", pem, "-in", os.path.join(tmp, "digest"),
                    "-sigfile", os.path.join(tmp, "sig.der")]):
        fail("sig %s %s: openssl pkeyutl rejects the signature" % (name, digest_hex[:16]))
    # deterministic nonce: r must be the x coordinate of k*G for the RFC 6979 k
    if mode not in ("rfc6979", "variant"):
        fail("sig %s: unknown mode %s" % (name, mode))
        return
    x = private_value(d, name)
    k = rfc6979_k(x, digest, mode == "variant")
    want_r = ec.derive_private_key(k, ec.SECP256R1()).public_key().public_numbers().x % N
    want_s = pow(k, -1, N) * (int.from_bytes(digest, "big") % N + x * want_r) % N
    if (r, s) != (want_r, want_s):
        fail("sig %s %s: not the signature with the %s nonce" % (name, digest_hex[:16], mode))


def main():
    if len(sys.argv) != 2:
        print("# usage: verify_wolfcrypt.py DIR")
        return 2
    d = sys.argv[1]
    counts = {"key": 0, "pub": 0, "sig": 0}
    with tempfile.TemporaryDirectory() as tmp:
        for line in open(os.path.join(d, "manifest.txt")):
            f = line.split()
            if not f:
                continue
            try:
                if f[0] == "key" and len(f) == 2:
                    check_key(d, f[1])
                elif f[0] == "pub" and len(f) == 3:
                    check_pub(d, f[1], f[2])
                elif f[0] == "sig" and len(f) == 5:
                    check_sig(d, f[1], f[2], f[3], f[4], tmp)
                else:
                    fail("bad manifest line: %s" % line.strip())
                    continue
            except OSError as e:
                fail("%s: %s" % (line.strip()[:40], e))
                continue
            counts[f[0]] += 1
    print("# verify_wolfcrypt: %d keys, %d public keys, %d signatures checked, %d failures"
          % (counts["key"], counts["pub"], counts["sig"], len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
