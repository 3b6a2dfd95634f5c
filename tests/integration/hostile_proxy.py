#!/usr/bin/env python3
"""A hostile HTTP proxy for tests: it reads a CONNECT and answers it badly.

    python3 hostile_proxy.py --mode MODE --port-file FILE [--upstream-port PORT]

Listens on 127.0.0.1 and a free port (written to FILE once it listens), serves until
SIGTERM, and records every CONNECT head it read, one JSON object per line, in
FILE.log ({"head": ...}). Modes:

  garbage       answers a line that is not HTTP ("SSH-2.0-...") and closes
  body          answers "200 Connection established" with bytes after its head, in the
                same write, as if the workspace had spoken first
  close-mid-tls answers 200, relays to 127.0.0.1:--upstream-port, and closes both sides
                once the server has sent its first 100 bytes (mid-handshake)
  echo-407      answers 407 with the request's Proxy-Authorization value, and the
                credentials it decodes to, echoed in headers and in the body
  silent        reads the CONNECT and never answers (until the client goes away)
  long-header   answers 200 whose head holds a 100,000-byte header line
  long-status   answers a 100,000-byte status line

Python standard library only.
"""

import argparse
import base64
import json
import os
import select
import signal
import socket
import sys
import threading

HEAD_LIMIT = 64 * 1024


def read_head(conn):
    """The request head (up to the blank line), or None when the client went away."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk or len(data) > HEAD_LIMIT:
            return None
        data += chunk
    return data.split(b"\r\n\r\n", 1)[0].decode("latin-1")


def header(head, name):
    for line in head.split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name:
            return value.strip()
    return ""


def relay_until(client, upstream_port, limit):
    """Relay both ways; close everything once the server has sent `limit` bytes."""
    server = socket.create_connection(("127.0.0.1", upstream_port), timeout=10)
    from_server = 0
    try:
        while from_server < limit:
            ready, _, _ = select.select([client, server], [], [], 10)
            if not ready:
                return
            for s in ready:
                data = s.recv(4096)
                if not data:
                    return
                if s is server:
                    take = data[:limit - from_server]
                    client.sendall(take)
                    from_server += len(take)
                else:
                    server.sendall(data)
    finally:
        server.close()


def answer(mode, conn, head, upstream_port):
    if mode == "garbage":
        conn.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n\r\n")
    elif mode == "body":
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n"
                     b"\x16\x03\x03\x00\x02 bytes the workspace never sent")
    elif mode == "close-mid-tls":
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        relay_until(conn, upstream_port, 100)
    elif mode == "echo-407":
        value = header(head, "proxy-authorization")
        scheme, _, b64 = value.partition(" ")
        try:
            decoded = base64.b64decode(b64).decode("latin-1")
        except ValueError:
            decoded = ""
        password = decoded.partition(":")[2]
        body = ("you sent %s, that is %s, password %s\n" % (value, decoded, password)).encode("latin-1")
        conn.sendall(("HTTP/1.1 407 Proxy Authentication Required (you sent %s)\r\n"
                      "Proxy-Authenticate: Basic realm=\"%s\"\r\n"
                      "X-Echo: %s\r\nX-Decoded: %s\r\nX-Password: %s\r\n"
                      "X-Password-Percent: %s\r\n"
                      "Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
                      % (b64, value, value, decoded, password,
                         "".join("%%%02X" % ord(c) for c in password), len(body))
                      ).encode("latin-1") + body)
    elif mode == "silent":
        # Hold the connection until the client closes it (or the test stops us).
        while conn.recv(4096):
            pass
    elif mode == "long-header":
        conn.sendall(b"HTTP/1.1 200 Connection established\r\nX-Long: " + b"a" * 100000 + b"\r\n\r\n")
    elif mode == "long-status":
        conn.sendall(b"HTTP/1.1 200 " + b"b" * 100000 + b"\r\n\r\n")


class Proxy:
    def __init__(self, mode, upstream_port, log_path):
        self.mode = mode
        self.upstream_port = upstream_port
        self.log_path = log_path
        self.lock = threading.Lock()

    def record(self, head):
        with self.lock, open(self.log_path, "a") as f:
            f.write(json.dumps({"head": head}) + "\n")

    def handle(self, conn):
        try:
            conn.settimeout(60)
            head = read_head(conn)
            if head is None:
                return
            self.record(head)
            answer(self.mode, conn, head, self.upstream_port)
        except OSError:
            pass
        finally:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            conn.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", required=True,
                   choices=["garbage", "body", "close-mid-tls", "echo-407", "silent", "long-header",
                            "long-status"])
    p.add_argument("--port-file", required=True)
    p.add_argument("--upstream-port", type=int, default=0)
    args = p.parse_args()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    proxy = Proxy(args.mode, args.upstream_port, args.port_file + ".log")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % listener.getsockname()[1])
    os.replace(tmp, args.port_file)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=proxy.handle, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
