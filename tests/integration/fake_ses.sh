#!/bin/sh
# fake_ses.sh - end-to-end checks against the recording fake SES that the
# cases do not express: exact Destinations and bytes, splitting above 50
# recipients, the session token, SES errors and transport faults mapped to
# exit codes, and refusals of unsafe configuration or key files.

TESTS_SRCDIR=${TESTS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS_SRCDIR/lib.sh"

t_need_sesmail
t_setup

# A plain message for the error checks.
cat >"$T/plain.eml" <<'EOF'
From: App <app@example.com>
To: user@example.org
Subject: plain

Hello.
EOF

# --- 1. exact Destinations and 8-bit bytes --------------------------------
# Body lines hold every byte 0x80-0xff (0xff at a line start and end) and
# printable ASCII; the raw message must carry them unchanged, LF -> CRLF.
"$PYTHON" - "$T/8bit.eml" "$T/8bit.body" <<'EOF'
import sys
hi = bytes(range(0x80, 0x100))
body = [b"\xffstart", hi[:32], hi[32:64], hi[64:96], hi[96:], b"ascii ~!@#$%^&*()_+{}|:<>?", b"end\xff"]
head = [b"From: Eight Bit <eight@example.com>", b"To: first@example.org",
        b"Subject: bytes", b"MIME-Version: 1.0",
        b"Content-Type: application/octet-stream", b"Content-Transfer-Encoding: 8bit"]
open(sys.argv[1], "wb").write(b"\n".join(head) + b"\n\n" + b"\n".join(body) + b"\n")
open(sys.argv[2], "wb").write(b"\r\n".join(body) + b"\r\n")
EOF
fake_start bytes
conf_write "$T/bytes.conf" "$FAKE_PORT"
sesmail_run "$T/8bit.eml" -C "$T/bytes.conf" -i -- \
	first@example.org "Second <second@example.org>" third@example.net
t_check_rc "8-bit message accepted" 0
t_check_calls "8-bit message: one call" 1
t_check_eq "Destinations exactly, in argument order" \
	'["first@example.org", "second@example.org", "third@example.net"]' \
	"$(rec field 0 destinations)"
t_check_eq "Source is the configured sender" noreply@example.com \
	"$(rec field 0 source)"
rec raw 0 >"$T/8bit.raw"
if "$PYTHON" - "$T/8bit.raw" "$T/8bit.body" <<'EOF'
import sys
raw, body = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
i = raw.find(b"\r\n\r\n")
sys.exit(0 if i >= 0 and raw[i + 4:] == body else 1)
EOF
then
	t_ok "8-bit body (0x80-0xff) byte for byte, CRLF line ends"
else
	t_fail "8-bit body changed: $(od -c "$T/8bit.raw" | tail -n 12 | head -n 6)"
fi
for h in "From: Eight Bit <eight@example.com>" "Subject: bytes" \
	"Content-Transfer-Encoding: 8bit"; do
	if grep -qF -- "$h" "$T/8bit.raw"; then
		t_ok "header kept as written: $h"
	else
		t_fail "header not kept as written: $h"
	fi
done
if rec sig >"$T/sig.out"; then
	t_ok "request signed validly"
else
	t_fail "$(cat "$T/sig.out")"
fi
t_stop "$FAKE_PID"

# --- 2. more than 50 recipients: 120 -> 50 + 50 + 20 ----------------------
fake_start many
conf_write "$T/many.conf" "$FAKE_PORT"
set --
i=1
while [ "$i" -le 120 ]; do
	set -- "$@" "$(printf 'r%03d@example.org' "$i")"
	i=$((i + 1))
done
sesmail_run "$T/plain.eml" -C "$T/many.conf" -i "$@"
t_check_rc "120 recipients accepted" 0
t_check_calls "120 recipients: three calls" 3
if "$PYTHON" - "$FAKE_RECORD" >"$T/many.out" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sizes = sorted((len(r.get("destinations") or []) for r in recs), reverse=True)
want = ["r%03d@example.org" % i for i in range(1, 121)]
got = [d for r in recs for d in r.get("destinations") or []]
raws = {r.get("raw_b64") for r in recs}
errs = []
if sizes != [50, 50, 20]:
    errs.append("call sizes %s, expected [50, 50, 20]" % sizes)
if sorted(got) != want:
    errs.append("destinations not each exactly once (%d sent, %d distinct)" % (len(got), len(set(got))))
if len(raws) != 1 or None in raws:
    errs.append("the calls carried different raw messages")
if not all(r.get("sig_valid") for r in recs):
    errs.append("a call was not validly signed")
print("; ".join(errs))
sys.exit(1 if errs else 0)
EOF
then
	t_ok "120 recipients: calls of 50, 50, 20, each address once, same raw message"
else
	t_fail "120 recipients: $(cat "$T/many.out")"
fi
t_stop "$FAKE_PID"

# --- 3. session token sent and signed --------------------------------------
fake_start token --session-token "FwoGZXIvYXdzEFAKEtokenForSesmail+/=="
conf_write "$T/token.conf" "$FAKE_PORT"
SESMAIL_ENV="AWS_SESSION_TOKEN=FwoGZXIvYXdzEFAKEtokenForSesmail+/=="
sesmail_run "$T/plain.eml" -C "$T/token.conf" -i user@example.org
SESMAIL_ENV=
t_check_rc "temporary credentials accepted" 0
t_check_eq "X-Amz-Security-Token sent" "FwoGZXIvYXdzEFAKEtokenForSesmail+/==" \
	"$(rec field 0 session_token)"
case $(rec field 0 signed_headers) in
*'"x-amz-security-token"'*) t_ok "X-Amz-Security-Token is in SignedHeaders" ;;
*) t_fail "X-Amz-Security-Token not signed: SignedHeaders $(rec field 0 signed_headers)" ;;
esac
t_stop "$FAKE_PID"

# --- 4. bad credentials -> EX_NOPERM (77) -----------------------------------
fake_start badsecret
conf_write "$T/badsecret.conf" "$FAKE_PORT"
SESMAIL_ENV="AWS_SECRET_ACCESS_KEY=notTheSecretTheFakeKnows0000000000000000"
sesmail_run "$T/plain.eml" -C "$T/badsecret.conf" -i user@example.org
SESMAIL_ENV=
t_check_rc "wrong secret (SignatureDoesNotMatch)" 77
t_check_contains "wrong secret: SES's code on stderr" "$ERR" SignatureDoesNotMatch
t_check_eq "wrong secret: the fake refused the signature" false \
	"$(rec field 0 sig_valid)"
t_stop "$FAKE_PID"

fake_start badkey
conf_write "$T/badkey.conf" "$FAKE_PORT"
SESMAIL_ENV="AWS_ACCESS_KEY_ID=AKIDUNKNOWNTOTHEFAKE1"
sesmail_run "$T/plain.eml" -C "$T/badkey.conf" -i user@example.org
SESMAIL_ENV=
t_check_rc "unknown access key (InvalidClientTokenId)" 77
t_check_contains "unknown key: SES's code on stderr" "$ERR" InvalidClientTokenId
t_stop "$FAKE_PID"

# --- 5. SES errors and faults -> exit codes ----------------------------------
# expect_reply NAME EXIT STDERR-TEXT [fake options...]
expect_reply() {
	er_name=$1 er_exit=$2 er_text=$3
	shift 3
	fake_start "$er_name" "$@"
	conf_write "$T/$er_name.conf" "$FAKE_PORT"
	sesmail_run "$T/plain.eml" -C "$T/$er_name.conf" -i user@example.org
	t_check_rc "SES reply $er_name" "$er_exit"
	[ -z "$er_text" ] || t_check_contains "$er_name: reason on stderr" "$ERR" "$er_text"
	t_check_nonempty "$er_name: reason on stderr" "$ERR"
	er_calls=$(rec count SendRawEmail)
	if [ "$er_calls" -ge 1 ]; then
		t_ok "$er_name: SES was called ($er_calls calls)"
	else
		t_fail "$er_name: SES was never called"
	fi
	t_stop "$FAKE_PID"
}
expect_reply rejected 69 "Shop <shop@example.com>" --mock \
	'{"http_status": 400, "error_type": "Sender", "error_code": "MessageRejected", "error_message": "Email address is not verified. The following identities failed the check in region US-EAST-1: Shop <shop@example.com>"}'
t_check_eq "MessageRejected is not retried" 1 "$(rec count SendRawEmail)"
expect_reply throttled 75 "" --mock \
	'{"http_status": 400, "error_type": "Sender", "error_code": "Throttling", "error_message": "Maximum sending rate exceeded."}'
expect_reply server500 75 "" --mock \
	'{"http_status": 500, "error_type": "Receiver", "error_code": "InternalFailure", "error_message": "We encountered an internal error."}'
expect_reply garbage 75 "" --garbage
expect_reply closed 75 "" --close

# Connection refused: a port that nothing listens on.
port=$(t_free_port)
conf_write "$T/refused.conf" "$port"
sesmail_run "$T/plain.eml" -C "$T/refused.conf" -i user@example.org
t_check_rc "connection refused" 75
t_check_nonempty "connection refused: reason on stderr" "$ERR"

# --- 6. unsafe files are refused before any call ------------------------------
# The credentials file: accepted at 0600 and 0640, refused at 0644.
FKEY=AKIDFILEKEYSESMAIL001
FSECRET=fileSecretForSesmailTests/ab+cd0123456789
fake_start credfile --access-key "$FKEY" --secret-key "$FSECRET"
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
	"$FKEY" "$FSECRET" >"$T/credentials"
conf_write "$T/credfile.conf" "$FAKE_PORT" "credentials {
	file = \"$T/credentials\"
	profile = \"default\"
}"
SESMAIL_ENV="-u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY"
for mode in 600 640; do
	chmod "$mode" "$T/credentials"
	sesmail_run "$T/plain.eml" -C "$T/credfile.conf" -i user@example.org
	t_check_rc "credentials file mode $mode is used" 0
done
t_check_eq "credentials file: the file's key signed both calls" \
	"$FKEY $FKEY" "$(rec field 0 access_key) $(rec field 1 access_key)"
chmod 644 "$T/credentials"
sesmail_run "$T/plain.eml" -C "$T/credfile.conf" -i user@example.org
SESMAIL_ENV=
case $RC in
77 | 78) t_ok "credentials file readable by others refused (exit $RC)" ;;
*) t_fail "credentials file mode 644: expected exit 77 or 78, got $RC" ;;
esac
t_check_nonempty "credentials file mode 644: reason on stderr" "$ERR"
t_check_eq "credentials file mode 644: no further call" 2 "$(rec count)"
t_stop "$FAKE_PID"

# The configuration file: group-writable, world-writable, foreign owner.
fake_start badconf
conf_write "$T/badconf.conf" "$FAKE_PORT"
for mode in 620 602; do
	chmod "$mode" "$T/badconf.conf"
	sesmail_run "$T/plain.eml" -C "$T/badconf.conf" -i user@example.org
	t_check_rc "config mode $mode refused" 78
	t_check_nonempty "config mode $mode: reason on stderr" "$ERR"
done
chmod 600 "$T/badconf.conf"
if [ "$(id -u)" = 0 ] && chown nobody "$T/badconf.conf" 2>/dev/null; then
	sesmail_run "$T/plain.eml" -C "$T/badconf.conf" -i user@example.org
	t_check_rc "config owned by another user refused" 78
fi
t_check_eq "unsafe configuration: no call made" 0 "$(rec count)"
t_stop "$FAKE_PID"

# http:// to a host that is not loopback. 0.0.0.0 is not a loopback
# address, yet a connection to it stays on this machine, so even a broken
# check cannot send traffic anywhere else.
fake_start nonloop
conf_write "$T/nonloop.conf" "$FAKE_PORT"
sed "s|http://127.0.0.1:|http://0.0.0.0:|" "$T/nonloop.conf" >"$T/nonloop2.conf"
chmod 600 "$T/nonloop2.conf"
sesmail_run "$T/plain.eml" -C "$T/nonloop2.conf" -i user@example.org
t_check_rc "http:// endpoint that is not loopback refused" 78
t_check_eq "non-loopback http://: no call made" 0 "$(rec count)"
t_stop "$FAKE_PID"

t_done
