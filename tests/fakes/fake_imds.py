#!/usr/bin/env python3
"""fake_imds.py - a fake EC2 instance metadata service for sesmail's tests.

Python 3 standard library only. Binds 127.0.0.1 on a free port (port 0),
writes that port to --port-file, and answers as an instance that
requires IMDSv2 (HttpTokens=required):

  PUT /latest/api/token
        needs X-aws-ec2-metadata-token-ttl-seconds 1..21600 (else 400) and
        no X-Forwarded-For (else 403); answers a fresh token
  GET /latest/meta-data/iam/security-credentials/        the role name
  GET /latest/meta-data/iam/security-credentials/ROLE    its credentials
  GET /latest/meta-data/placement/region                 --region
        every GET needs a token from a PUT in X-aws-ec2-metadata-token,
        else 401

--mode changes that:
  ok      as above (the default)
  hang    accept the connection, never answer (for --hang seconds)
  v1only  the PUT is answered --v1-status (default 405) and GETs need no
          token: an instance that serves only IMDSv1
  norole  the role listing is 404: no role attached

--creds FILE is a JSON list of credential objects, served in turn to the
GETs of the role's credentials (the last one repeats):
  {"AccessKeyId", "SecretAccessKey", "Token", "expires_in": SECONDS}
        Expiration is now + SECONDS (negative: already expired)
  {..., "Expiration": "TEXT"}   sent as written
  {"raw": "TEXT"}               the body, as written (malformed replies)
Any other member (e.g. "Code") is sent as it is. Credentials come from a
file so that no secret is on a command line.

--record FILE gets one JSON line per request before the reply: method,
path, whether a token came and whether it was valid, the TTL header,
X-Forwarded-For. Never the token itself, never a reply.

The server exits after --idle seconds without a request (default 60).
"""

import argparse
import json
import os
import secrets
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROLE_PATH = "/latest/meta-data/iam/security-credentials/"


def iso(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def load_creds(path):
    if not path:
        return []
    with open(path, encoding="utf-8") as f:
        creds = json.load(f)
    if not isinstance(creds, list) or not creds:
        raise SystemExit("fake: --creds must hold a non-empty JSON list")
    return creds


def creds_body(entry, token_field="Token"):
    """The JSON text of one entry of --creds."""
    if "raw" in entry:
        return entry["raw"]
    out = {"Code": "Success", "LastUpdated": iso(time.time()), "Type": "AWS-HMAC"}
    for k, v in entry.items():
        if k == "expires_in":
            out["Expiration"] = iso(time.time() + float(v))
        elif k == "Token":
            out[token_field] = v
        else:
            out[k] = v
    return json.dumps(out)


class State:
    """What every fake of this kind shares: record file, idle clock,
    credential sequence."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.last = time.monotonic()
        self.creds = load_creds(args.creds)
        self.served = 0
        self.tokens = set()

    def touch(self):
        with self.lock:
            self.last = time.monotonic()

    def next_creds(self):
        with self.lock:
            i = min(self.served, len(self.creds) - 1)
            self.served += 1
            return self.creds[i]

    def record(self, rec):
        if not self.args.record:
            return
        rec["time"] = time.time()
        line = json.dumps(rec, sort_keys=True) + "\n"
        with self.lock:
            with open(self.args.record, "a", encoding="utf-8") as f:
                f.write(line)


class BaseHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake/1"
    sys_version = ""
    timeout = 30

    def log_message(self, fmt, *a):  # quiet
        pass

    def reply(self, status, body, ctype="text/plain"):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def hang(self):
        """Say nothing for --hang seconds, then drop the connection."""
        time.sleep(self.server.state.args.hang)
        self.close_connection = True


class Handler(BaseHandler):
    server_version = "fake_imds/1"

    def do_PUT(self):
        st = self.server.state
        args = st.args
        st.touch()
        n = int(self.headers.get("Content-Length", "0") or "0")
        if n:
            self.rfile.read(n)
        ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
        fwd = self.headers.get("X-Forwarded-For")
        st.record({"method": "PUT", "path": self.path, "ttl": ttl,
                   "forwarded": fwd is not None, "mode": args.mode})
        if args.mode == "hang":
            return self.hang()
        if self.path != "/latest/api/token":
            return self.reply(404, "not found")
        if args.mode == "v1only":
            return self.reply(args.v1_status, "")
        if fwd is not None:
            return self.reply(403, "forbidden")
        try:
            ok = 1 <= int(ttl) <= 21600
        except (TypeError, ValueError):
            ok = False
        if not ok:
            return self.reply(400, "missing or invalid TTL")
        token = secrets.token_urlsafe(42)
        with st.lock:
            st.tokens.add(token)
        return self.reply(200, token)

    def do_GET(self):
        st = self.server.state
        args = st.args
        st.touch()
        token = self.headers.get("X-aws-ec2-metadata-token")
        with st.lock:
            valid = token in st.tokens
        st.record({"method": "GET", "path": self.path,
                   "has_token": token is not None, "token_valid": valid,
                   "mode": args.mode})
        if args.mode == "hang":
            return self.hang()
        if args.mode != "v1only" and not valid:
            return self.reply(401, "")
        if self.path == "/latest/meta-data/placement/region":
            return self.reply(200, args.region)
        if self.path == ROLE_PATH:
            if args.mode == "norole":
                return self.reply(404, "not found")
            return self.reply(200, args.role)
        if self.path == ROLE_PATH + args.role and st.creds:
            return self.reply(200, creds_body(st.next_creds()))
        return self.reply(404, "not found")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(handler, args):
    """Bind, publish the port, serve until idle."""
    srv = Server(("127.0.0.1", 0), handler)
    srv.state = State(args)
    if args.record:
        open(args.record, "a").close()
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.replace(tmp, args.port_file)

    def idle_watch():
        while True:
            time.sleep(0.5)
            with srv.state.lock:
                quiet = time.monotonic() - srv.state.last
            if quiet > args.idle:
                srv.shutdown()
                return
    threading.Thread(target=idle_watch, daemon=True).start()
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    srv.server_close()


def common_args(p):
    p.add_argument("--port-file", required=True)
    p.add_argument("--record")
    p.add_argument("--creds", help="JSON list of credentials (see above)")
    p.add_argument("--idle", type=float, default=60.0)
    p.add_argument("--hang", type=float, default=20.0)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    common_args(p)
    p.add_argument("--mode", default="ok", choices=["ok", "hang", "v1only", "norole"])
    p.add_argument("--v1-status", type=int, default=405)
    p.add_argument("--role", default="sesmail-instance-role")
    p.add_argument("--region", default="us-east-1")
    serve(Handler, p.parse_args())


if __name__ == "__main__":
    sys.exit(main())
