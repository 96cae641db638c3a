#!/usr/bin/env python3
"""Independent check of JOSE objects, CSRs and tls-alpn-01 certificates made by
core/jose.c, core/certgen.c, core/alpn_cert.c and core/ip.c (tests/core/test_jose.c,
tests/core/test_certgen.c), with python-cryptography, the ipaddress module and openssl.

Usage: verify_jose.py DIR

DIR/manifest.txt holds one check per line (fields separated by spaces); KEY names the
public key file KEY.xy (x||y, 64 bytes):
  thumb KEY VALUE            RFC 7638 thumbprint of KEY's JWK, recomputed here, is VALUE.
  keyauth KEY TOKEN KA DNS   KA is TOKEN "." thumbprint(KEY) and DNS is base64url(SHA-256(KA)).
  jws NAME NONCE URL MODE KEY KID
                             NAME.jws is a flattened JWS: exactly the members protected,
                             payload, signature, all canonical base64url without padding
                             (no '=' anywhere); the header has alg ES256, url URL, nonce
                             NONCE ('-': none), and exactly one of jwk (MODE jwk: equal to
                             KEY's JWK, in RFC 7638 member set) or kid (MODE kid: equal to
                             KID); the 64-byte r||s signature, converted to DER here,
                             verifies with KEY over the signing input as sent; when
                             NAME.payload exists the payload is exactly its bytes.
  keychange NAME OLD NEW URL ACCOUNT
                             the payload of NAME.jws is the RFC 8555 section 7.3.5 inner
                             JWS: jwk NEW, url URL, no nonce, no kid, signed by NEW, payload
                             {"account": ACCOUNT, "oldKey": JWK of OLD}.
  eab NAME KID URL MACKEY    the payload of NAME.jws has externalAccountBinding, the RFC
                             8555 section 7.3.4 inner JWS: protected exactly {alg HS256,
                             kid KID, url URL}, payload the JWK of NAME.jws's header,
                             signature HMAC-SHA256 under base64url-decoded MACKEY.
  csr NAME KEY RS CN SAN...  NAME.der (and NAME.pem) is a PKCS#10 request in strict DER:
                             version 0, subject CN=CN ('-': empty subject), public key KEY,
                             one non-critical extension subjectAltName holding exactly
                             SAN... in order (dns:NAME or ip:ADDRESS), ecdsa-with-SHA256
                             signature whose DER holds the r||s RS (hex) and verifies;
                             `openssl req -verify` agrees; when KEY.sec1.der exists,
                             cryptography's builder makes the same CertificationRequestInfo.
  alpn NAME KEY RS ID KA NOTBEFORE NOTAFTER
                             NAME.der is an RFC 8737 tls-alpn-01 certificate in strict DER:
                             v3, positive 16-byte serial, self-signed (issuer = subject,
                             signature with r||s RS verifying with KEY, the certificate's
                             key), validity exactly NOTBEFORE..NOTAFTER (Unix seconds) as
                             UTCTime for 1950..2049 else GeneralizedTime, exactly two
                             extensions: subjectAltName with the one identifier ID
                             (dns:NAME or ip:ADDRESS) and the critical acmeIdentifier
                             1.3.6.1.5.5.7.1.31 whose value is 04 20 SHA-256(KA); from 1950
                             on, cryptography's builder makes the same TBSCertificate; openssl
                             parses it and verifies it against itself.
  ip TEXTHEX RESULT          nacme_ip_parse() of the text (hex of its bytes, '-' when empty) gave RESULT
                             (hex of the address, or 'err'): the ipaddress module agrees
                             (a zone '%' must be refused).
  rev IPHEX NAME             NAME is the reverse-DNS name of the address (ipaddress's
                             reverse_pointer).

Prints '#' comment lines only (the caller's output is TAP); exits 0 when every check
passed, 1 otherwise.
"""
import base64
import datetime
import hashlib
import hmac
import ipaddress
import json
import os
import re
import subprocess
import sys
import tempfile

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.x509.oid import ExtensionOID, SignatureAlgorithmOID

ACME_IDENTIFIER = x509.ObjectIdentifier("1.3.6.1.5.5.7.1.31")
B64URL = re.compile(r"^[A-Za-z0-9_-]*$")

failures = []


def fail(msg):
    failures.append(msg)
    print("# verify_jose: FAIL " + msg)


class Bad(Exception):
    pass


def need(cond, msg):
    if not cond:
        raise Bad(msg)


def openssl(args):
    r = subprocess.run(["openssl"] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return r.returncode, (r.stdout + r.stderr).decode("utf-8", "replace")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text, what):
    need(isinstance(text, str) and B64URL.match(text) is not None, "%s is not base64url" % what)
    need(len(text) % 4 != 1, "%s has an impossible length" % what)
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    need(b64url(data) == text, "%s is not canonical base64url" % what)
    return data


def read(d, name):
    with open(os.path.join(d, name), "rb") as f:
        return f.read()


def xy_of(d, key):
    xy = read(d, key + ".xy")
    need(len(xy) == 64, "%s.xy is not 64 bytes" % key)
    return xy


def public_key(xy):
    return ec.EllipticCurvePublicNumbers(
        int.from_bytes(xy[:32], "big"), int.from_bytes(xy[32:], "big"), ec.SECP256R1()
    ).public_key()


def xy_of_key(pub):
    n = pub.public_numbers()
    return n.x.to_bytes(32, "big") + n.y.to_bytes(32, "big")


def jwk_dict(xy):
    return {"crv": "P-256", "kty": "EC", "x": b64url(xy[:32]), "y": b64url(xy[32:])}


def jwk_canonical(xy):
    """RFC 7638 section 3: required members, sorted, no whitespace."""
    return json.dumps(jwk_dict(xy), sort_keys=True, separators=(",", ":")).encode()


def thumbprint(xy):
    return b64url(hashlib.sha256(jwk_canonical(xy)).digest())


def check_jwk(value, xy, what):
    need(isinstance(value, dict), "%s is not an object" % what)
    need(set(value) == {"crv", "kty", "x", "y"}, "%s members are %s" % (what, sorted(value)))
    need(value["kty"] == "EC" and value["crv"] == "P-256", "%s is not a P-256 EC key" % what)
    x = unb64url(value["x"], what + ".x")
    y = unb64url(value["y"], what + ".y")
    need(len(x) == 32 and len(y) == 32, "%s coordinates are not 32 bytes each" % what)
    need(x + y == xy, "%s is not the expected key" % what)


def verify_es256(xy, signing_input, sig, what):
    need(len(sig) == 64, "%s signature is %d bytes, not 64" % (what, len(sig)))
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    try:
        public_key(xy).verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Bad("%s signature does not verify" % what)


def parse_flat(text, what):
    """A flattened JWS: the three members, decoded; the signing input as sent."""
    if isinstance(text, bytes):
        need(b"=" not in text, "%s contains '='" % what)
        text = text.decode("utf-8")
    need("=" not in text, "%s contains '='" % what)
    try:
        obj = json.loads(text)
    except ValueError as e:
        raise Bad("%s is not JSON: %s" % (what, e))
    return parse_flat_obj(obj, what)


def parse_flat_obj(obj, what):
    need(isinstance(obj, dict), "%s is not an object" % what)
    need(set(obj) == {"protected", "payload", "signature"}, "%s members are %s" % (what, sorted(obj)))
    prot = unb64url(obj["protected"], what + " protected")
    payload = unb64url(obj["payload"], what + " payload")
    sig = unb64url(obj["signature"], what + " signature")
    try:
        header = json.loads(prot)
    except ValueError:
        raise Bad("%s protected header is not JSON" % what)
    need(isinstance(header, dict), "%s protected header is not an object" % what)
    signing_input = (obj["protected"] + "." + obj["payload"]).encode()
    return header, payload, sig, signing_input


def check_header(header, what, alg, url, nonce, mode, xy, kid):
    allowed = {"alg", "jwk", "kid", "nonce", "url"}
    need(set(header) <= allowed, "%s header has unexpected members %s" % (what, sorted(set(header) - allowed)))
    need(header.get("alg") == alg, "%s alg is %r" % (what, header.get("alg")))
    need(header.get("url") == url, "%s url is %r, not %r" % (what, header.get("url"), url))
    if nonce is None:
        need("nonce" not in header, "%s has a nonce" % what)
    else:
        need(header.get("nonce") == nonce, "%s nonce is %r, not %r" % (what, header.get("nonce"), nonce))
    need(("jwk" in header) != ("kid" in header), "%s needs exactly one of jwk and kid" % what)
    if mode == "jwk":
        need("jwk" in header, "%s has no jwk" % what)
        check_jwk(header["jwk"], xy, what + " jwk")
    else:
        need(header.get("kid") == kid, "%s kid is %r, not %r" % (what, header.get("kid"), kid))


def check_jws(d, name, nonce, url, mode, key, kid):
    what = "jws " + name
    need(mode in ("jwk", "kid"), "%s: mode %s" % (what, mode))
    xy = xy_of(d, key)
    header, payload, sig, si = parse_flat(read(d, name + ".jws"), what)
    check_header(header, what, "ES256", url, None if nonce == "-" else nonce, mode, xy, kid)
    verify_es256(xy, si, sig, what)
    if os.path.exists(os.path.join(d, name + ".payload")):
        need(payload == read(d, name + ".payload"), "%s payload differs from the expected one" % what)


def check_keychange(d, name, old, new, url, account):
    what = "keychange " + name
    _, payload, _, _ = parse_flat(read(d, name + ".jws"), what + " outer")
    header, ipayload, sig, si = parse_flat(payload, what + " inner")
    new_xy = xy_of(d, new)
    check_header(header, what + " inner", "ES256", url, None, "jwk", new_xy, None)
    verify_es256(new_xy, si, sig, what + " inner")
    try:
        body = json.loads(ipayload)
    except ValueError:
        raise Bad("%s inner payload is not JSON" % what)
    need(isinstance(body, dict) and set(body) == {"account", "oldKey"},
         "%s inner payload members are %s" % (what, sorted(body) if isinstance(body, dict) else body))
    need(body["account"] == account, "%s account is %r" % (what, body["account"]))
    check_jwk(body["oldKey"], xy_of(d, old), what + " oldKey")


def check_eab(d, name, kid, url, mac_key):
    what = "eab " + name
    outer_header, payload, _, _ = parse_flat(read(d, name + ".jws"), what + " outer")
    need("jwk" in outer_header, "%s: the outer JWS has no jwk" % what)
    try:
        body = json.loads(payload)
    except ValueError:
        raise Bad("%s outer payload is not JSON" % what)
    need(isinstance(body, dict) and "externalAccountBinding" in body, "%s: no externalAccountBinding" % what)
    header, ipayload, sig, si = parse_flat_obj(body["externalAccountBinding"], what + " inner")
    need(header == {"alg": "HS256", "kid": kid, "url": url}, "%s inner header is %r" % (what, header))
    need(outer_header.get("url") == url, "%s: inner url differs from the outer one" % what)
    try:
        inner_jwk = json.loads(ipayload)
    except ValueError:
        raise Bad("%s inner payload is not JSON" % what)
    need(inner_jwk == outer_header["jwk"], "%s inner payload is not the account JWK" % what)
    xy = unb64url(inner_jwk["x"], "x") + unb64url(inner_jwk["y"], "y")
    need(ipayload == jwk_canonical(xy), "%s inner payload is not the canonical JWK text" % what)
    key = unb64url(mac_key, "MAC key")
    want = hmac.new(key, si, hashlib.sha256).digest()
    need(hmac.compare_digest(sig, want), "%s MAC does not verify" % what)


def check_thumb(d, key, value):
    need(thumbprint(xy_of(d, key)) == value, "thumb %s: %s is not the RFC 7638 thumbprint %s"
         % (key, value, thumbprint(xy_of(d, key))))


def check_keyauth(d, key, token, ka, dns):
    need(ka == token + "." + thumbprint(xy_of(d, key)), "keyauth %s: %s" % (token, ka))
    need(dns == b64url(hashlib.sha256(ka.encode()).digest()), "keyauth %s: dns-01 value %s" % (token, dns))


# ---- certificates ---------------------------------------------------------------------

def general_name(spec):
    kind, _, value = spec.partition(":")
    if kind == "dns":
        return x509.DNSName(value)
    if kind == "ip":
        return x509.IPAddress(ipaddress.ip_address(value))
    raise Bad("bad identifier %s" % spec)


def check_signature_value(sig_der, rs_hex, what):
    rs = bytes.fromhex(rs_hex)
    need(len(rs) == 64, "%s: RS is not 64 bytes" % what)
    r, s = decode_dss_signature(sig_der)
    need((r, s) == (int.from_bytes(rs[:32], "big"), int.from_bytes(rs[32:], "big")),
         "%s: the DER signature does not hold r||s" % what)
    need(encode_dss_signature(r, s) == sig_der, "%s: the signature is not minimal DER" % what)


def check_csr(d, name, key, rs_hex, cn, sans, tmp):
    what = "csr " + name
    der = read(d, name + ".der")
    csr = x509.load_der_x509_csr(der)
    need(csr.public_bytes(serialization.Encoding.DER) == der, "%s does not re-encode to the same DER" % what)
    pem = read(d, name + ".pem")
    need(x509.load_pem_x509_csr(pem).public_bytes(serialization.Encoding.DER) == der,
         "%s.pem holds other DER" % what)
    need(csr.is_signature_valid, "%s: signature invalid" % what)
    need(csr.signature_algorithm_oid == SignatureAlgorithmOID.ECDSA_WITH_SHA256, "%s: signature algorithm" % what)
    check_signature_value(csr.signature, rs_hex, what)
    pub = csr.public_key()
    need(isinstance(pub, ec.EllipticCurvePublicKey) and pub.curve.name == "secp256r1", "%s: not a P-256 key" % what)
    need(xy_of_key(pub) == xy_of(d, key), "%s: public key is not %s" % (what, key))
    # the request's own signature, checked again by hand
    pub.verify(csr.signature, csr.tbs_certrequest_bytes, ec.ECDSA(hashes.SHA256()))
    if cn == "-":
        need(len(csr.subject) == 0, "%s: subject %s is not empty" % (what, csr.subject.rfc4514_string()))
    else:
        attrs = list(csr.subject)
        need(len(attrs) == 1 and attrs[0].oid == x509.NameOID.COMMON_NAME and attrs[0].value == cn,
             "%s: subject is %s" % (what, csr.subject.rfc4514_string()))
    exts = list(csr.extensions)
    need(len(exts) == 1 and exts[0].oid == ExtensionOID.SUBJECT_ALTERNATIVE_NAME, "%s: extensions %s" % (what, exts))
    need(not exts[0].critical, "%s: subjectAltName is critical" % what)
    got = list(exts[0].value)
    want = [general_name(s) for s in sans]
    need(got == want, "%s: SANs %s, not %s" % (what, got, want))
    # cryptography's own encoder makes the same CertificationRequestInfo from the same content
    key_file = os.path.join(d, key + ".sec1.der")
    if os.path.exists(key_file):
        priv = serialization.load_der_private_key(read(d, key + ".sec1.der"), password=None)
        need(xy_of_key(priv.public_key()) == xy_of(d, key), "%s: %s.sec1.der is not %s" % (what, key, key))
        builder = x509.CertificateSigningRequestBuilder().subject_name(
            x509.Name([] if cn == "-" else [x509.NameAttribute(x509.NameOID.COMMON_NAME, cn)]))
        builder = builder.add_extension(x509.SubjectAlternativeName(want), critical=False)
        ref = builder.sign(priv, hashes.SHA256())
        need(ref.tbs_certrequest_bytes == csr.tbs_certrequest_bytes,
             "%s: cryptography encodes the same request info differently" % what)
    rc, out = openssl(["req", "-verify", "-noout", "-in", os.path.join(d, name + ".pem")])
    need(rc == 0 and "verify OK" in out, "%s: openssl req -verify: %s" % (what, out.strip()))
    rc, out = openssl(["req", "-text", "-noout", "-in", os.path.join(d, name + ".pem")])
    need(rc == 0 and "Subject Alternative Name" in out, "%s: openssl req -text: %s" % (what, out.strip()[:200]))


def der_children(data):
    """The (tag, whole element) of each element of a DER SEQUENCE's content."""
    out = []
    i = 0
    while i < len(data):
        tag = data[i]
        n = data[i + 1]
        h = 2
        if n & 0x80:
            k = n & 0x7F
            n = int.from_bytes(data[i + 2:i + 2 + k], "big")
            h = 2 + k
        out.append((tag, data[i:i + h + n], data[i + h:i + h + n]))
        i += h + n
    return out


def utc(t):
    return datetime.datetime(1970, 1, 1) + datetime.timedelta(seconds=t)


def check_alpn(d, name, key, rs_hex, ident, ka, not_before, not_after, tmp):
    what = "alpn " + name
    der = read(d, name + ".der")
    cert = x509.load_der_x509_certificate(der)
    need(cert.public_bytes(serialization.Encoding.DER) == der, "%s does not re-encode to the same DER" % what)
    need(cert.version == x509.Version.v3, "%s: not v3" % what)
    need(2 ** 126 <= cert.serial_number < 2 ** 127, "%s: serial is not a positive 16-byte number" % what)
    need(cert.signature_algorithm_oid == SignatureAlgorithmOID.ECDSA_WITH_SHA256, "%s: signature algorithm" % what)
    check_signature_value(cert.signature, rs_hex, what)
    need(cert.issuer == cert.subject, "%s: issuer differs from subject" % what)
    pub = cert.public_key()
    need(xy_of_key(pub) == xy_of(d, key), "%s: public key is not %s" % (what, key))
    try:
        pub.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Bad("%s: self-signature does not verify" % what)
    nb, na = int(not_before), int(not_after)
    got_nb = getattr(cert, "not_valid_before_utc", None)
    got_na = getattr(cert, "not_valid_after_utc", None)
    if got_nb is not None:
        got_nb, got_na = got_nb.replace(tzinfo=None), got_na.replace(tzinfo=None)
    else:
        got_nb, got_na = cert.not_valid_before, cert.not_valid_after
    need(got_nb == utc(nb) and got_na == utc(na), "%s: validity %s .. %s" % (what, got_nb, got_na))
    # the time types: TBSCertificate = version [0], serial, signature, issuer, validity, ...
    tbs = der_children(der_children(cert.tbs_certificate_bytes)[0][2])
    validity = der_children(tbs[4][2])
    for (tag, _, _), t in zip(validity, (nb, na)):
        year = utc(t).year
        want = 0x17 if 1950 <= year < 2050 else 0x18
        need(tag == want, "%s: time of year %d has tag %#x, not %#x" % (what, year, tag, want))
    exts = list(cert.extensions)
    need([e.oid for e in exts] == [ExtensionOID.SUBJECT_ALTERNATIVE_NAME, ACME_IDENTIFIER],
         "%s: extensions %s" % (what, [e.oid.dotted_string for e in exts]))
    need(list(exts[0].value) == [general_name(ident)], "%s: SAN %s" % (what, list(exts[0].value)))
    acme = exts[1]
    need(acme.critical, "%s: acmeIdentifier is not critical" % what)
    need(isinstance(acme.value, x509.UnrecognizedExtension), "%s: acmeIdentifier parsed as %r" % (what, acme.value))
    want = b"\x04\x20" + hashlib.sha256(ka.encode()).digest()
    need(acme.value.value == want, "%s: acmeIdentifier value %s" % (what, acme.value.value.hex()))
    # cryptography's own encoder makes the same TBSCertificate from the same content
    # (it refuses times before 1950: those are checked above only)
    if utc(nb).year >= 1950:
        builder = (x509.CertificateBuilder().subject_name(cert.subject).issuer_name(cert.issuer)
                   .public_key(pub).serial_number(cert.serial_number)
                   .not_valid_before(utc(nb)).not_valid_after(utc(na))
                   .add_extension(x509.SubjectAlternativeName([general_name(ident)]), critical=False)
                   .add_extension(x509.UnrecognizedExtension(ACME_IDENTIFIER, want), critical=True))
        need(cert.subject == x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "nanoacme tls-alpn-01")]),
             "%s: subject %s" % (what, cert.subject.rfc4514_string()))
        ref = builder.sign(ec.generate_private_key(ec.SECP256R1()), hashes.SHA256())
        need(ref.tbs_certificate_bytes == cert.tbs_certificate_bytes,
             "%s: cryptography encodes the same TBSCertificate differently" % what)
    pem = os.path.join(tmp, name + ".pem")
    with open(pem, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    rc, out = openssl(["x509", "-in", pem, "-noout", "-text"])
    need(rc == 0 and "1.3.6.1.5.5.7.1.31: critical" in out, "%s: openssl x509 -text: %s" % (what, out.strip()[:300]))
    # openssl does not know acmeIdentifier, so it is told to accept unknown critical extensions
    rc, out = openssl(["verify", "-CAfile", pem, "-partial_chain", "-no_check_time", "-ignore_critical", pem])
    need(rc == 0 and ": OK" in out, "%s: openssl verify: %s" % (what, out.strip()))


# ---- IP addresses -----------------------------------------------------------------------

def check_ip(text_hex, result):
    raw = b"" if text_hex == "-" else bytes.fromhex(text_hex)
    what = "ip %r" % raw
    try:
        text = raw.decode("ascii")
        if "%" in text:
            raise ValueError("zone")
        want = ipaddress.ip_address(text).packed.hex()
    except ValueError:
        want = "err"
    need(result == want, "%s: nacme_ip_parse gave %s, ipaddress %s" % (what, result, want))


def check_rev(ip_hex, name):
    addr = ipaddress.ip_address(bytes.fromhex(ip_hex))
    need(name == addr.reverse_pointer, "rev %s: %s, not %s" % (addr, name, addr.reverse_pointer))


CHECKS = {
    "thumb": (2, lambda d, f, tmp: check_thumb(d, *f)),
    "keyauth": (4, lambda d, f, tmp: check_keyauth(d, *f)),
    "jws": (6, lambda d, f, tmp: check_jws(d, *f)),
    "keychange": (5, lambda d, f, tmp: check_keychange(d, *f)),
    "eab": (4, lambda d, f, tmp: check_eab(d, *f)),
    "csr": (-4, lambda d, f, tmp: check_csr(d, f[0], f[1], f[2], f[3], f[4:], tmp)),
    "alpn": (7, lambda d, f, tmp: check_alpn(d, *f, tmp)),
    "ip": (2, lambda d, f, tmp: check_ip(*f)),
    "rev": (2, lambda d, f, tmp: check_rev(*f)),
}


def main():
    if len(sys.argv) != 2:
        print("# usage: verify_jose.py DIR")
        return 2
    d = sys.argv[1]
    counts = {k: 0 for k in CHECKS}
    with tempfile.TemporaryDirectory() as tmp:
        for line in open(os.path.join(d, "manifest.txt")):
            f = line.split()
            if not f:
                continue
            check = CHECKS.get(f[0])
            nargs = len(f) - 1
            if check is None or (check[0] >= 0 and nargs != check[0]) or (check[0] < 0 and nargs < -check[0]):
                fail("bad manifest line: %s" % line.strip())
                continue
            try:
                check[1](d, f[1:], tmp)
            except Bad as e:
                fail(str(e))
                continue
            except Exception as e:  # noqa: BLE001 - a parse error of cryptography is a failure too
                fail("%s: %s: %s" % (line.strip()[:60], type(e).__name__, e))
                continue
            counts[f[0]] += 1
    print("# verify_jose: %s checked, %d failures"
          % (", ".join("%d %s" % (n, k) for k, n in counts.items() if n), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
