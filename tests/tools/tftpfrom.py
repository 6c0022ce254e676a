#!/usr/bin/env python3
"""tftpfrom.py SRC PORT FILE OUT [cut]: a TFTP read of FILE from the server
on 127.0.0.1:PORT, sent from local address SRC (127.0.0.2, ...), so a test
can play phones at several addresses. With cut, the client answers the first
block with an ERROR: the transfer ends there, as when a phone loses power."""
import socket
import sys


def main():
    src, port, name, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    cut = len(sys.argv) > 5 and sys.argv[5] == "cut"
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 0))
    s.settimeout(5)
    s.sendto(b"\x00\x01" + name.encode() + b"\x00octet\x00", ("127.0.0.1", port))
    got = b""
    expect = 1
    while True:
        data, peer = s.recvfrom(65536)
        if data[:2] != b"\x00\x03":
            sys.exit("tftpfrom: not a DATA packet: %r" % data[:40])
        block = int.from_bytes(data[2:4], "big")
        if cut:
            s.sendto(b"\x00\x05\x00\x00cut short\x00", peer)
            break
        if block == expect:
            got += data[4:]
            expect = (expect + 1) & 0xFFFF
        s.sendto(b"\x00\x04" + data[2:4], peer)
        if block == (expect - 1) & 0xFFFF and len(data) < 516:
            break
    with open(out, "wb") as f:
        f.write(got)


main()
