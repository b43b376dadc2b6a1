#!/usr/bin/python3
"""Fake Amazon SES over HTTPS on 127.0.0.1, for benchmarks only.

  fake_ses.py PORT CERT KEY [STATSFILE]

POST /                          form body, Action=SendRawEmail (v1 Query API) -> XML
POST /v2/email/outbound-emails  JSON {"Content":{"Raw":{"Data":b64}}} (v2)   -> JSON
HTTP/1.1 keep-alive; signatures are not checked.  After every request STATSFILE
gets "messages message_bytes requests connections" (messages: well-formed sends,
sized from the base64 length without decoding; requests: all POSTs;
connections: TLS connections accepted, to see keep-alive at work).
"""
import json, os, socket, ssl, sys, threading, time, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote_to_bytes

lock = threading.Lock()
stats = {"requests": 0, "messages": 0, "bytes": 0, "connections": 0}
STATS = sys.argv[4] if len(sys.argv) > 4 else None

V1_OK = ('<SendRawEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">\n'
         '  <SendRawEmailResult>\n    <MessageId>{mid}</MessageId>\n  </SendRawEmailResult>\n'
         '  <ResponseMetadata>\n    <RequestId>{rid}</RequestId>\n  </ResponseMetadata>\n'
         '</SendRawEmailResponse>\n')
V1_ERR = ('<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">\n'
          '  <Error>\n    <Type>Sender</Type>\n    <Code>{code}</Code>\n'
          '    <Message>{msg}</Message>\n  </Error>\n  <RequestId>{rid}</RequestId>\n'
          '</ErrorResponse>\n')


def message_id():
    # Same shape as SES: 16 hex digits of time, a UUID, a 6-digit suffix.
    return "%016x-%s-000000" % (time.time_ns() // 1_000_000, uuid.uuid4())


def b64_size(data, length=None, tail=None):
    """Decoded size of base64 DATA (LENGTH and TAIL: its length and end once unescaped).
    Cheap on purpose: decoding 14 MB in Python would dwarf the clients being timed."""
    length = len(data) if length is None else length
    tail = data[-9:] if tail is None else tail
    if length % 4:
        return None
    return length // 4 * 3 - (len(tail) - len(tail.rstrip(b"=")))


def write_stats():
    if STATS:
        with open(STATS + ".tmp", "w") as f:
            f.write("%(messages)d %(bytes)d %(requests)d %(connections)d\n" % stats)
        os.replace(STATS + ".tmp", STATS)


def count(msg_bytes):
    with lock:
        stats["requests"] += 1
        if msg_bytes is not None:
            stats["messages"] += 1
            stats["bytes"] += msg_bytes
        write_stats()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive
    timeout = 60                    # idle keep-alive connections are closed after this

    def setup(self):
        self.request.do_handshake()  # TLS handshake in this thread, not in accept()
        with lock:
            stats["connections"] += 1
        super().setup()

    def reply(self, code, ctype, text, rid):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-amzn-RequestId", rid)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        rid = str(uuid.uuid4())
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.split("?")[0] == "/v2/email/outbound-emails":
            try:
                size = b64_size(json.loads(body)["Content"]["Raw"]["Data"].encode())
            except Exception:
                size = None
            count(size)
            if size is None:
                return self.reply(400, "application/json", '{"message":"Bad raw message"}', rid)
            return self.reply(200, "application/json", json.dumps({"MessageId": message_id()}), rid)
        form = dict(kv.split(b"=", 1) for kv in body.split(b"&") if b"=" in kv)
        size = None
        if form.get(b"Action") == b"SendRawEmail" and b"RawMessage.Data" in form:
            data = form[b"RawMessage.Data"]  # percent-encoded base64: size it, don't decode it
            size = b64_size(data, len(data) - 2 * data.count(b"%"), unquote_to_bytes(data[-9:]))
        count(size)
        if size is None:
            err = V1_ERR.format(code="InvalidParameterValue", msg="Bad Action or RawMessage", rid=rid)
            return self.reply(400, "text/xml", err, rid)
        self.reply(200, "text/xml", V1_OK.format(mid=message_id(), rid=rid), rid)

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def get_request(self):
        sock, addr = self.socket.accept()
        # Headers and body go out in two writes: without this, Nagle + delayed ACK add 40 ms.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):
        pass  # a client that hangs up mid-handshake is not our business


if __name__ == "__main__":
    port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server = Server(("127.0.0.1", port), Handler)
    if STATS:  # written once bound, so a waiting script knows the port is up
        with open(STATS, "w") as f:
            f.write("0 0 0 0\n")
    print("fake_ses: https://127.0.0.1:%d/" % port, flush=True)
    server.serve_forever()
