#!/usr/bin/python3
"""A real webhook receiver for drwatch's tests and benchmark (python http.server, HTTP/1.1).

Listens on 127.0.0.1 on a free port, writes the port to OUTDIR/port when ready. Replies with
the statuses of --statuses in turn (the last one repeats; default 200) and writes each
request as OUTDIR/req-N.json: {path, headers, body, status, signature_ok}. With --secret-file
it checks X-Drwatch-Signature (t=<unix>,v1=<hex hmac-sha256 of "<t>.<body>">) and answers 401
when it does not match. --discard counts without writing (benchmark).
"""
import argparse, hashlib, hmac, json, os, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# A child of a libdispatch worker thread inherits a mask blocking SIGTERM: unblock it.
import signal
signal.pthread_sigmask(signal.SIG_SETMASK, [])
signal.signal(signal.SIGTERM, signal.SIG_DFL)

p = argparse.ArgumentParser()
p.add_argument("--outdir", required=True)
p.add_argument("--statuses", default="200")
p.add_argument("--secret-file")
p.add_argument("--discard", action="store_true")
a = p.parse_args()
statuses = [int(s) for s in a.statuses.split(",")]
secret = open(a.secret_file, "rb").read().rstrip(b"\r\n") if a.secret_file else None
lock = threading.Lock()
count = [0]


def write_json(name, obj):
    tmp = os.path.join(a.outdir, "." + name + ".tmp")
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.rename(tmp, os.path.join(a.outdir, name))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with lock:
            n = count[0]; count[0] += 1
        status = statuses[min(n, len(statuses) - 1)]
        sig_ok = None
        if secret is not None:
            sig = dict(part.split("=", 1) for part in self.headers.get("X-Drwatch-Signature", "").split(",") if "=" in part)
            expected = hmac.new(secret, sig.get("t", "").encode() + b"." + body, hashlib.sha256).hexdigest()
            sig_ok = hmac.compare_digest(expected, sig.get("v1", ""))
            if not sig_ok:
                status = 401
        if not a.discard:
            write_json("req-%06d.json" % (n + 1), {
                "path": self.path, "headers": dict(self.headers.items()),
                "body": body.decode("utf-8", "replace"), "status": status, "signature_ok": sig_ok,
            })
        reply = json.dumps({"status": status}).encode()
        self.send_response(status)
        if 300 <= status < 400:
            self.send_header("Location", "http://127.0.0.2:9/elsewhere")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
write_json("port", server.server_address[1])
server.serve_forever()
