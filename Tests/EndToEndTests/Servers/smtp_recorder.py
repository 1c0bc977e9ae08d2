#!/usr/bin/python3
"""A plain SMTP server (Debian's python3-aiosmtpd) for the daemon's end-to-end tests.

Listens on 127.0.0.1:PORT (0: a free one), writes the port to OUTDIR/port when ready, and each
accepted message as OUTDIR/msg-<uuid>.json: {"id": X-Drwatch-Id header, "rcpt_tos": [...]}.
A restart on the same port and folder keeps the earlier records.
"""
import argparse, asyncio, json, os, signal, uuid
from email.parser import BytesHeaderParser
from aiosmtpd.smtp import SMTP

signal.pthread_sigmask(signal.SIG_SETMASK, [])
signal.signal(signal.SIGTERM, signal.SIG_DFL)
p = argparse.ArgumentParser()
p.add_argument("--outdir", required=True)
p.add_argument("--port", type=int, default=0)
a = p.parse_args()


def write_json(name, obj):
    tmp = os.path.join(a.outdir, "." + name + ".tmp")
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.rename(tmp, os.path.join(a.outdir, name))


class Handler:
    async def handle_DATA(self, server, session, envelope):
        headers = BytesHeaderParser().parsebytes(envelope.original_content)
        write_json("msg-%s.json" % uuid.uuid4().hex, {"id": str(headers.get("X-Drwatch-Id", "")), "rcpt_tos": envelope.rcpt_tos})
        return "250 2.0.0 Message accepted"


async def main():
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(Handler(), hostname="drwatch-test"), "127.0.0.1", a.port, reuse_address=True)
    write_json("port", server.sockets[0].getsockname()[1])
    await server.serve_forever()

asyncio.run(main())
