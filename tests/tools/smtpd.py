#!/usr/bin/python3
"""A real SMTP server on loopback for the monitor's e-mail tests: Debian's
aiosmtpd, with STARTTLS required and AUTH LOGIN/PLAIN checked against one
user and password. Each message is stored as DIR/N.eml with its envelope
recipients in DIR/N.rcpt. Writes the port to DIR/port when it listens and
runs until killed.

Usage: smtpd.py DIR CERT KEY USER PASSWORD
"""
import os
import signal
import socket
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

out, cert, key, user, password = sys.argv[1:6]


class Store:
    # numbering goes on across restarts of the server on the same DIR
    n = len([f for f in os.listdir(out) if f.endswith(".eml")])

    async def handle_DATA(self, server, session, envelope):
        Store.n += 1
        base = os.path.join(out, str(Store.n))
        with open(base + ".rcpt", "w") as f:
            f.write("\n".join(envelope.rcpt_tos) + "\n")
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 stored"


def check(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and
          auth_data.login.decode() == user and
          auth_data.password.decode() == password)
    return AuthResult(success=ok)


tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
tls.load_cert_chain(cert, key)
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
c = Controller(Store(), hostname="127.0.0.1", port=port, tls_context=tls,
               require_starttls=True, authenticator=check, auth_required=True,
               auth_require_tls=True)
c.start()
with open(os.path.join(out, "port.tmp"), "w") as f:
    f.write(str(port))
os.rename(os.path.join(out, "port.tmp"), os.path.join(out, "port"))
signal.signal(signal.SIGTERM, lambda *a: (c.stop(), sys.exit(0)))
while True:
    time.sleep(1)
