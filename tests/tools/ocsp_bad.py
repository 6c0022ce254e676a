#!/usr/bin/env python3
"""An OCSP responder on loopback that answers wrongly, for the refusals of
`trustline cert revocation check`. Usage:
  ocsp_bad.py PORTFILE MODE CERT ISSUER SIGNER_CERT SIGNER_KEY
MODE: forged (signed by SIGNER, which the issuer never delegated to),
stale (nextUpdate a day ago), future (thisUpdate a day ahead),
nonce (a nonce that is not the request's). Writes the port it listens on
to PORTFILE, serves until killed."""
import datetime, http.server, os, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

portfile, mode, cert_p, issuer_p, signer_p, key_p = sys.argv[1:7]
load = lambda p: x509.load_pem_x509_certificate(open(p, "rb").read())
cert, issuer, signer = load(cert_p), load(issuer_p), load(signer_p)
key = serialization.load_pem_private_key(open(key_p, "rb").read(), None)


class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        req = ocsp.load_der_ocsp_request(self.rfile.read(int(self.headers["Content-Length"])))
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        day = datetime.timedelta(days=1)
        this, nxt = now - datetime.timedelta(minutes=5), now + day
        if mode == "stale":
            this, nxt = now - 2 * day, now - day
        elif mode == "future":
            this, nxt = now + day, now + 2 * day
        b = ocsp.OCSPResponseBuilder().add_response(
            cert=cert, issuer=issuer, algorithm=hashes.SHA1(),
            cert_status=ocsp.OCSPCertStatus.GOOD, this_update=this, next_update=nxt,
            revocation_time=None, revocation_reason=None,
        ).responder_id(ocsp.OCSPResponderEncoding.HASH, signer).certificates([signer])
        nonce = None
        for ext in req.extensions:
            if isinstance(ext.value, x509.OCSPNonce):
                nonce = ext.value.nonce
        if mode == "nonce":
            nonce = b"\x04\x10" + b"\x55" * 16
        if nonce is not None:
            b = b.add_extension(x509.OCSPNonce(nonce), critical=False)
        body = b.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
        self.send_response(200)
        self.send_header("Content-Type", "application/ocsp-response")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), H)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(portfile + ".tmp", portfile)
srv.serve_forever()
