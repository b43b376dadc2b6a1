#!/usr/bin/env python3
"""fault_ses.py - a fake SES that fails on purpose, for sesmail's fault tests.

Python 3 standard library only; it reuses fake_ses.py's SigV4 check and
XML replies. Binds 127.0.0.1 on a free port (written to --port-file) and
answers POST / Action=SendRawEmail. Each request gets one "fault":

  --script A,B,C   request i gets the i-th name, the last one repeats
  --fail-rate P    (with --faults A,B,... and --seed N) each request fails
                   with probability P, with a fault drawn from the list;
                   otherwise "ok"

Faults:
  ok         200 SendRawEmailResponse with a fresh MessageId  [accepted]
  500        500 InternalFailure
  503        503 ServiceUnavailable
  throttle   400 Throttling "Maximum sending rate exceeded."
  quota      400 Throttling "Daily message quota exceeded."
  paused     400 AccountSendingPausedException
  rejected   400 MessageRejected
  expired    403 ExpiredToken (temporary credentials ran out)
  badtoken   403 InvalidClientTokenId (the key is not known)
  reset      the request is read, then the connection is reset (RST)
  lost       accepted, then the connection is reset before the reply:
             SES has the message but the client never hears  [accepted]
  slow       accepted, and the reply comes after --slow seconds  [accepted]
  truncated  200 whose body stops half-way (Content-Length is larger)
             [accepted]
  garbage    200 with a body that is not XML  [accepted]
  huge       200 with a 2 MB body, larger than any SES reply  [accepted]

"[accepted]" marks faults after which real SES would have the message:
the record says accepted=true, so tests can count duplicates.

--skew S makes the fake's clock run S seconds ahead: its Date header says
so, and a request whose X-Amz-Date is more than 300 s off that clock is
refused 403 SignatureDoesNotMatch "Signature expired: ...", as SES does.

--tls-cert/--tls-key serve HTTPS with that certificate.

Every request is appended to --record as one JSON line: n, time, fault,
accepted, message_id, destinations, source, tag (the X-Test-Tag header
of the message, if any), amz_date, sig_ok.
"""

import argparse
import base64
import json
import os
import random
import re
import socket
import ssl
import struct
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_ses  # noqa: E402  (the SigV4 check and the XML shapes)

FAULTS = {
    "ok", "500", "503", "throttle", "quota", "paused", "rejected", "reset",
    "lost", "slow", "truncated", "garbage", "huge", "expired", "badtoken",
}
ACCEPTED = {"ok", "lost", "slow", "truncated", "garbage", "huge"}
ERRORS = {
    "500": (500, "Receiver", "InternalFailure", "An internal error occurred."),
    "503": (503, "Receiver", "ServiceUnavailable", "Service unavailable."),
    "throttle": (400, "Sender", "Throttling", "Maximum sending rate exceeded."),
    "quota": (400, "Sender", "Throttling", "Daily message quota exceeded."),
    "paused": (400, "Sender", "AccountSendingPausedException",
               "Sending is paused for this account."),
    "expired": (403, "Sender", "ExpiredToken",
                "The security token included in the request is expired"),
    "badtoken": (403, "Sender", "InvalidClientTokenId",
                 "The security token included in the request is invalid."),
    "rejected": (400, "Sender", "MessageRejected",
                 "Email address is not verified. The following identities "
                 "failed the check in region US-EAST-1: noreply@example.com"),
}
TAG = re.compile(rb"^X-Test-Tag:[ \t]*([^\r\n]*)", re.M | re.I)


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.count = 0
        self.last = time.monotonic()
        self.rng = random.Random(args.seed)
        self.script = [f.strip() for f in args.script.split(",")] if args.script else None
        self.faults = [f.strip() for f in args.faults.split(",")] if args.faults else []
        for f in (self.script or []) + self.faults:
            if f not in FAULTS:
                raise SystemExit("fault_ses: unknown fault %r" % f)

    def next_fault(self):
        with self.lock:
            i = self.count
            self.count += 1
            self.last = time.monotonic()
            if self.script is not None:
                return i, self.script[min(i, len(self.script) - 1)]
            if self.faults and self.rng.random() < self.args.fail_rate:
                return i, self.rng.choice(self.faults)
            return i, "ok"

    def record(self, rec):
        if not self.args.record:
            return
        line = json.dumps(rec, sort_keys=True) + "\n"
        with self.lock:
            with open(self.args.record, "a", encoding="utf-8") as f:
                f.write(line)


def server_now(args):
    return time.time() + args.skew


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fault_ses/1"
    sys_version = ""
    timeout = 30

    def log_message(self, fmt, *a):
        if self.server.state.args.verbose:
            sys.stderr.write("fault_ses: " + (fmt % a) + "\n")

    def date_time_string(self, timestamp=None):
        return formatdate(server_now(self.server.state.args), usegmt=True)

    def reset(self):
        """Drop the connection with a RST, as a broken middlebox does."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def reply(self, status, body, ctype="text/xml", length=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data) if length is None else length))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def check(self, body, rec):
        """None when the request is signed right and in time, else the
        (status, xml) of the refusal."""
        args = self.server.state.args
        rid = str(uuid.uuid4())
        try:
            auth = fake_ses.parse_authorization(self.headers.get("Authorization", ""))
        except ValueError as e:
            return 400, fake_ses.xml_error("Sender", "IncompleteSignature", str(e), rid)
        ok, why, _, _ = fake_ses.sigv4_check("POST", self.path, list(self.headers.items()),
                                             body, auth, args.secret_key, args.region, "ses")
        if not ok or auth["cred"][0] != args.access_key:
            rec["sig_error"] = why or "unknown key"
            return 403, fake_ses.xml_error("Sender", "SignatureDoesNotMatch",
                                           "The request signature we calculated does not "
                                           "match the signature you provided.", rid)
        amz = self.headers.get("X-Amz-Date", "").strip()
        when = datetime.strptime(amz, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        now = server_now(args)
        if abs(now - when.timestamp()) > 300:
            rec["sig_error"] = "X-Amz-Date off by %d s" % (now - when.timestamp())
            return 403, fake_ses.xml_error(
                "Sender", "SignatureDoesNotMatch",
                "Signature expired: %s is now earlier than %s (%s - 5 min.)"
                % (amz, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now - 300)),
                   time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))), rid)
        rec["sig_ok"] = True
        return None

    def describe(self, body, rec):
        form = dict(fake_ses.parse_form(body))
        raw = base64.b64decode(form.get("RawMessage.Data", b""))
        m = TAG.search(raw)
        rec["tag"] = m.group(1).decode("utf-8", "replace").strip() if m else None
        rec["source"] = form.get("Source", b"").decode() or None
        rec["destinations"] = [form[k].decode() for k in sorted(
            (k for k in form if k.startswith("Destinations.member.")),
            key=lambda k: int(k.rsplit(".", 1)[1]))]
        rec["raw_len"] = len(raw)

    def do_POST(self):
        st = self.server.state
        n = int(self.headers.get("Content-Length", "0") or "0")
        body = self.rfile.read(n)
        i, fault = st.next_fault()
        rec = {"n": i, "time": time.time(), "fault": fault, "accepted": False,
               "sig_ok": False, "amz_date": self.headers.get("X-Amz-Date")}
        self.describe(body, rec)
        refusal = self.check(body, rec)
        if refusal is not None:
            rec["fault"] = "signature"
            st.record(rec)
            self.reply(*refusal)
            return
        rec["accepted"] = fault in ACCEPTED
        if rec["accepted"]:
            rec["message_id"] = fake_ses.message_id()
        # Recorded before the reply: a client killed meanwhile is counted.
        st.record(rec)
        self.answer(fault, rec)

    def answer(self, fault, rec):
        args = self.server.state.args
        rid = str(uuid.uuid4())
        ok = fake_ses.xml_ok("SendRawEmail", "    <MessageId>%s</MessageId>\n"
                             % rec.get("message_id"), rid)
        if fault in ERRORS:
            status, etype, code, msg = ERRORS[fault]
            self.reply(status, fake_ses.xml_error(etype, code, msg, rid))
        elif fault in ("reset", "lost"):
            self.reset()
        elif fault == "slow":
            time.sleep(args.slow)
            self.reply(200, ok)
        elif fault == "truncated":
            data = ok.encode()
            self.reply(200, data[:len(data) // 2], length=len(data))
            self.close_connection = True
        elif fault == "garbage":
            self.reply(200, "<<<this is not XML at all & never was\n", "text/plain")
        elif fault == "huge":
            self.reply(200, "<x>" + "A" * (2 * 1024 * 1024) + "</x>")
        else:
            self.reply(200, ok)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port-file", required=True)
    p.add_argument("--record")
    p.add_argument("--script")
    p.add_argument("--faults", default="")
    p.add_argument("--fail-rate", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--slow", type=float, default=5.0)
    p.add_argument("--skew", type=float, default=0.0)
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--access-key", default="AKIDFAKESESMAIL00001")
    p.add_argument("--secret-key", default="fakeSecretKeyForSesmailTests/0123456789+ab")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--idle", type=float, default=120.0)
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args()

    srv = Server(("127.0.0.1", 0), Handler)
    srv.state = State(args)
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
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


if __name__ == "__main__":
    main()
