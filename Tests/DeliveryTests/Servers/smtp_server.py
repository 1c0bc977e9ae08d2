#!/usr/bin/python3
"""A real SMTP server for drwatch's tests and benchmark (Debian's python3-aiosmtpd).

Listens on 127.0.0.1 on a free port, writes the port to OUTDIR/port when ready, and writes
each message it accepts as OUTDIR/msg-N.json: {mail_from, rcpt_tos, data, login, tls,
mechanism}. Options: STARTTLS or implicit TLS with --cert/--key, AUTH PLAIN/LOGIN with
--user/--password, XOAUTH2 with --token, refused recipients with --reject (550) and
--tempfail (451), --discard to count without writing (benchmark), --probe-db SQLITE to add
to each record `sent_before` (outbox rows already marked sent in drwatch's store when this
message's data arrived) and `peer` (the client's port: one value for one connection).
"""
import argparse, asyncio, base64, json, os, ssl, sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

# A child of a libdispatch worker thread inherits a mask blocking SIGTERM: unblock it.
import signal
signal.pthread_sigmask(signal.SIG_SETMASK, [])
signal.signal(signal.SIGTERM, signal.SIG_DFL)

p = argparse.ArgumentParser()
p.add_argument("--outdir", required=True)
p.add_argument("--cert"); p.add_argument("--key")
p.add_argument("--implicit-tls", action="store_true")
p.add_argument("--user"); p.add_argument("--password"); p.add_argument("--token")
p.add_argument("--reject", action="append", default=[])
p.add_argument("--tempfail", action="append", default=[])
p.add_argument("--discard", action="store_true")
p.add_argument("--probe-db")
a = p.parse_args()


def write_json(name, obj):
    tmp = os.path.join(a.outdir, "." + name + ".tmp")
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.rename(tmp, os.path.join(a.outdir, name))


class Handler:
    def __init__(self):
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in a.reject:
            return "550 5.1.1 <%s>: mailbox unavailable" % address
        if address in a.tempfail:
            return "451 4.3.0 <%s>: try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        probe = {}
        if a.probe_db:
            import sqlite3
            con = sqlite3.connect("file:%s?mode=ro" % a.probe_db, uri=True, timeout=10)
            probe["sent_before"] = con.execute("SELECT count(*) FROM outbox WHERE state = 'sent'").fetchone()[0]
            con.close()
            probe["peer"] = session.peer[1] if isinstance(session.peer, tuple) else str(session.peer)
        if not a.discard:
            login = session.login_data.decode() if isinstance(session.login_data, bytes) else session.login_data
            write_json("msg-%06d.json" % self.count, {
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "data": envelope.original_content.decode("utf-8", "replace"),
                "login": login,
                "mechanism": getattr(session, "drw_mechanism", None),
                "tls": server.transport.get_extra_info("ssl_object") is not None,
                **probe,
            })
        return "250 2.0.0 Message accepted"

    async def auth_XOAUTH2(self, server, args):
        if len(args) == 1:
            blob = await server.challenge_auth("")
            if not isinstance(blob, bytes):
                return AuthResult(success=False, handled=False)
        else:
            try:
                blob = base64.b64decode(args[1], validate=True)
            except Exception:
                return AuthResult(success=False, handled=False)
        fields = dict(f.split("=", 1) for f in blob.decode("utf-8", "replace").split("\x01") if "=" in f)
        ok = a.token is not None and fields.get("auth") == "Bearer " + a.token and fields.get("user") == a.user
        if ok:
            server.session.drw_mechanism = "XOAUTH2"
        return AuthResult(success=ok, handled=False,
                          auth_data=LoginPassword(fields.get("user", "").encode(), b""))


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = (isinstance(auth_data, LoginPassword) and a.user is not None and a.password is not None
          and auth_data.login == a.user.encode() and auth_data.password == a.password.encode())
    if ok:
        session.drw_mechanism = mechanism
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


async def main():
    ctx = None
    if a.cert:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.cert, a.key)
    auth_on = a.user is not None
    handler = Handler()

    def factory():
        return SMTP(handler,
                    hostname="drwatch-test",
                    tls_context=None if a.implicit_tls else ctx,
                    require_starttls=bool(ctx) and not a.implicit_tls,
                    authenticator=authenticator if auth_on else None,
                    auth_required=auth_on,
                    auth_require_tls=bool(ctx) and not a.implicit_tls,
                    auth_exclude_mechanism=[] if a.token else ["XOAUTH2"])

    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, "127.0.0.1", 0, ssl=ctx if a.implicit_tls else None)
    port = server.sockets[0].getsockname()[1]
    write_json("port", port)
    await server.serve_forever()

asyncio.run(main())
