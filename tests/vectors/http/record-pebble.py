#!/usr/bin/env python3
# Record raw HTTP responses of a Pebble ACME server, one file per exchange
# (the vectors in this folder were made with Debian's Pebble 2.4.0).
#
#   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
#       -keyout key.pem -out cert.pem -days 2 -subj /CN=localhost \
#       -addext "subjectAltName=DNS:localhost,IP:127.0.0.1"
#   # config: listenAddress 127.0.0.1:14700, certificate/privateKey above
#   PEBBLE_ALTERNATE_ROOTS=1 PEBBLE_VA_NOSLEEP=1 PEBBLE_VA_ALWAYS_VALID=1 \
#       PEBBLE_WFE_NONCEREJECT=0 pebble -config cfg.json &
#   python3 record-pebble.py OUTDIR; kill <pebble pid>
#
# Needs python3-cryptography. Each request goes on its own connection and
# the response is read until the server goes quiet for a second.
import socket, ssl, json, base64, hashlib, os, sys
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography import x509
from cryptography.x509.oid import NameOID

HOST, PORT = "127.0.0.1", 14700
OUT = sys.argv[1]
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
def raw(method, path, body=None, ctype=None, accept=None):
    s = ctx.wrap_socket(socket.create_connection((HOST, PORT)), server_hostname="localhost")
    req = f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{PORT}\r\nUser-Agent: nanoacme/0.1.0\r\n"
    if accept: req += f"Accept: {accept}\r\n"
    if body is not None:
        req += f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
    req = req.encode() + b"\r\n" + (body or b"")
    s.sendall(req); s.settimeout(1.0)
    data = b""
    try:
        while True:
            d = s.recv(65536)
            if not d: break
            data += d
    except socket.timeout: pass
    s.close()
    return data
def parse(resp):
    head, _, body = resp.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    hdrs = {}
    for l in lines[1:]:
        k, _, v = l.partition(":"); hdrs.setdefault(k.strip().lower(), []).append(v.strip())
    if "chunked" in hdrs.get("transfer-encoding", [""])[0]:
        out = b""; 
        while True:
            sz, _, body = body.partition(b"\r\n"); n = int(sz.split(b";")[0], 16)
            if n == 0: break
            out += body[:n]; body = body[n+2:]
        body = out
    return int(lines[0].split()[1]), hdrs, body
def save(name, data):
    open(os.path.join(OUT, name), "wb").write(data)

d = raw("GET", "/dir"); save("pebble-directory.http", d)
_, _, body = parse(d); dirj = json.loads(body)
path = lambda u: "/" + u.split("/", 3)[3]
r = raw("HEAD", path(dirj["newNonce"])); save("pebble-newnonce-head.http", r)
nonce = parse(r)[1]["replay-nonce"][0]
key = ec.generate_private_key(ec.SECP256R1())
pub = key.public_key().public_numbers()
jwk = {"crv": "P-256", "kty": "EC", "x": b64(pub.x.to_bytes(32, "big")), "y": b64(pub.y.to_bytes(32, "big"))}
kid = None
def post(url, payload, name, accept=None, badnonce=False):
    global nonce
    prot = {"alg": "ES256", "nonce": ("AAAA" if badnonce else nonce), "url": url}
    if kid: prot["kid"] = kid
    else: prot["jwk"] = jwk
    p = b64(json.dumps(prot).encode()); pl = "" if payload is None else b64(json.dumps(payload).encode())
    der = key.sign(f"{p}.{pl}".encode(), ec.ECDSA(hashes.SHA256()))
    r_, s_ = decode_dss_signature(der)
    sig = b64(r_.to_bytes(32, "big") + s_.to_bytes(32, "big"))
    body = json.dumps({"protected": p, "payload": pl, "signature": sig}).encode()
    resp = raw("POST", path(url), body, "application/jose+json", accept)
    save(name, resp)
    st, h, b = parse(resp)
    if "replay-nonce" in h: nonce = h["replay-nonce"][0]
    return st, h, b
st, h, b = post(dirj["newAccount"], {"termsOfServiceAgreed": True, "contact": ["mailto:admin@example.com"]}, "pebble-newaccount-201.http")
kid = h["location"][0]
post(dirj["newOrder"], {"identifiers": [{"type": "dns", "value": "a.example.com"}]}, "pebble-badnonce-400.http", badnonce=True)
st, h, b = post(dirj["newOrder"], {"identifiers": [{"type": "dns", "value": "a.example.com"}]}, "pebble-neworder-201.http")
order_url = h["location"][0]; order = json.loads(b)
st, h, b = post(order["authorizations"][0], None, "pebble-authz-200.http")
authz = json.loads(b)
ch = [c for c in authz["challenges"] if c["type"] == "http-01"][0]
post(ch["url"], {}, "pebble-challenge-200.http")
import time; time.sleep(1)
st, h, b = post(order["authorizations"][0], None, "pebble-authz-valid-200.http")
ck = ec.generate_private_key(ec.SECP256R1())
csr = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([])).add_extension(x509.SubjectAlternativeName([x509.DNSName("a.example.com")]), False).sign(ck, hashes.SHA256())
st, h, b = post(order["finalize"], {"csr": b64(csr.public_bytes(serialization.Encoding.DER))}, "pebble-finalize-200.http")
time.sleep(1)
st, h, b = post(order_url, None, "pebble-order-valid-200.http")
order = json.loads(b)
st, h, b = post(order["certificate"], None, "pebble-cert-200.http", accept="application/pem-certificate-chain")
print(st, h)
