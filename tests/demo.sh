#!/bin/sh
# demo.sh - the README's first command: build sesmail and watch one message
# go through a SigV4-signed SendRawEmail call to a local SES emulator.
#
#   sh tests/demo.sh
#
# As root on Debian 12 it installs the build dependencies that are missing,
# builds sesmail in build/demo, starts moto_server (the AWS emulator) on
# 127.0.0.1 with signature checking on, verifies a sender, sends a
# multipart message with an attachment through `sesmail -t`, and prints
# what SES received. Nothing leaves this machine: every address is
# 127.0.0.1. Without moto it uses the project's recording fake SES.

cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
TESTS_SRCDIR=$ROOT/tests
. "$TESTS_SRCDIR/lib.sh"

step() {
	printf '\n== %s\n' "$*"
}

step "1/5 Build dependencies (only what is missing)"
sh "$ROOT/tests/all.sh" --deps-only || exit 1
[ -d "$ROOT/build/moto-venv/bin" ] && PATH=$ROOT/build/moto-venv/bin:$PATH
echo "ok"

step "2/5 Building sesmail in build/demo"
# Once configured, make itself re-runs autoconf/automake when needed.
if [ ! -x "$ROOT/configure" ]; then
	autoreconf -fi >/dev/null 2>&1 || { autoreconf -fi; exit 1; }
fi
mkdir -p "$ROOT/build/demo"
if [ ! -f "$ROOT/build/demo/Makefile" ]; then
	(cd "$ROOT/build/demo" && "$ROOT/configure" >configure.out 2>&1) ||
		{ cat "$ROOT/build/demo/configure.out"; exit 1; }
fi
make -C "$ROOT/build/demo" -j2 >"$ROOT/build/demo/make.out" 2>&1 ||
	{ cat "$ROOT/build/demo/make.out"; exit 1; }
SESMAIL=$ROOT/build/demo/src/sesmail
echo "built $SESMAIL"

t_setup
SENDER=noreply@example.com

if command -v moto_server >/dev/null 2>&1 && "$PYTHON" -c 'import boto3' 2>/dev/null; then
	MODE=moto
	step "3/5 Starting moto_server (the AWS emulator) on 127.0.0.1"
	tries=0
	while :; do
		PORT=$(t_free_port)
		moto_server -H 127.0.0.1 -p "$PORT" >"$T/moto.log" 2>&1 &
		MOTO_PID=$!
		T_PIDS="$T_PIDS $MOTO_PID"
		URL=http://127.0.0.1:$PORT
		"$PYTHON" "$FAKES/moto_ctl.py" wait "$URL" 30 && break
		t_stop "$MOTO_PID"
		tries=$((tries + 1))
		[ "$tries" -lt 3 ] || { cat "$T/moto.log"; exit 1; }
	done
	"$PYTHON" "$FAKES/moto_ctl.py" guard "$MOTO_PID" $$ 600 >/dev/null 2>&1 &
	T_PIDS="$T_PIDS $!"
	"$PYTHON" "$FAKES/moto_ctl.py" setup "$URL" "$T/key" "$SENDER" || exit 1
	read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY <"$T/key"
	export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	echo "moto listens on $URL"
	echo "created IAM user 'sesmail' with a policy allowing ses:*, and its key $AWS_ACCESS_KEY_ID"
	echo "turned on signature checking (POST 0 to /moto-api/reset-auth)"
	echo "verified the sender $SENDER (SES VerifyEmailIdentity)"
else
	MODE=fake
	step "3/5 Starting the project's recording fake SES on 127.0.0.1"
	echo "(moto_server not found; install it with: pip install 'moto[server]')"
	fake_start demo
	URL=http://127.0.0.1:$FAKE_PORT
	echo "fake SES listens on $URL and checks SigV4 with key $AWS_ACCESS_KEY_ID"
fi

step "4/5 Sending a multipart message with an attachment through sesmail -t"
cat >"$T/sesmail.conf" <<EOF
region = "us-east-1"
endpoint = "$URL/"
sender = "$SENDER"
domain = "example.com"
EOF
chmod 0600 "$T/sesmail.conf"
echo "configuration ($T/sesmail.conf, mode 0600):"
sed 's/^/    /' "$T/sesmail.conf"

"$PYTHON" - "$T/message.eml" <<'EOF'
import struct, sys, zlib
from email.message import EmailMessage

def png(w, h):
    # 8-bit RGB, filter byte 0 per row: a red-green gradient
    rows = b"".join(b"\x00" + b"".join(bytes((x * 255 // (w - 1), y * 255 // (h - 1), 160))
                                       for x in range(w)) for y in range(h))
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))

m = EmailMessage()
m["From"] = "sesmail demo <noreply@example.com>"
m["To"] = "Reader <reader@example.org>"
m["Cc"] = "copy@example.org"
m["Bcc"] = "blind@example.net"
m["Subject"] = "sesmail demo: weekly chart"
m.set_content("Hello,\n\nthe weekly chart is attached.\n\n-- \nsesmail demo\n")
m.add_attachment(png(32, 32), maintype="image", subtype="png", filename="chart.png")
open(sys.argv[1], "wb").write(m.as_bytes())
EOF
echo "message: $(wc -c <"$T/message.eml") bytes, To + Cc + Bcc, a text part and chart.png"
echo "running: sesmail -C $T/sesmail.conf -t -v < message.eml"
"$SESMAIL" -C "$T/sesmail.conf" -t -v <"$T/message.eml" >"$T/out" 2>"$T/err"
RC=$?
sed 's/^/    /' "$T/err" "$T/out"
if [ "$RC" -ne 0 ]; then
	echo "sesmail failed with exit $RC"
	exit 1
fi
echo "sesmail exit status: 0 (SES accepted the message)"

step "5/5 What SES received"
if [ "$MODE" = moto ]; then
	"$PYTHON" "$FAKES/moto_ctl.py" messages "$URL" >"$T/received.json"
else
	"$PYTHON" - "$FAKE_RECORD" >"$T/received.json" <<'EOF'
import base64, json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
json.dump([{"id": r.get("message_id"), "source": r.get("source"),
            "destinations": r.get("destinations"),
            "raw_data": base64.b64decode(r["raw_b64"]).decode("utf-8", "replace")}
           for r in recs if r.get("reply_status") == 200], sys.stdout)
EOF
fi
"$PYTHON" - "$T/received.json" "$MODE" "$T/err" <<'EOF'
import email, json, re, sys
from email.utils import getaddresses
msgs = json.load(open(sys.argv[1]))
mode = sys.argv[2]
if len(msgs) != 1:
    sys.exit("expected one message in SES, found %d" % len(msgs))
m = msgs[0]
raw = m["raw_data"].encode("utf-8", "surrogateescape")
print("Source:        %s" % m["source"])
dests = []
for _, a in getaddresses(m["destinations"]):
    if a.lower() not in (d.lower() for d in dests):
        dests.append(a)
print("Destinations:  %s" % ", ".join(dests))
if mode == "moto":
    print("               (moto lists the Destinations sesmail sent plus the To/Cc")
    print("               header addresses; each is shown once here)")
print("Raw message:   %d bytes, CRLF line ends: %s" % (
    len(raw), "yes" if b"\n" not in raw.replace(b"\r\n", b"") else "NO"))
msg = email.message_from_bytes(raw)
print("Header fields:")
for k, v in msg.items():
    v = " ".join(str(v).split())
    print("    %s: %s" % (k, v if len(v) <= 64 else v[:61] + "..."))
print("Bcc field:     %s" % ("PRESENT (bug)" if msg["Bcc"] is not None else
                            "removed (blind@example.net got it through Destinations only)"))
print("MIME structure:")
def walk(part, depth):
    ctype = part.get_content_type()
    pad = "    " + "  " * depth
    if part.is_multipart():
        print("%s%s" % (pad, ctype))
        for sub in part.get_payload():
            walk(sub, depth + 1)
        return
    data = part.get_payload(decode=True) or b""
    name = part.get_filename()
    cte = part.get("Content-Transfer-Encoding", "7bit")
    print("%s%s%s, %d bytes (%s)" % (pad, ctype, ", " + name if name else "", len(data), cte))
walk(msg, 0)
mid = None
for line in open(sys.argv[3], encoding="utf-8", errors="replace"):
    found = re.search(r"accepted by SES.*?:\s*(\S+)\s*$", line)
    if found:
        mid = found.group(1)
print("MessageId:     %s (as sesmail got it from SES)" % (mid or m["id"]))
if mid and m["id"] and mid != m["id"]:
    print("               SES stored it as %s" % m["id"])
EOF
RC=$?

if [ "$MODE" = moto ]; then
	t_stop "$MOTO_PID"
	printf '\nmoto stopped. '
else
	t_stop "$FAKE_PID"
	printf '\nfake SES stopped. '
fi
echo "Next: sh tests/all.sh runs the whole test suite."
exit $RC
