#!/usr/bin/python3
"""How to receive drwatch's signed webhooks: a complete receiver (docs/security.md, "Webhooks").

    python3 docs/webhook-receiver.py --secret-file /path/to/webhook-secret [--port 8080] [--outdir DIR]

drwatch sends each notification as a JSON POST with two headers:

    X-Drwatch-Id: DR-101/s2/breach/service-manager        (the message identity, also the body's "id")
    X-Drwatch-Signature: t=1796113800,v1=<hex>            (HMAC-SHA256 of "<t>.<raw body>" with the secret)

A receiver must, in this order:
  1. read the raw body bytes (never a re-serialised JSON: the signature is over the exact bytes);
  2. recompute HMAC-SHA256(secret, t + "." + body) and compare it with v1 in constant time
     (hmac.compare_digest), answering 401 when it differs;
  3. refuse a timestamp more than MAX_AGE seconds from its own clock (a replayed old request),
     answering 401 too;
  4. drop a message whose id it has already accepted, answering 200 (drwatch retries until it
     sees a 2xx, so a repeat must succeed without acting twice).
drwatch treats 4xx as permanent (the message is parked and the admin told) and 5xx as retryable.

This example listens on 127.0.0.1 only, keeps the ids it has seen in memory, and appends each
accepted message to OUTDIR/accepted.jsonl; with --outdir it also writes the port it listens on to
OUTDIR/port (Tests/DeliveryTests/WebhookReceiverExampleTests.swift runs it against a real delivery).
"""
import argparse, hashlib, hmac, json, os, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_AGE = 300  # seconds either side of our clock

p = argparse.ArgumentParser()
p.add_argument("--secret-file", required=True)
p.add_argument("--port", type=int, default=0)
p.add_argument("--outdir", default=".")
a = p.parse_args()
with open(a.secret_file, "rb") as f:
    SECRET = f.read().rstrip(b"\r\n")
seen = set()
lock = threading.Lock()


def verify(headers, body, now):
    """Returns None when the request is authentic and fresh, else why not."""
    parts = dict(p.split("=", 1) for p in headers.get("X-Drwatch-Signature", "").split(",") if "=" in p)
    t, v1 = parts.get("t", ""), parts.get("v1", "")
    if not t.isdigit() or not v1:
        return "no signature"
    expected = hmac.new(SECRET, t.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, v1):
        return "bad signature"
    if abs(now - int(t)) > MAX_AGE:
        return "stale timestamp"
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, text):
        data = (text + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        problem = verify(self.headers, body, int(time.time()))
        if problem:
            return self.reply(401, problem)
        message = json.loads(body)
        with lock:
            if message["id"] in seen:
                return self.reply(200, "duplicate " + message["id"])
            seen.add(message["id"])
            with open(os.path.join(a.outdir, "accepted.jsonl"), "a") as f:
                f.write(json.dumps(message, sort_keys=True) + "\n")
        # Act on it here: message["event"], message["ref"] (a case reference, never a name), message["due"].
        self.reply(200, "accepted " + message["id"])


server = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
tmp = os.path.join(a.outdir, ".port.tmp")
with open(tmp, "w") as f:
    f.write(str(server.server_address[1]))
os.rename(tmp, os.path.join(a.outdir, "port"))
server.serve_forever()
