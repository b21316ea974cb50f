#!/usr/bin/python3
"""A loopback SMTP server for the mail tests (Debian's python3-aiosmtpd).

Each accepted message is written to DIR/N.eml (the DATA as received, after
dot-unstuffing) and DIR/N.env ("from <addr>" then one "to <addr>" per line),
N counting from 1; "ready" is printed once the server accepts connections.
Recipients starting with "reject" get 550, those starting with "busy" 451.
--tls CERT KEY offers STARTTLS (and requires it); --auth USER:PASS requires
AUTH (offered only after STARTTLS). Runs until SIGTERM.
"""
import argparse
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 no such user"
        if address.startswith("busy"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        base = os.path.join(self.directory, str(n))
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".env", "w") as f:
            f.write("from %s\n" % envelope.mail_from)
            for r in envelope.rcpt_tos:
                f.write("to %s\n" % r)
        os.rename(base + ".tmp", base + ".eml")
        return "250 OK queued as %d" % n


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dir", required=True)
    p.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    p.add_argument("--auth")
    args = p.parse_args()

    kwargs = {}
    if args.tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        kwargs["tls_context"] = ctx
        kwargs["require_starttls"] = True
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (getattr(auth_data, "login", None) == user.encode()
                  and getattr(auth_data, "password", None) == password.encode())
            return AuthResult(success=ok, handled=False)

        kwargs["authenticator"] = authenticator
        kwargs["auth_required"] = True
        kwargs["auth_require_tls"] = True

    controller = Controller(Sink(args.dir), hostname="127.0.0.1", port=args.port,
                            decode_data=False, **kwargs)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
