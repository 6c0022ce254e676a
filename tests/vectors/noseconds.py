#!/usr/bin/env python3
"""Certificates whose validity times lack seconds, as some CAs and old
tools write them, correctly signed: `cert check` and `cert trust add` must
name the problem (RFC 5280 requires seconds; phones refuse such times).

openssl writes a normal self-signed certificate; this script rewrites the
two Time values of its validity and signs the new to-be-signed part with
the same key through `openssl dgst`, so only the times differ from what
openssl wrote. Standard library and the openssl command only.

Usage: noseconds.py OUT_DIR (the keys are discarded)
"""
import os
import subprocess
import sys
import tempfile


def header(der, at):
    """Tag, header length and content length of the element at `at`."""
    tag, n = der[at], der[at + 1]
    if n < 0x80:
        return tag, 2, n
    k = n & 0x7F
    return tag, 2 + k, int.from_bytes(der[at + 2:at + 2 + k], "big")


def children(der, at):
    """The (offset, total length) of each child of the element at `at`."""
    _, h, n = header(der, at)
    out, p = [], at + h
    while p < at + h + n:
        _, ch, cn = header(der, p)
        out.append((p, ch + cn))
        p += ch + cn
    return out


def tlv(tag, content):
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + length + content


def make(out, name, cn, not_before, not_after):
    with tempfile.TemporaryDirectory() as tmp:
        key, pem = os.path.join(tmp, "k.pem"), os.path.join(tmp, "c.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                        "-nodes", "-sha256", "-days", "7000", "-subj",
                        "/C=PL/O=Lab/OU=TAC/CN=" + cn, "-set_serial", "0x5ec0",
                        "-keyout", key, "-out", pem], check=True,
                       capture_output=True)
        der = subprocess.run(["openssl", "x509", "-in", pem, "-outform",
                              "DER"], check=True, capture_output=True).stdout
        tbs_at, alg_at, _ = [c[0] for c in children(der, 0)]
        alg = der[alg_at:alg_at + children(der, 0)[1][1]]
        parts = [der[p:p + n] for p, n in children(der, tbs_at)]
        # version [0], serial, signature algorithm, issuer, validity, ...
        parts[4] = tlv(0x30, not_before + not_after)
        tbs = tlv(0x30, b"".join(parts))
        tbs_file = os.path.join(tmp, "tbs")
        with open(tbs_file, "wb") as f:
            f.write(tbs)
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key,
                              tbs_file], check=True,
                             capture_output=True).stdout
        cert = tlv(0x30, tbs + alg + tlv(0x03, b"\0" + sig))
        subprocess.run(["openssl", "x509", "-inform", "DER", "-out",
                        os.path.join(out, name)], input=cert, check=True)


def main():
    out = sys.argv[1]
    # UTCTime YYMMDDHHMMZ (11 characters, no seconds) in both fields
    make(out, "utctime-noseconds.pem", "nosec-utc.lab.example",
         tlv(0x17, b"2501010000Z"), tlv(0x17, b"4810010000Z"))
    # notAfter past 2049 as GeneralizedTime YYYYMMDDHHMMZ (no seconds)
    make(out, "gentime-noseconds.pem", "nosec-gen.lab.example",
         tlv(0x17, b"250101000000Z"), tlv(0x18, b"205001010000Z"))


if __name__ == "__main__":
    main()
