#!/usr/bin/env python3
"""Holds connections to a TLS server that never make progress.

holdconns.py PORT COUNT SECONDS MODE [SOURCES] [MARK]

MODE is what each connection does once connected:
  silent   nothing (TCP only)
  partial  half of a ClientHello, then nothing
  mixed    every other connection silent, the others partial
  message  a whole handshake, then the first byte of a TVS message
Connections come from 127.0.0.2 .. 127.0.0.(SOURCES+1) in turn (1 source:
127.0.0.1). Once all are open (a connection the server closed meanwhile
counts as opened), MARK (default "held") is written, holding COUNT; the
connections are held SECONDS and closed. Loopback only, bounded."""
import resource
import socket
import ssl
import sys
import time

port, count, secs, mode = (int(sys.argv[1]), int(sys.argv[2]),
                           float(sys.argv[3]), sys.argv[4])
sources = int(sys.argv[5]) if len(sys.argv) > 5 else 1
mark = sys.argv[6] if len(sys.argv) > 6 else "held"
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < count + 64:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 64), hard))

ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE


def client_hello():
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


hello = client_hello()
held = []
for i in range(count):
    src = "127.0.0.1" if sources == 1 else "127.0.0.%d" % (2 + i % sources)
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", port))
    m = mode if mode != "mixed" else ("silent", "partial")[i % 2]
    try:
        if m == "partial":
            s.sendall(hello[:len(hello) // 2])
        elif m == "message":
            s = ctx.wrap_socket(s)
            s.send(b"\x57")
    except (OSError, ssl.SSLError):
        pass        # shed or refused already: still one made
    held.append(s)
open(mark, "w").write("%d\n" % len(held))
time.sleep(secs)
