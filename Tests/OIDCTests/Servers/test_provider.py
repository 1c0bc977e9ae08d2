#!/usr/bin/python3
"""A small, real OpenID Connect provider for drwatch's single sign-on tests.

Listens on 127.0.0.1 on a free port and writes the port to OUTDIR/port when ready. Its keys
are made at start: RSA 2048 "rsa-1" and EC P-256 "ec-1" (published), RSA "rogue" (never
published) and RSA "rsa-2" (published instead of rsa-1 after a rotation).

Endpoints (issuer http://127.0.0.1:PORT, plus --issuer-path):
  GET  /.well-known/openid-configuration   discovery
  GET  /jwks                               the published keys
  GET  /authorize                          checks the request, remembers it, redirects back at
                                           once with a code (the "person" is the current
                                           behaviour's claims)
  POST /token                              client authentication (Basic or form), the code once,
                                           redirect_uri, PKCE S256; answers with an ID token
  GET  /logout                             end-session page
  POST /control                            JSON merged into the behaviour ({"reset": true} first
                                           to start over); see DEFAULT below

Each request is written as OUTDIR/<kind>-N.json (authorize, token, jwks, logout).
"""
import argparse, base64, hashlib, json, os, secrets, threading, time, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# A child of a libdispatch worker thread inherits a mask blocking SIGTERM: unblock it.
import signal
signal.pthread_sigmask(signal.SIG_SETMASK, [])
signal.signal(signal.SIGTERM, signal.SIG_DFL)

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

p = argparse.ArgumentParser()
p.add_argument("--outdir", required=True)
p.add_argument("--client-id", required=True)
p.add_argument("--client-secret-file")
p.add_argument("--issuer-path", default="")
p.add_argument("--auth-methods", default="client_secret_basic,client_secret_post")
p.add_argument("--no-end-session", action="store_true")
p.add_argument("--claims", help="JSON merged into the default claims (e.g. the person's groups)")
p.add_argument("--behaviour", help="JSON merged into the default behaviour (e.g. {\"alg\": \"none\"})")
a = p.parse_args()
client_secret = open(a.client_secret_file).read().rstrip("\r\n") if a.client_secret_file else None

class Keys(dict):
    """Made on first use (RSA generation is the slow part of starting)."""
    made = threading.Lock()

    def __missing__(self, kid):
        with Keys.made:
            if dict.__contains__(self, kid):
                return dict.__getitem__(self, kid)
            return self._make(kid)

    def _make(self, kid):
        key = ec.generate_private_key(ec.SECP256R1()) if kid.startswith("ec") else rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self[kid] = key
        return key


KEYS = Keys()
KEYS["rsa-1"], KEYS["ec-1"]

# What the next ID tokens look like. "nonce": "match" (the request's), "previous" (the one
# before), "omit", or a literal. "iat" None: the provider's clock. "claims" are merged last.
DEFAULT = {
    "alg": "RS256", "key": None, "header_kid": None, "aud": None, "iss": None, "iat": None,
    "exp_in": 300, "nonce": "match", "published": ["rsa-1", "ec-1"], "deny": None,
    "claims": {"sub": "user-1", "email": "jo.iro@council.example"},
}
if a.claims:
    DEFAULT["claims"].update(json.loads(a.claims))
if a.behaviour:
    DEFAULT.update(json.loads(a.behaviour))
lock = threading.Lock()
behaviour = json.loads(json.dumps(DEFAULT))
codes = {}
nonces = []
counts = {}


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_bytes(n, length=None):
    length = length or (n.bit_length() + 7) // 8
    return n.to_bytes(length, "big")


def jwk(kid):
    key = KEYS[kid].public_key()
    if kid.startswith("ec"):
        nums = key.public_numbers()
        return {"kty": "EC", "crv": "P-256", "kid": kid, "use": "sig", "alg": "ES256",
                "x": b64(int_bytes(nums.x, 32)), "y": b64(int_bytes(nums.y, 32))}
    nums = key.public_numbers()
    return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": b64(int_bytes(nums.n)), "e": b64(int_bytes(nums.e))}


def sign(header, payload, kid):
    signing_input = (b64(json.dumps(header).encode()) + "." + b64(json.dumps(payload).encode())).encode()
    if header["alg"] == "none":
        return signing_input.decode() + "."
    key = KEYS[kid]
    if header["alg"] == "ES256":
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        sig = int_bytes(r, 32) + int_bytes(s, 32)
    else:
        sig = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return signing_input.decode() + "." + b64(sig)


def record(kind, obj):
    with lock:
        n = counts.get(kind, 0)
        counts[kind] = n + 1
    name = "%s-%03d.json" % (kind, n)
    tmp = os.path.join(a.outdir, "." + name + ".tmp")
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.rename(tmp, os.path.join(a.outdir, name))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    @property
    def issuer(self):
        return "http://127.0.0.1:%d%s" % (self.server.server_address[1], a.issuer_path)

    def reply(self, status, body, content_type="application/json", headers=()):
        data = body if isinstance(body, bytes) else (json.dumps(body) if content_type == "application/json" else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        path = url.path[len(a.issuer_path):] if url.path.startswith(a.issuer_path) else url.path
        if path == "/.well-known/openid-configuration":
            doc = {
                "issuer": self.issuer,
                "authorization_endpoint": self.issuer + "/authorize",
                "token_endpoint": self.issuer + "/token",
                "jwks_uri": self.issuer + "/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256", "ES256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": a.auth_methods.split(","),
                "scopes_supported": ["openid", "email", "profile"],
            }
            if not a.no_end_session:
                doc["end_session_endpoint"] = self.issuer + "/logout"
            return self.reply(200, doc)
        if path == "/jwks":
            with lock:
                published = list(behaviour["published"])
            record("jwks", {"kids": published})
            return self.reply(200, {"keys": [jwk(k) for k in published]})
        if path == "/authorize":
            problems = []
            if q.get("client_id") != a.client_id: problems.append("client_id")
            if q.get("response_type") != "code": problems.append("response_type")
            if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"): problems.append("pkce")
            if "openid" not in q.get("scope", "").split(" "): problems.append("scope")
            if not q.get("state") or not q.get("nonce") or not q.get("redirect_uri"): problems.append("state/nonce/redirect_uri")
            record("authorize", {"query": q, "problems": problems})
            if problems:
                return self.reply(400, "bad authorization request: " + ", ".join(problems), "text/plain")
            with lock:
                nonces.append(q["nonce"])
                deny = behaviour["deny"]
            sep = "&" if "?" in q["redirect_uri"] else "?"
            if deny:
                back = q["redirect_uri"] + sep + urllib.parse.urlencode({"error": deny, "error_description": "The user cancelled", "state": q["state"]})
            else:
                code = secrets.token_urlsafe(24)
                with lock:
                    codes[code] = {"nonce": q["nonce"], "challenge": q["code_challenge"], "redirect_uri": q["redirect_uri"]}
                back = q["redirect_uri"] + sep + urllib.parse.urlencode({"code": code, "state": q["state"]})
            return self.reply(302, b"", "text/plain", [("Location", back)])
        if path == "/logout":
            record("logout", {"query": q})
            return self.reply(200, "<!doctype html><html lang=en><title>Signed out</title><main><h1>You have signed out of the test provider</h1></main></html>", "text/html")
        self.reply(404, {"error": "not_found"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode()
        url = urllib.parse.urlsplit(self.path)
        path = url.path[len(a.issuer_path):] if url.path.startswith(a.issuer_path) else url.path
        if path == "/control":
            form = dict(urllib.parse.parse_qsl(body))
            change = json.loads(form.get("json", body) or "{}")
            with lock:
                global behaviour
                if change.pop("reset", False):
                    behaviour = json.loads(json.dumps(DEFAULT))
                claims = change.pop("claims", None)
                behaviour.update(change)
                if claims is not None:
                    behaviour["claims"].update(claims)
            return self.reply(200, {"ok": True})
        if path != "/token":
            return self.reply(404, {"error": "not_found"})
        form = dict(urllib.parse.parse_qsl(body))
        auth_method, client_id, secret = "none", form.get("client_id"), form.get("client_secret")
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            user, _, pw = base64.b64decode(header[6:]).decode().partition(":")
            auth_method, client_id, secret = "client_secret_basic", urllib.parse.unquote_plus(user), urllib.parse.unquote_plus(pw)
        elif secret is not None:
            auth_method = "client_secret_post"
        with lock:
            grant = codes.pop(form.get("code", ""), None)
            b = json.loads(json.dumps(behaviour))
            previous = nonces[-2] if len(nonces) >= 2 else None
        verifier = form.get("code_verifier", "")
        pkce_ok = grant is not None and b64(hashlib.sha256(verifier.encode()).digest()) == grant["challenge"]
        rec = {"form_keys": sorted(form.keys()), "auth_method": auth_method, "pkce_ok": pkce_ok,
               "grant_type": form.get("grant_type")}
        if client_id != a.client_id or (client_secret is not None and secret != client_secret):
            record("token", dict(rec, outcome="invalid_client"))
            return self.reply(401, {"error": "invalid_client", "error_description": "client authentication failed"})
        if grant is None or form.get("grant_type") != "authorization_code" or form.get("redirect_uri") != grant["redirect_uri"] or not pkce_ok:
            record("token", dict(rec, outcome="invalid_grant"))
            return self.reply(400, {"error": "invalid_grant", "error_description": "the code, redirect_uri or code_verifier is wrong"})
        now = b["iat"] if b["iat"] is not None else int(time.time())
        payload = {"iss": b["iss"] or self.issuer, "aud": b["aud"] if b["aud"] is not None else a.client_id,
                   "iat": now, "exp": now + b["exp_in"]}
        if b["nonce"] == "match": payload["nonce"] = grant["nonce"]
        elif b["nonce"] == "previous": payload["nonce"] = previous
        elif b["nonce"] != "omit": payload["nonce"] = b["nonce"]
        payload.update(b["claims"])
        payload = {k: v for k, v in payload.items() if v is not None}
        kid = b["key"] or ("ec-1" if b["alg"] == "ES256" else b["published"][0])
        header = {"alg": b["alg"], "typ": "JWT"}
        if b["alg"] != "none":
            header["kid"] = b["header_kid"] or kid
        token = sign(header, payload, kid)
        record("token", dict(rec, outcome="ok", kid=header.get("kid"), alg=b["alg"]))
        self.reply(200, {"access_token": secrets.token_urlsafe(16), "token_type": "Bearer", "expires_in": 300, "id_token": token})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(os.path.join(a.outdir, ".port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(a.outdir, ".port.tmp"), os.path.join(a.outdir, "port"))


def exit_with_parent(parent):
    """A test suite keeps one provider for all its tests and never stops it: leave when it exits."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


threading.Thread(target=exit_with_parent, args=(os.getppid(),), daemon=True).start()
server.serve_forever()
