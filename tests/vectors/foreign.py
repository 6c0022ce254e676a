#!/usr/bin/env python3
"""Trust lists laid out as other implementations lay them out, signed by
openssl: the vectors trustline must read (tests/cli/test_foreign.sh).

The layout is the one the usecallmanager certutils `tlvfile` writes, as its
public source builds it byte by byte; this is our own code, with nothing
but the Python standard library and the openssl command line:

- header: VERSION 1.2, HEADER_LENGTH, SIGNER_VERSION, SIGNER_ID {SIGNER_NAME,
  SERIAL_NUMBER, CA_NAME} (in that order: 4, 5, 6), SIGNATURE_INFO,
  SIGNATURE, FILENAME, TIMESTAMP, then single PADDING bytes (tag 13, no
  length) until the header is a multiple of 4 bytes;
- names: only C, ST, L, O, OU, CN, in certificate order, joined with `;`,
  values unescaped;
- records: RECORD_LENGTH, SUBJECT_NAME, ROLE, ISSUER_NAME, SERIAL_NUMBER,
  PUBLIC_KEY, SIGNATURE, CERTIFICATE: no DNS_NAME;
- the signature: RSA PKCS#1 v1.5 over the file without its SIGNATURE TLV.

Beside that layout, records that other writers and older clusters produce:
tags in another order with an unknown tag, and hash-only records (bare: ROLE
and the hash; or with names, serial and key but no certificate).

Usage: foreign.py VECTORS_DIR OUT_DIR (SOURCE_DATE_EPOCH sets TIMESTAMP).
"""
import hashlib
import os
import struct
import subprocess
import sys

SAST, CCM, CCM_TFTP, TFTP, CAPF, TVS = 0, 1, 2, 3, 4, 21
SHA1, SHA512 = 1, 3
NAMES = {'2.5.4.3': 'CN', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.7': 'L',
         '2.5.4.8': 'ST', '2.5.4.6': 'C'}


def der(buf, at):
    """(tag, value start, value end) of the DER element at `at`."""
    tag, n = buf[at], buf[at + 1]
    at += 2
    if n & 0x80:
        k = n & 0x7f
        n = int.from_bytes(buf[at:at + k], 'big')
        at += k
    return tag, at, at + n


def children(buf, start, end):
    out = []
    while start < end:
        t, s, e = der(buf, start)
        out.append((t, s, e))
        start = e
    return out


def oid(b):
    first = b[0]
    parts, v = [first // 40, first % 40], 0
    for c in b[1:]:
        v = v << 7 | c & 0x7f
        if not c & 0x80:
            parts.append(v)
            v = 0
    return '.'.join(map(str, parts))


def name(buf, s, e):
    out = []
    for _, rs, re_ in children(buf, s, e):          # RDN SETs
        for _, as_, ae in children(buf, rs, re_):   # AttributeTypeAndValue
            (ot, os_, oe), (vt, vs, ve) = children(buf, as_, ae)
            o = oid(buf[os_:oe])
            if o in NAMES:
                out.append(NAMES[o] + '=' + buf[vs:ve].decode('utf-8'))
    return ';'.join(out)


class Cert:
    def __init__(self, path):
        self.der = subprocess.run(['openssl', 'x509', '-in', path, '-outform', 'DER'],
                                  check=True, capture_output=True).stdout
        b = self.der
        _, s, e = der(b, 0)
        tbs, _alg, sig = children(b, s, e)
        f = children(b, tbs[1], tbs[2])
        if f[0][0] == 0xa0:                         # [0] version
            f = f[1:]
        serial = b[f[0][1]:f[0][2]].lstrip(b'\0')
        self.serial = serial
        self.issuer = name(b, f[2][1], f[2][2])
        self.subject = name(b, f[4][1], f[4][2])
        spki = children(b, f[5][1], f[5][2])
        bits = b[spki[1][1] + 1:spki[1][2]]         # BIT STRING less its pad byte
        self.pubkey = bits                          # RSAPublicKey, or the EC point
        self.sig = b[sig[1] + 1:sig[2]]


def tlv(tag, val):
    return struct.pack('>BH', tag, len(val)) + val


def cstr(s):
    return s.encode('utf-8') + b'\0'


def record(tags):
    body = b''.join(tags)
    return tlv(1, struct.pack('>H', 5 + len(body))) + body


def tlvfile_record(c, role):
    return record([tlv(3, cstr(c.subject)), tlv(4, struct.pack('>H', role)),
                   tlv(5, cstr(c.issuer)), tlv(6, c.serial), tlv(7, c.pubkey),
                   tlv(8, c.sig), tlv(9, c.der)])


def reordered_record(c, role, ip=None):
    """Every tag, the highest first, with unknown tags between."""
    tags = [tlv(9, c.der), tlv(8, c.sig), tlv(42, b'\x01\x02\x03'),
            tlv(7, c.pubkey), tlv(6, c.serial), tlv(5, cstr(c.issuer)),
            tlv(4, struct.pack('>H', role)), tlv(200, b''),
            tlv(3, cstr(c.subject)), tlv(2, cstr(c.subject.split('CN=')[-1]))]
    if ip:
        tags.insert(0, tlv(10, bytes(ip)))
    return record(tags)


def digest(alg, data):
    return (hashlib.sha1 if alg == SHA1 else hashlib.sha512)(data).digest()


def hash_only_bare(c, role, alg):
    return record([tlv(4, struct.pack('>H', role)), tlv(12, bytes([alg])),
                   tlv(11, digest(alg, c.der))])


def hash_only_named(c, role, alg):
    return record([tlv(3, cstr(c.subject)), tlv(4, struct.pack('>H', role)),
                   tlv(5, cstr(c.issuer)), tlv(6, c.serial), tlv(7, c.pubkey),
                   tlv(8, c.sig), tlv(11, digest(alg, c.der)),
                   tlv(12, bytes([alg]))])


def signed(key, signer, version, alg, filename, records, stamp):
    sig_len = 256                                   # the signer is RSA-2048
    sid = (tlv(4, cstr(signer.subject)) + tlv(5, signer.serial) +
           tlv(6, cstr(signer.issuer)))
    sinfo = tlv(8, bytes([alg])) + tlv(9, tlv(10, b'\0') + tlv(11, b'\x02'))
    head = tlv(1, b'\x01\x02') + tlv(2, b'\0\0') + tlv(28, bytes(version))
    head += tlv(3, sid) + tlv(7, sinfo)
    at = len(head)                                  # the signature goes here
    head += tlv(14, cstr(filename)) + tlv(15, struct.pack('>I', stamp))
    while (len(head) + 3 + sig_len) % 4:
        head += b'\x0d'
    hlen = len(head) + 3 + sig_len
    head = head[:8] + struct.pack('>H', hlen) + head[10:]
    unsigned = head + b''.join(records)
    dgst = '-sha1' if alg == SHA1 else '-sha512'
    sig = subprocess.run(['openssl', 'dgst', dgst, '-sign', key], input=unsigned,
                         check=True, capture_output=True).stdout
    assert len(sig) == sig_len
    return unsigned[:at] + tlv(12, sig) + unsigned[at:]


def main():
    vec, out = sys.argv[1], sys.argv[2]
    stamp = int(os.environ.get('SOURCE_DATE_EPOCH', '1700000000'))
    key = os.path.join(vec, 'signer.pem')
    s, sub, tvs, capf, ec = (Cert(os.path.join(vec, f + '.pem')) for f in
                             ('signer', 'ccm-tftp', 'tvs', 'capf', 'ec-ccm'))
    files = {
        # tlvfile's own output for an ITL: signer, CCM+TFTP nodes, TVS, CAPF
        'foreign-tlvfile-itl.tlv': ((1, 0), SHA1, 'ITLFile.tlv', [
            tlvfile_record(s, SAST), tlvfile_record(s, CCM_TFTP),
            tlvfile_record(sub, CCM_TFTP), tlvfile_record(tvs, TVS),
            tlvfile_record(capf, CAPF)]),
        # SIGNER_VERSION 1.1 with an EC record, SHA-512
        'foreign-tlvfile-itl-1.1.tlv': ((1, 1), SHA512, 'ITLFile.tlv', [
            tlvfile_record(s, SAST), tlvfile_record(s, CCM_TFTP),
            tlvfile_record(ec, CCM), tlvfile_record(tvs, TVS)]),
        # a CTL as tlvfile writes it
        'foreign-tlvfile-ctl.tlv': ((1, 0), SHA1, 'CTLFile.tlv', [
            tlvfile_record(s, SAST), tlvfile_record(s, CCM_TFTP),
            tlvfile_record(sub, CCM_TFTP), tlvfile_record(capf, CAPF)]),
        # every tag present, in descending order, unknown tags between
        'foreign-reordered-itl.tlv': ((1, 0), SHA1, 'ITLFile.tlv', [
            reordered_record(s, SAST), reordered_record(s, CCM_TFTP, (10, 0, 0, 1)),
            reordered_record(sub, TFTP)]),
        # hash-only records: bare (ROLE + hash) and named (no certificate)
        'foreign-hashonly-itl.tlv': ((1, 0), SHA1, 'ITLFile.tlv', [
            tlvfile_record(s, SAST), tlvfile_record(s, CCM_TFTP),
            hash_only_bare(tvs, TVS, SHA1), hash_only_named(capf, CAPF, SHA512)]),
        # a per-phone ITL, as served to SEP001122334455 before ITLFile.tlv
        'ITLSEP001122334455.tlv': ((1, 0), SHA1, 'ITLSEP001122334455.tlv', [
            tlvfile_record(s, SAST), tlvfile_record(s, CCM_TFTP),
            tlvfile_record(tvs, TVS)]),
    }
    for fname, (version, alg, inner, recs) in files.items():
        with open(os.path.join(out, fname), 'wb') as f:
            f.write(signed(key, s, version, alg, inner, recs, stamp))
        print(fname)


if __name__ == '__main__':
    main()
