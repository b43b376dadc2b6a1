#!/usr/bin/env python3
"""fake_ses.py - a recording fake of Amazon SES for sesmail's tests.

Python 3 standard library only. Binds 127.0.0.1 on a free port (port 0),
writes that port to --port-file, and answers:

  POST /  Action=SendRawEmail (SES v1 Query API, version 2010-12-01)
  POST /  Action=GetSendQuota
  POST /v2/email/outbound-emails  (SES v2 SendEmail with Content.Raw)

Every request is appended to --record as one JSON line (see do_POST)
before the reply is sent, so a client that has exited has been recorded.
Each record names the client's port ("client_port"): requests that share
it came over one kept-alive connection.

The SigV4 signature is verified by an implementation of its own (not
botocore's): canonical request rebuilt from the bytes received, signed
headers as listed in Authorization, key from --access-key/--secret-key
(or one of the --keys-file list, secrets kept off the command line),
scope region --region and service "ses". A bad signature is answered 403
SignatureDoesNotMatch, an unknown key 403 InvalidClientTokenId, both in
the SES XML error shape.

Replies, after the signature check passed:
  --mock JSON   one reply object, or a list used in sequence (request i
                gets element i, the last one repeats). An object holds
                http_status, error_type, error_code, error_message (an SES
                error; to a v2 request the code goes in the x-amzn-ErrorType
                header as SES v2 sends it, or with "error_header": false in
                the JSON body's "__type"), or {"ok": true} (success), or one of
                {"close": true}, {"garbage": true}, {"slow": SECONDS} (then
                the rest of the object, if any, is the reply after the wait).
  --close       close the connection without a reply
  --garbage     200 with a body that is not XML
  --slow S      wait S seconds before replying
  --watch DIR   record the sizes of the spool files in DIR as each
                request comes ("watched"), and where each one's message
                starts, and whether its head was padded to get there
                ("watched_heads"), to check the write-ahead copy
  otherwise     200 SendRawEmailResponse with a fresh MessageId.

The server exits after --idle seconds without a request (default 120).
With --tls-cert and --tls-key it speaks HTTPS (for the CA store tests).
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import socket
import ssl
import sys
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote_to_bytes, quote
from xml.sax.saxutils import escape

NS = "http://ses.amazonaws.com/doc/2010-12-01/"
UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"


# --- SigV4, written from the specification ----------------------------------

def _uri_encode(data, safe_slash):
    if isinstance(data, str):
        data = data.encode("utf-8")
    out = []
    for b in data:
        c = chr(b)
        if c in UNRESERVED or (safe_slash and c == "/"):
            out.append(c)
        else:
            out.append("%%%02X" % b)
    return "".join(out)


def canonical_uri(path):
    """Normalise the path as sent (remove . and .., collapse //) and encode
    it once more, as every service but S3 expects."""
    segs = []
    for seg in path.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if segs:
                segs.pop()
            continue
        segs.append(seg)
    norm = "/" + "/".join(segs)
    if path.endswith("/") and norm != "/":
        norm += "/"
    return _uri_encode(norm, True)


def canonical_query(query):
    if not query:
        return ""
    pairs = []
    for part in query.split("&"):
        if part == "":
            continue
        name, _, value = part.partition("=")
        pairs.append((_uri_encode(unquote_to_bytes(name), False),
                      _uri_encode(unquote_to_bytes(value), False)))
    pairs.sort()
    return "&".join("%s=%s" % p for p in pairs)


def parse_authorization(value):
    """Split 'AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...'
    into a dict, or raise ValueError."""
    value = value.strip()
    if not value.startswith("AWS4-HMAC-SHA256 "):
        raise ValueError("unsupported authorization scheme")
    fields = {}
    for item in value[len("AWS4-HMAC-SHA256 "):].split(","):
        item = item.strip()
        if not item:
            continue
        key, eq, val = item.partition("=")
        if not eq:
            raise ValueError("malformed authorization field %r" % item)
        fields[key] = val
    for key in ("Credential", "SignedHeaders", "Signature"):
        if key not in fields:
            raise ValueError("authorization lacks %s" % key)
    cred = fields["Credential"].split("/")
    if len(cred) != 5:
        raise ValueError("malformed Credential")
    fields["cred"] = cred
    return fields


def signing_key(secret, date, region, service):
    k = hmac.new(("AWS4" + secret).encode(), date.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    return k


def sigv4_check(method, target, headers, body, auth, secret, region, service):
    """Recompute the signature of a received request.

    headers: list of (name, value) in the order received. auth: the
    parse_authorization() result. Returns (ok, reason, canonical_request,
    string_to_sign)."""
    path, _, query = target.partition("?")
    signed = auth["SignedHeaders"].split(";")
    if signed != sorted(signed) or any(h != h.lower() for h in signed):
        return False, "SignedHeaders not lower case and sorted", "", ""
    lines = []
    for name in signed:
        vals = [" ".join(v.split()) for (n, v) in headers if n.lower() == name]
        if not vals:
            return False, "signed header %s not in request" % name, "", ""
        lines.append("%s:%s\n" % (name, ",".join(vals)))
    creq = "\n".join([
        method,
        canonical_uri(path),
        canonical_query(query),
        "".join(lines),
        auth["SignedHeaders"],
        hashlib.sha256(body).hexdigest(),
    ])
    amz_date = ""
    for (n, v) in headers:
        if n.lower() == "x-amz-date":
            amz_date = v.strip()
    akid, date, cregion, cservice, term = auth["cred"]
    scope = "/".join([date, cregion, cservice, term])
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                     hashlib.sha256(creq.encode()).hexdigest()])
    key = signing_key(secret, date, region, service)
    want = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(want, auth["Signature"]):
        return False, "signature differs", creq, sts
    if cregion != region:
        return False, "scope region %s, expected %s" % (cregion, region), creq, sts
    if cservice != service:
        return False, "scope service %s, expected %s" % (cservice, service), creq, sts
    if term != "aws4_request":
        return False, "scope does not end in aws4_request", creq, sts
    if not amz_date.startswith(date):
        return False, "X-Amz-Date does not match the scope date", creq, sts
    return True, "", creq, sts


# --- form bodies --------------------------------------------------------------

def parse_form(body):
    """Decode an application/x-www-form-urlencoded body into a list of
    (name, value-bytes) in order. Form semantics: '+' is a space."""
    out = []
    for part in body.split(b"&"):
        if part == b"":
            continue
        name, _, value = part.partition(b"=")
        name = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", "replace")
        out.append((name, unquote_to_bytes(value.replace(b"+", b" "))))
    return out


# --- replies ------------------------------------------------------------------

def spool_sizes(path):
    """Sizes of the files in a spool directory that have their final,
    local-id names (a temporary name is not a whole message yet)."""
    try:
        names = os.listdir(path)
    except OSError:
        return []
    return sorted(os.stat(os.path.join(path, n)).st_size for n in names
                  if re.fullmatch(r"[0-9a-f]{12}", n))


def spool_heads(path):
    """For each whole spool file in path (as spool_sizes), where its
    message starts and whether its head was padded to reach there."""
    heads = []
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return []
    for n in names:
        if not re.fullmatch(r"[0-9a-f]{12}", n):
            continue
        with open(os.path.join(path, n), "rb") as f:
            head = f.read(1 << 20)
        end = head.find(b"\n\n")
        heads.append([end + 2 if end >= 0 else -1, b"\npad " in head[:end]])
    return heads


def message_id():
    return "%016x-%s-000000" % (time.time_ns() // 1_000_000, uuid.uuid4())


def xml_ok(action, inner, rid):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<%sResponse xmlns="%s">\n  <%sResult>\n%s  </%sResult>\n'
            '  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n'
            '  </ResponseMetadata>\n</%sResponse>\n'
            % (action, NS, action, inner, action, rid, action))


def xml_error(etype, code, msg, rid):
    return ('<ErrorResponse xmlns="%s">\n  <Error>\n    <Type>%s</Type>\n'
            '    <Code>%s</Code>\n    <Message>%s</Message>\n  </Error>\n'
            '  <RequestId>%s</RequestId>\n</ErrorResponse>\n'
            % (NS, escape(etype), escape(code), escape(msg), rid))


def key_for(args, access_key):
    """(secret, session token or None) of a key this fake accepts, or None."""
    if access_key == args.access_key:
        return args.secret_key, args.session_token
    for k in args.extra_keys:
        if k.get("AccessKeyId") == access_key:
            return k["SecretAccessKey"], k.get("Token")
    return None


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.count = 0
        self.last = time.monotonic()
        self.mocks = None
        if args.mock:
            m = json.loads(args.mock)
            self.mocks = m if isinstance(m, list) else [m]
            if not self.mocks:
                raise SystemExit("fake_ses: --mock list is empty")

    def next_index(self):
        with self.lock:
            i = self.count
            self.count += 1
            self.last = time.monotonic()
            return i

    def touch(self):
        with self.lock:
            self.last = time.monotonic()

    def record(self, rec):
        if not self.args.record:
            return
        line = json.dumps(rec, sort_keys=True) + "\n"
        with self.lock:
            with open(self.args.record, "a", encoding="utf-8") as f:
                f.write(line)
                f.flush()
                os.fsync(f.fileno())


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake_ses/1"
    sys_version = ""
    timeout = 30

    def log_message(self, fmt, *a):  # keep test output quiet
        if self.server.state.args.verbose:
            sys.stderr.write("fake_ses: " + (fmt % a) + "\n")

    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if "chunked" in te.lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
            return b"".join(chunks), True
        n = int(self.headers.get("Content-Length", "0") or "0")
        return self.rfile.read(n), False

    def send(self, status, body, ctype="text/xml", rid=None, extra=()):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        for name, value in extra:
            self.send_header(name, value)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", rid or str(uuid.uuid4()))
        self.send_header("Date", self.date_time_string())
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def do_GET(self):
        self.server.state.touch()
        if self.path == "/ping":
            self.send(200, "pong\n", "text/plain")
        else:
            self.send(404, xml_error("Sender", "InvalidAction",
                                     "GET is not supported", str(uuid.uuid4())))

    def do_POST(self):
        st = self.server.state
        args = st.args
        idx = st.next_index()
        rid = str(uuid.uuid4())
        watched = spool_sizes(args.watch) if args.watch else None
        heads = spool_heads(args.watch) if args.watch else None
        body, chunked = self.read_body()
        hdrs = [(k, v) for (k, v) in self.headers.items()]
        rec = {
            "n": idx,
            "time": time.time(),
            "method": "POST",
            "path": self.path,
            "client_port": self.client_address[1],
            "headers": hdrs,
            "chunked": chunked,
            "body_len": len(body),
            "body_sha256": hashlib.sha256(body).hexdigest(),
            "watched": watched,
            "watched_heads": heads,
        }
        v2 = self.path.split("?")[0] == "/v2/email/outbound-emails"
        self.parse_request_body(rec, body, v2)

        # Authentication first: a valid reply to a badly signed request
        # would hide a signing bug.
        status, reply = self.authenticate(rec, body, rid)
        if status is None:
            status, reply = self.choose_reply(rec, idx, rid, v2)
        rec["reply_status"] = status
        rec["reply"] = reply if isinstance(reply, str) else None
        st.record(rec)
        if status == "close":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        ctype = "application/json" if v2 and status != "garbage" else "text/xml"
        if status == "garbage":
            self.send(200, reply, "text/plain", rid)
        else:
            self.send(status, reply, ctype, rid, rec.pop("reply_headers", ()))

    def parse_request_body(self, rec, body, v2):
        rec["form_literal_plus"] = b"+" in body
        if v2:
            rec["action"] = "v2:SendEmail"
            try:
                doc = json.loads(body)
                data = doc["Content"]["Raw"]["Data"]
                raw = base64.b64decode(data, validate=True)
                rec["raw_b64"] = base64.b64encode(raw).decode()
                rec["raw_len"] = len(raw)
                rec["source"] = doc.get("FromEmailAddress")
                d = doc.get("Destination", {})
                rec["destinations"] = (d.get("ToAddresses", []) + d.get("CcAddresses", [])
                                       + d.get("BccAddresses", []))
                rec["params"] = [[k, v] for (k, v) in doc.items() if k != "Content"]
            except Exception as e:  # noqa: BLE001 - record any malformation
                rec["parse_error"] = "v2 body: %s" % e
            return
        form = parse_form(body)
        params = []
        members = {}
        errors = []
        rec["source"] = None
        rec["action"] = None
        rec["version"] = None
        seen = set()
        for name, value in form:
            if name in seen:
                errors.append("parameter %s repeated" % name)
            seen.add(name)
            if name == "RawMessage.Data":
                try:
                    raw = base64.b64decode(value, validate=True)
                    rec["raw_b64"] = base64.b64encode(raw).decode()
                    rec["raw_len"] = len(raw)
                except Exception as e:  # noqa: BLE001
                    errors.append("RawMessage.Data is not valid base64: %s" % e)
                continue
            text = value.decode("utf-8", "replace")
            m = re.fullmatch(r"Destinations\.member\.(\d+)", name)
            if m:
                members[int(m.group(1))] = text
            elif name == "Source":
                rec["source"] = text
            elif name == "Action":
                rec["action"] = text
            elif name == "Version":
                rec["version"] = text
            params.append([name, text])
        order = sorted(members)
        if order != list(range(1, len(order) + 1)):
            errors.append("Destinations.member numbering is not 1..N: %s" % order)
        rec["destinations"] = [members[k] for k in order]
        rec["params"] = params
        if errors:
            rec["parse_error"] = "; ".join(errors)

    def authenticate(self, rec, body, rid):
        """Return (None, None) when the request is properly signed, else the
        error reply (status, xml)."""
        args = self.server.state.args
        rec["sig_valid"] = False
        authz = self.headers.get("Authorization")
        if authz is None:
            rec["sig_error"] = "no Authorization header"
            return 403, xml_error("Sender", "MissingAuthenticationToken",
                                  "Request is missing Authentication Token", rid)
        try:
            auth = parse_authorization(authz)
        except ValueError as e:
            rec["sig_error"] = str(e)
            return 400, xml_error("Sender", "IncompleteSignature", str(e), rid)
        rec["access_key"] = auth["cred"][0]
        rec["scope"] = "/".join(auth["cred"][1:])
        rec["signed_headers"] = auth["SignedHeaders"].split(";")
        token = self.headers.get("X-Amz-Security-Token")
        rec["session_token"] = token
        known = key_for(args, auth["cred"][0])
        if known is None:
            rec["sig_error"] = "unknown access key"
            return 403, xml_error("Sender", "InvalidClientTokenId",
                                  "The security token included in the request is invalid.", rid)
        secret, want_token = known
        if want_token is not None and token != want_token:
            rec["sig_error"] = "session token missing or different"
            return 403, xml_error("Sender", "InvalidClientTokenId",
                                  "The security token included in the request is invalid.", rid)
        for must in ("host", "x-amz-date"):
            if must not in rec["signed_headers"]:
                rec["sig_error"] = "%s is not signed" % must
                return 403, xml_error("Sender", "SignatureDoesNotMatch",
                                      "%s must be a signed header" % must, rid)
        if token is not None and "x-amz-security-token" not in rec["signed_headers"]:
            rec["sig_error"] = "x-amz-security-token is not signed"
            return 403, xml_error("Sender", "SignatureDoesNotMatch",
                                  "X-Amz-Security-Token must be signed", rid)
        ok, why, creq, sts = sigv4_check("POST", self.path, list(self.headers.items()),
                                         body, auth, secret, args.region, "ses")
        if not ok:
            rec["sig_error"] = why
            rec["canonical_request"] = creq
            return 403, xml_error(
                "Sender", "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature "
                "you provided. Check your AWS Secret Access Key and signing method. "
                "Consult the service documentation for details.", rid)
        amz = self.headers.get("X-Amz-Date", "").strip()
        try:
            when = datetime.strptime(amz, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
        except ValueError:
            rec["sig_error"] = "malformed X-Amz-Date"
            return 400, xml_error("Sender", "IncompleteSignature",
                                  "Date must be in ISO-8601 'basic format'.", rid)
        skew = abs(time.time() - when.timestamp())
        if skew > args.max_skew:
            rec["sig_error"] = "X-Amz-Date off by %d s" % skew
            return 403, xml_error("Sender", "SignatureDoesNotMatch",
                                  "Signature expired: %s is now earlier than %s"
                                  % (amz, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())), rid)
        rec["sig_valid"] = True
        return None, None

    def choose_reply(self, rec, idx, rid, v2):
        st = self.server.state
        args = st.args
        mock = None
        if st.mocks is not None:
            mock = dict(st.mocks[min(idx, len(st.mocks) - 1)] or {"ok": True})
        slow = args.slow
        if mock and "slow" in mock:
            slow = float(mock.pop("slow"))
        if slow:
            time.sleep(slow)
        if args.close or (mock and mock.get("close")):
            return "close", None
        if args.garbage or (mock and mock.get("garbage")):
            return "garbage", "<<<this is not XML at all & never was\n"
        if mock and "http_status" in mock:
            status = int(mock["http_status"])
            if v2 and mock.get("error_header", True):
                rec["reply_headers"] = [("x-amzn-ErrorType", "%s:http://internal.amazon.com/"
                                         % mock.get("error_code", ""))]
                return status, json.dumps({"message": mock.get("error_message", "")})
            if v2:
                return status, json.dumps({"__type": mock.get("error_code", ""),
                                           "message": mock.get("error_message", "")})
            return status, xml_error(mock.get("error_type", "Sender"),
                                     mock.get("error_code", "InternalFailure"),
                                     mock.get("error_message", ""), rid)
        if "parse_error" in rec:
            return 400, xml_error("Sender", "InvalidParameterValue", rec["parse_error"], rid)
        if v2:
            mid = message_id()
            rec["message_id"] = mid
            return 200, json.dumps({"MessageId": mid})
        action = rec.get("action")
        if action == "SendRawEmail":
            if rec.get("version") != "2010-12-01":
                return 400, xml_error("Sender", "InvalidParameterValue",
                                      "Version must be 2010-12-01", rid)
            if "raw_b64" not in rec:
                return 400, xml_error("Sender", "MissingParameter",
                                      "RawMessage.Data is required", rid)
            mid = message_id()
            rec["message_id"] = mid
            return 200, xml_ok("SendRawEmail",
                               "    <MessageId>%s</MessageId>\n" % mid, rid)
        if action == "GetSendQuota":
            return 200, xml_ok("GetSendQuota",
                               "    <Max24HourSend>200.0</Max24HourSend>\n"
                               "    <MaxSendRate>1.0</MaxSendRate>\n"
                               "    <SentLast24Hours>0.0</SentLast24Hours>\n", rid)
        return 400, xml_error("Sender", "InvalidAction",
                              "The action %s is not valid for this web service." % action, rid)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port-file", required=True)
    p.add_argument("--record")
    p.add_argument("--access-key", default="AKIDFAKESESMAIL00001")
    p.add_argument("--secret-key", default="fakeSecretKeyForSesmailTests/0123456789+ab")
    p.add_argument("--session-token")
    p.add_argument("--keys-file", help="JSON list of more accepted keys: "
                   "{AccessKeyId, SecretAccessKey, Token (required when given)}")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--mock", help="JSON object or list (ses_mock of a case)")
    p.add_argument("--close", action="store_true")
    p.add_argument("--garbage", action="store_true")
    p.add_argument("--slow", type=float, default=0.0)
    p.add_argument("--idle", type=float, default=120.0)
    p.add_argument("--max-skew", type=float, default=900.0)
    p.add_argument("--verbose", action="store_true")
    p.add_argument("--watch", help="a spool directory: each record gets "
                   "'watched', the sizes of the spool files in it as the "
                   "request came, before its body was read")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    args = p.parse_args()
    args.extra_keys = []
    if args.keys_file:
        with open(args.keys_file, encoding="utf-8") as f:
            args.extra_keys = json.load(f)

    srv = Server(("127.0.0.1", 0), Handler)
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
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


if __name__ == "__main__":
    main()
