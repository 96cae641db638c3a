#!/usr/bin/env python3
"""Measure the TLS record sizes Pebble (Go's crypto/tls) sends during a whole
ACME issuance on one keep-alive connection, as the firmware would see them.

TLS runs over memory BIOs, so every byte from the server passes through here
and the 5-byte record headers can be read. For each exchange the script
prints the response body size and the sizes of the records that carried it.
Run Pebble with PEBBLE_VA_ALWAYS_VALID=1 and PEBBLE_WFE_NONCEREJECT=0.

Usage: pebble-records.py HOST PORT CA_PEM [NAMES]   (NAMES: identifiers per order, default 1)
"""
import base64
import json
import socket
import ssl
import sys
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Conn:
    def __init__(self, host, port, cafile):
        ctx = ssl.create_default_context(cafile=cafile)
        self.host = f"{host}:{port}"
        self.sock = socket.create_connection((host, port))
        self.inc = ssl.MemoryBIO()
        self.out = ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.inc, self.out, server_hostname=host)
        self.hdr = b""
        self.left = 0
        self.records = []
        while True:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush()
                self._pull()
        self._flush()
        self.handshake_records = self.records
        self.records = []

    def _flush(self):
        data = self.out.read()
        if data:
            self.sock.sendall(data)

    def _pull(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("server closed")
        i = 0
        while i < len(data):
            if self.left:
                k = min(self.left, len(data) - i)
                self.left -= k
                i += k
                continue
            self.hdr += data[i:i + 1]
            i += 1
            if len(self.hdr) == 5:
                self.left = (self.hdr[3] << 8) | self.hdr[4]
                self.records.append(self.left)
                self.hdr = b""
        self.inc.write(data)

    def request(self, method, path, body=None, ctype=None):
        self.records = []
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\nUser-Agent: records-probe\r\n"
        if body is not None:
            head += f"Content-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
        head += "\r\n"
        self.tls.write(head.encode() + (body or b""))
        self._flush()
        buf = b""
        while True:
            try:
                chunk = self.tls.read(65536)
                if not chunk:
                    raise EOFError("closed")
                buf += chunk
            except ssl.SSLWantReadError:
                self._pull()
                continue
            if b"\r\n\r\n" in buf:
                head, rest = buf.split(b"\r\n\r\n", 1)
                lines = head.decode().split("\r\n")
                hdrs = {}
                for line in lines[1:]:
                    k, v = line.split(":", 1)
                    hdrs[k.strip().lower()] = v.strip()
                status = int(lines[0].split()[1])
                if method == "HEAD":
                    return status, hdrs, b""
                if hdrs.get("transfer-encoding") == "chunked":
                    body = self._dechunk(rest)
                    if body is not None:
                        return status, hdrs, body
                    continue
                n = int(hdrs.get("content-length", "0"))
                if len(rest) >= n:
                    return status, hdrs, rest[:n]

    @staticmethod
    def _dechunk(data):
        body = b""
        while True:
            if b"\r\n" not in data:
                return None
            size_line, data = data.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                return body if data.startswith(b"\r\n") else None
            if len(data) < size + 2:
                return None
            body += data[:size]
            data = data[size + 2:]


class Acme:
    def __init__(self, conn):
        self.c = conn
        self.key = ec.generate_private_key(ec.SECP256R1())
        nums = self.key.public_key().public_numbers()
        self.jwk = {"crv": "P-256", "kty": "EC", "x": b64u(nums.x.to_bytes(32, "big")),
                    "y": b64u(nums.y.to_bytes(32, "big"))}
        self.kid = None
        self.nonce = None
        self.log = []

    def note(self, what, status, body):
        recs = self.c.records
        self.log.append((what, status, len(body), recs))
        print(f"{what:24s} status {status} body {len(body):5d}  records {recs}")

    def get(self, what, path, method="GET"):
        status, hdrs, body = self.c.request(method, path)
        self.nonce = hdrs.get("replay-nonce", self.nonce)
        self.note(what, status, body)
        return status, hdrs, body

    def post(self, what, url, payload):
        path = url.split(self.c.host, 1)[1]
        prot = {"alg": "ES256", "nonce": self.nonce, "url": url}
        if self.kid:
            prot["kid"] = self.kid
        else:
            prot["jwk"] = self.jwk
        p64 = b64u(json.dumps(prot).encode())
        pl64 = "" if payload is None else b64u(json.dumps(payload).encode())
        der = self.key.sign(f"{p64}.{pl64}".encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        sig = b64u(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
        body = json.dumps({"protected": p64, "payload": pl64, "signature": sig}).encode()
        status, hdrs, resp = self.c.request("POST", path, body, "application/jose+json")
        self.nonce = hdrs.get("replay-nonce", self.nonce)
        self.note(what, status, resp)
        if status >= 400:
            raise RuntimeError(f"{what}: {status} {resp[:200]!r}")
        return status, hdrs, resp


def main():
    host, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    names = [f"n{i}.example.test" for i in range(int(sys.argv[4]) if len(sys.argv) > 4 else 1)]
    c = Conn(host, port, cafile)
    print(f"{'handshake':24s} records {c.handshake_records}")
    a = Acme(c)
    _, _, d = a.get("directory", "/dir")
    d = json.loads(d)
    a.get("newNonce", d["newNonce"].split(c.host, 1)[1], "HEAD")
    _, h, _ = a.post("newAccount", d["newAccount"],
                     {"termsOfServiceAgreed": True, "contact": ["mailto:probe@example.test"]})
    a.kid = h["location"]
    _, h, o = a.post("newOrder", d["newOrder"],
                     {"identifiers": [{"type": "dns", "value": n} for n in names]})
    order_url = h["location"]
    o = json.loads(o)
    for az in o["authorizations"]:
        _, _, body = a.post("authorization", az, None)
        ch = [x for x in json.loads(body)["challenges"] if x["type"] == "http-01"][0]
        a.post("challenge", ch["url"], {})
        for _ in range(50):
            _, _, body = a.post("authorization poll", az, None)
            if json.loads(body)["status"] != "pending":
                break
            time.sleep(0.2)
    ckey = ec.generate_private_key(ec.SECP256R1())
    csr = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])).add_extension(
        x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), False).sign(
        ckey, hashes.SHA256())
    a.post("finalize", o["finalize"], {"csr": b64u(csr.public_bytes(serialization.Encoding.DER))})
    for _ in range(50):
        _, _, body = a.post("order poll", order_url, None)
        o = json.loads(body)
        if o["status"] == "valid":
            break
        time.sleep(0.2)
    a.post("certificate", o["certificate"], None)
    allrec = [r for entry in a.log for r in entry[3]] + c.handshake_records
    print(f"largest record {max(allrec)} bytes over {len(allrec)} records")


if __name__ == "__main__":
    main()
