"""An aiosmtpd server that requires STARTTLS, then AUTH with one user, for otp_smtp.rs.

usage: smtp_auth.py PORT CERT KEY MAILDIR USER PASSWORD
"""
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox
from aiosmtpd.smtp import AuthResult, LoginPassword

port, cert, key, maildir, user, password = sys.argv[1:7]


def authenticate(server, session, envelope, mechanism, data):
    ok = (
        isinstance(data, LoginPassword)
        and data.login == user.encode()
        and data.password == password.encode()
    )
    # handled=False: aiosmtpd answers 535 itself (the default, True, answers nothing).
    return AuthResult(success=ok, handled=False)


context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(cert, key)
controller = Controller(
    Mailbox(maildir),
    hostname="127.0.0.1",
    port=int(port),
    tls_context=context,
    require_starttls=True,
    auth_required=True,
    auth_require_tls=True,
    authenticator=authenticate,
)
controller.start()
try:
    while True:
        time.sleep(3600)
finally:
    controller.stop()
