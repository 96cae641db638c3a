#!/usr/bin/env python3
"""A small HTTPS server (Python's ssl, i.e. OpenSSL) for the firmware test (tests/firmware/run.sh).

GET /bytes/N answers N bytes of body written in one piece, so OpenSSL sends
them in one TLS record of up to 16 KB (the largest a server may send); the
X-Request-Length header gives the size of the request received (headers
included). GET /close/N answers N bytes without a length and closes the
connection (TCP FIN, no close_notify) to end the body. Any other path
answers 404. Prints "listening" once ready; stops on SIGTERM.

Usage: tls-server.py PORT CERT_CHAIN_PEM KEY_PEM
"""
import http.server
import signal
import ssl
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        request_len = len(self.requestline) + 2 + len(str(self.headers)) + 2
        if self.path.startswith("/close/") and self.path[7:].isdigit():
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            self.wfile.write(b"z" * min(int(self.path[7:]), 16384))
            self.close_connection = True
            return
        if self.path.startswith("/bytes/") and self.path[7:].isdigit():
            body = b"y" * min(int(self.path[7:]), 16384)
            self.send_response(200)
        else:
            body = b"not found\n"
            self.send_response(404)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Request-Length", str(request_len))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("tls-server: " + (fmt % args) + "\n")


def main():
    port, chain, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(chain, key)
    srv = http.server.HTTPServer(("127.0.0.1", port), Handler)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
