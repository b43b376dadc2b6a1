#!/bin/sh
# api_v2.sh - SES v2 SendEmail with raw content, and what goes with it:
# the api setting (auto picks v2 above v1's 10,000,000 base64 bytes, v1
# and v2 force one), the size limits (beyond them EX_DATAERR before any
# call, ~/dead.letter and not the spool, and input read to its end), v2
# error replies, one kept-alive connection for a -bs session, and the
# CA store as a hashed directory. Exact bytes against the
# recording fake; then the same sends against moto's SES v2 with
# signature checking on.

TESTS_SRCDIR=${TESTS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS_SRCDIR/lib.sh"

t_need_sesmail
t_setup

# A message with a Bcc: the v2 Destination must reach it, no header may.
cat >"$T/bcc.eml" <<'EOF'
From: App <app@example.com>
To: to@example.org
Cc: cc@example.org
Bcc: hidden@example.net
Subject: v2

Hello over v2.
EOF

# big.eml FILE BYTES - a message of BYTES bytes in 76-byte lines (77
# with their CRLF once read).
big() {
	"$PYTHON" - "$1" "$2" <<'EOF'
import sys
path, size = sys.argv[1], int(sys.argv[2])
head = b"From: App <app@example.com>\nTo: to@example.org\nSubject: big\n\n"
line = b"x" * 75 + b"\n"
n = (size - len(head)) // len(line)
with open(path, "wb") as f:
    f.write(head + line * n + b"y" * (size - len(head) - n * len(line)))
EOF
}

# --- 1. api = "v2": one SendEmail, Destination exact, no Bcc header ------
fake_start v2
conf_write "$T/v2.conf" "$FAKE_PORT" 'api = "v2"'
sesmail_run "$T/bcc.eml" -C "$T/v2.conf" -t
t_check_rc "api v2: accepted" 0
t_check_eq "api v2: one SendEmail" 1 "$(rec count v2:SendEmail)"
t_check_eq "api v2: POST /v2/email/outbound-emails" \
	/v2/email/outbound-emails "$(rec field 0 path)"
t_check_eq "api v2: Destination is the envelope, Bcc included" \
	'["to@example.org", "cc@example.org", "hidden@example.net"]' \
	"$(rec field 0 destinations)"
t_check_eq "api v2: FromEmailAddress is the envelope sender" \
	noreply@example.com "$(rec field 0 source)"
t_check_eq "api v2: no Bcc header in the raw message" "" \
	"$(rec header 0 Bcc)"
t_check_eq "api v2: To header kept" "to@example.org" "$(rec header 0 To)"
if rec sig >"$T/sig.out"; then
	t_ok "api v2: signed (SigV4, service ses)"
else
	t_fail "api v2: $(cat "$T/sig.out")"
fi
t_check_eq "api v2: JSON content type" '"application/json"' \
	"$("$PYTHON" -c 'import json,sys
r = json.loads(open(sys.argv[1]).readline())
print(json.dumps([v for (k, v) in r["headers"] if k.lower() == "content-type"][0]))' \
	"$FAKE_RECORD")"
rec raw 0 >"$T/v2.raw"
if grep -q 'Hello over v2' "$T/v2.raw"; then
	t_ok "api v2: the body went as base64 in Content.Raw.Data"
else
	t_fail "api v2: body missing from the raw message"
fi

# --- 2. v2 errors: the code in x-amzn-ErrorType or in the JSON body --------
fake_start v2err --mock '{"http_status": 400, "error_code": "MessageRejected", "error_message": "Email address is not verified."}'
conf_write "$T/v2err.conf" "$FAKE_PORT" 'api = "v2"'
sesmail_run "$T/bcc.eml" -C "$T/v2err.conf" -t
t_check_rc "v2 MessageRejected (x-amzn-ErrorType) is permanent" 69
t_check_contains "v2 error code and text on stderr" "$ERR" \
	"MessageRejected: Email address is not verified."
fake_start v2body --mock '{"http_status": 400, "error_header": false, "error_code": "BadRequestException", "error_message": "bad"}'
conf_write "$T/v2body.conf" "$FAKE_PORT" 'api = "v2"'
sesmail_run "$T/bcc.eml" -C "$T/v2body.conf" -t
t_check_rc "v2 BadRequestException (JSON __type) is a data error" 65
t_check_contains "v2 error from the body on stderr" "$ERR" \
	"BadRequestException"

# --- 3. auto: v1 while it fits, v2 above 10,000,000 base64 bytes ------------
# 7,600,000 bytes read are 7,698,701 with CRLF: 10,264,936 in base64.
big "$T/big.eml" 7600000
fake_start auto
conf_write "$T/auto.conf" "$FAKE_PORT"
sesmail_run "$T/bcc.eml" -C "$T/auto.conf" -t
t_check_rc "auto, small: accepted" 0
sesmail_run "$T/big.eml" -C "$T/auto.conf" -t
t_check_rc "auto, over v1's limit: accepted" 0
t_check_eq "auto: the small one by v1" SendRawEmail "$(rec field 0 action)"
t_check_eq "auto: the large one by v2" v2:SendEmail "$(rec field 1 action)"
# Date and Message-ID are added, so a little more than that.
n=$(rec field 1 raw_len)
if [ "$n" -ge 7698701 ] && [ "$n" -lt 7700701 ]; then
	t_ok "auto: the large one whole, CRLF line ends ($n bytes)"
else
	t_fail "auto: the large one has $n bytes"
fi

# --- 4. the limits: EX_DATAERR before any call ---------------------------------
# A message read whole and then found too large is refused like one with
# no recipient: ~/dead.letter, never the spool, where sesmail -q would
# refuse it again and again. Input past the limit + 1 MiB is not kept,
# but read to its end, so that a writer through a pipe sees exit 65, not
# SIGPIPE.

# spooled - how many files the test spool holds.
spooled() {
	find "$T/spool" -type f | wc -l | tr -d ' '
}

# through_pipe COPIES ARGS... - huge.eml COPIES times over, through a
# pipe, into sesmail ARGS. Sets RC, OUT and ERR as sesmail_run does, and
# WRITER to the writer's exit status (141 when SIGPIPE killed it).
through_pipe() {
	_copies=$1
	shift
	OUT=$T/stdout
	ERR=$T/stderr
	_to=
	command -v timeout >/dev/null 2>&1 && _to="timeout 120"
	{
		_i=0
		_w=0
		while [ "$_i" -lt "$_copies" ] && [ "$_w" = 0 ]; do
			cat "$T/huge.eml"
			_w=$?
			_i=$((_i + 1))
		done
		echo "$_w" >"$T/writer.rc"
	} | $_to "$SESMAIL" "$@" >"$OUT" 2>"$ERR"
	# shellcheck disable=SC2034 # for t_check_rc
	RC=$?
	WRITER=$(cat "$T/writer.rc")
}

# The earlier sections leave messages SES refused in the spool.
rm -rf "$T/spool"
rm -f "$HOME/dead.letter"
fake_start limits
conf_write "$T/v1.conf" "$FAKE_PORT" 'api = "v1"'
sesmail_run "$T/big.eml" -C "$T/v1.conf" -t
t_check_rc "api v1, over 10,000,000 base64 bytes: refused" 65
t_check_contains "api v1: says why" "$ERR" "too large"
t_check_contains "api v1, too large: says where it went" "$ERR" \
	"; saved in $HOME/dead.letter"
t_check_eq "api v1, too large: not in the spool" 0 "$(spooled)"
t_check_eq "api v1, too large: in dead.letter" 1 \
	"$(grep -c '^From noreply@example.com ' "$HOME/dead.letter" 2>/dev/null)"
rm -f "$HOME/dead.letter"
# 29,900,000 bytes read are 30,288,311 with CRLF: over 40,000,000 in base64,
# but within the 31,048,576 bytes read at most.
big "$T/huge.eml" 29900000
conf_write "$T/auto2.conf" "$FAKE_PORT"
through_pipe 1 -C "$T/auto2.conf" -t
t_check_rc "auto, over 40,000,000 base64 bytes: refused" 65
t_check_contains "auto: says why" "$ERR" "too large"
t_check_contains "auto, too large: says where it went" "$ERR" \
	"; saved in $HOME/dead.letter"
t_check_eq "auto, too large: not in the spool" 0 "$(spooled)"
# huge.eml has no "From " line to quote, and its last line no end: the
# entry is the file, that end and the empty line after it.
tail -n +2 "$HOME/dead.letter" >"$T/dead.got"
if { cat "$T/huge.eml"; printf '\n\n'; } | cmp -s - "$T/dead.got"; then
	t_ok "auto, too large: dead.letter holds it whole"
else
	t_fail "auto, too large: dead.letter: $(head -c 200 "$T/dead.got")"
fi
rm -f "$HOME/dead.letter" "$T/dead.got"
# 59,800,000 bytes: past what is read, so kept nowhere, but read to the end.
through_pipe 2 -C "$T/auto2.conf" -t
t_check_rc "auto, far over the limit: refused" 65
t_check_contains "auto, far over: says why" "$ERR" "too large"
t_check_eq "auto, far over: the writer ran to its end, no SIGPIPE" 0 \
	"$WRITER"
t_check_eq "auto, far over: not in the spool" 0 "$(spooled)"
t_check_eq "auto, far over: not in dead.letter" no \
	"$([ -e "$HOME/dead.letter" ] && echo yes || echo no)"
t_check_eq "no call for a message SES cannot take" 0 "$(rec count)"

# --- 5. -bs: one connection for the whole session ------------------------------
fake_start bs
conf_write "$T/bs.conf" "$FAKE_PORT"
{
	printf 'EHLO client.example.org\r\n'
	for i in 1 2 3 4 5; do
		printf 'MAIL FROM:<app@example.com>\r\nRCPT TO:<to%s@example.org>\r\n' "$i"
		printf 'DATA\r\nSubject: %s\r\n\r\nmessage %s\r\n.\r\n' "$i" "$i"
	done
	printf 'QUIT\r\n'
} >"$T/bs.smtp"
sesmail_run "$T/bs.smtp" -C "$T/bs.conf" -bs
t_check_rc "-bs, 5 messages: session ended well" 0
t_check_eq "-bs: 5 accepted" 5 "$(grep -c '^250 2.0.0 Ok' "$OUT")"
t_check_eq "-bs: 5 calls" 5 "$(rec count SendRawEmail)"
t_check_eq "-bs: one kept-alive connection for all of them" 1 \
	"$("$PYTHON" -c 'import json,sys
print(len({json.loads(l)["client_port"] for l in open(sys.argv[1]) if l.strip()}))' \
	"$FAKE_RECORD")"

# --- 6. the CA store: a hashed directory, as well as a file ----------------------
if command -v openssl >/dev/null 2>&1 &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext "subjectAltName=IP:127.0.0.1" -keyout "$T/key.pem" \
	-out "$T/cert.pem" >/dev/null 2>&1; then
	mkdir "$T/cadir" "$T/otherdir"
	cp "$T/cert.pem" "$T/cadir/$(openssl x509 -hash -noout -in "$T/cert.pem").0"
	fake_start tls --tls-cert "$T/cert.pem" --tls-key "$T/key.pem"
	for ca in "$T/cadir" "$T/cert.pem" "$T/otherdir"; do
		conf_write "$T/tls.conf" "$FAKE_PORT"
		sed -i "s|^endpoint = .*|endpoint = \"https://127.0.0.1:$FAKE_PORT/\"\\nca_file = \"$ca\"|" \
			"$T/tls.conf"
		sesmail_run "$T/bcc.eml" -C "$T/tls.conf" -t
		case $ca in
		*otherdir) t_check_rc "ca_file, a directory without the CA: refused" 75 ;;
		*) t_check_rc "ca_file = $(basename "$ca"): verified and sent" 0 ;;
		esac
	done
	t_check_eq "TLS: two sent" 2 "$(rec count SendRawEmail)"
else
	t_ok "# skip the CA store checks: no openssl command"
fi

# --- 7. moto's SES v2 -----------------------------------------------------------------
if ! command -v moto_server >/dev/null 2>&1 ||
	! "$PYTHON" -c 'import boto3' 2>/dev/null; then
	t_ok "# skip moto: moto_server or boto3 not found"
	t_done
fi
tries=0
while :; do
	MOTO_PORT=$(t_free_port)
	moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$T/moto.log" 2>&1 &
	MOTO_PID=$!
	T_PIDS="$T_PIDS $MOTO_PID"
	MOTO=http://127.0.0.1:$MOTO_PORT
	"$PYTHON" "$FAKES/moto_ctl.py" wait "$MOTO" 30 && break
	t_stop "$MOTO_PID"
	tries=$((tries + 1))
	[ "$tries" -lt 3 ] || t_hard_error "moto_server did not start"
done
"$PYTHON" "$FAKES/moto_ctl.py" guard "$MOTO_PID" $$ 600 >/dev/null 2>&1 &
T_PIDS="$T_PIDS $!"
"$PYTHON" "$FAKES/moto_ctl.py" setup "$MOTO" "$T/key" noreply@example.com ||
	t_hard_error "could not set up IAM and SES in moto"
read -r MOTO_KEY MOTO_SECRET <"$T/key"
AWS_ACCESS_KEY_ID=$MOTO_KEY
AWS_SECRET_ACCESS_KEY=$MOTO_SECRET
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY

conf_write "$T/moto.conf" "$MOTO_PORT" 'api = "v2"'
sesmail_run "$T/bcc.eml" -C "$T/moto.conf" -t
t_check_rc "moto v2: accepted, signature checked" 0
conf_write "$T/motoauto.conf" "$MOTO_PORT"
sesmail_run "$T/big.eml" -C "$T/motoauto.conf" -t
t_check_rc "moto, auto over v1's limit: accepted by v2" 0
"$PYTHON" "$FAKES/moto_ctl.py" messages "$MOTO" >"$T/moto.json"
t_check_eq "moto: both stored, the Bcc among the first one's destinations" \
	"2 True False True" "$("$PYTHON" -c 'import json,sys
m = json.load(open(sys.argv[1]))
print(len(m), "hidden@example.net" in m[0]["destinations"],
      "hidden@example.net" in m[0]["raw_data"],
      len(m[1]["raw_data"].encode()) >= 7698701)' "$T/moto.json")"

AWS_SECRET_ACCESS_KEY=wrong$MOTO_SECRET
sesmail_run "$T/bcc.eml" -C "$T/moto.conf" -t
t_check_rc "moto v2, wrong secret: refused" 77
AWS_SECRET_ACCESS_KEY=$MOTO_SECRET
sed 's/^sender = .*/sender = "stranger@example.com"/' "$T/moto.conf" \
	>"$T/moto2.conf"
chmod 0600 "$T/moto2.conf"
sesmail_run "$T/bcc.eml" -C "$T/moto2.conf" -t
t_check_rc "moto v2, unverified sender: refused for good" 69
"$PYTHON" "$FAKES/moto_ctl.py" messages "$MOTO" >"$T/moto.json"
t_check_eq "moto: nothing more stored" 2 "$("$PYTHON" -c 'import json,sys
print(len(json.load(open(sys.argv[1]))))' "$T/moto.json")"

t_done
