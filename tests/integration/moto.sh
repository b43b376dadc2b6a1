#!/bin/sh
# moto.sh - sesmail against moto_server (the AWS emulator) on 127.0.0.1
# with signature and IAM checking on: a key made through moto's IAM API,
# a verified sender, the message read back from /moto-api/data.json; then
# a wrong secret (77) and an unverified sender (69) send nothing.
#
# moto 5.2.1 behaviour this relies on (moto/ses/models.py, responses.py,
# moto/core/authorization.py, moto/moto_api/_internal/responses.py):
# - POST "0" to /moto-api/reset-auth makes every later request need a
#   valid SigV4 signature by an IAM access key moto created (botocore's
#   signer recomputes it), else 403 SignatureDoesNotMatch or
#   InvalidClientTokenId; /moto-api/* itself is never checked;
# - SendRawEmail rejects a Source that is not verified with
#   MessageRejected "Did not have authority to send from email ...";
# - data.json lists ses.RawMessage entries {id, source, destinations,
#   raw_data}; destinations are the Destinations sent PLUS the To/Cc/Bcc
#   header addresses (formatted with their display names), and raw_data is
#   the message decoded as UTF-8. Exact bytes are fake_ses.sh's job.

TESTS_SRCDIR=${TESTS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS_SRCDIR/lib.sh"

t_need_sesmail
t_setup
command -v moto_server >/dev/null 2>&1 ||
	t_skip "moto_server not found (install it with: pip install 'moto[server]')"
"$PYTHON" -c 'import boto3' 2>/dev/null ||
	t_skip "boto3 not importable by $PYTHON (pip install 'moto[server]')"

# Start moto on a free port; retry if another process took the port first.
tries=0
while :; do
	MOTO_PORT=$(t_free_port)
	moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"$T/moto.log" 2>&1 &
	MOTO_PID=$!
	T_PIDS="$T_PIDS $MOTO_PID"
	MOTO=http://127.0.0.1:$MOTO_PORT
	if "$PYTHON" "$FAKES/moto_ctl.py" wait "$MOTO" 30; then
		break
	fi
	t_stop "$MOTO_PID"
	tries=$((tries + 1))
	if [ "$tries" -ge 3 ]; then
		cat "$T/moto.log"
		t_hard_error "moto_server did not start"
	fi
done
# The trap stops moto at the end; the guard stops it should this script
# die without running its trap, or hang for more than 10 minutes.
"$PYTHON" "$FAKES/moto_ctl.py" guard "$MOTO_PID" $$ 600 >/dev/null 2>&1 &
T_PIDS="$T_PIDS $!"

"$PYTHON" "$FAKES/moto_ctl.py" setup "$MOTO" "$T/key" noreply@example.com ||
	t_hard_error "could not set up IAM and SES in moto"
read -r MOTO_KEY MOTO_SECRET <"$T/key"
AWS_ACCESS_KEY_ID=$MOTO_KEY
AWS_SECRET_ACCESS_KEY=$MOTO_SECRET
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
t_ok "moto on $MOTO with IAM checking on, sender verified"

t_spool_dir
cat >"$T/conf" <<EOF
region = "us-east-1"
endpoint = "$MOTO/"
sender = "noreply@example.com"
domain = "example.com"
spool = "$T/spool"
EOF
chmod 0600 "$T/conf"

messages() {
	"$PYTHON" "$FAKES/moto_ctl.py" messages "$MOTO" >"$T/messages.json"
}

# --- a message goes through -----------------------------------------------
cat >"$T/msg.eml" <<'EOF'
From: Moto Test <noreply@example.com>
To: Reader <reader@example.org>
Cc: copy@example.org
Bcc: blind@example.net
Subject: sesmail through moto

Hello from sesmail.
Second line.
EOF
sesmail_run "$T/msg.eml" -C "$T/conf" -t -i
t_check_rc "message sent through moto" 0
messages
if "$PYTHON" - "$T/messages.json" >"$T/check.out" <<'EOF'
import json, sys
from email.utils import getaddresses
msgs = json.load(open(sys.argv[1]))
errs = []
if len(msgs) != 1:
    errs.append("%d messages stored, expected 1" % len(msgs))
else:
    m = msgs[0]
    raw = m["raw_data"] or ""
    if m["source"] != "noreply@example.com":
        errs.append("source %r" % m["source"])
    dests = {a.lower() for _, a in getaddresses(m["destinations"] or [])}
    want = {"reader@example.org", "copy@example.org", "blind@example.net"}
    if not want <= dests:
        errs.append("destinations %s lack %s" % (sorted(dests), sorted(want - dests)))
    for s in ("Subject: sesmail through moto", "Hello from sesmail.\r\nSecond line.\r\n",
              "To: Reader <reader@example.org>"):
        if s not in raw:
            errs.append("raw message lacks %r" % s)
    if "blind@example.net" in raw or "\nBcc:" in raw or raw.startswith("Bcc:"):
        errs.append("the Bcc address reached the raw message")
print("; ".join(errs))
sys.exit(1 if errs else 0)
EOF
then
	t_ok "moto stored it: Source, Destinations (Bcc included), content, no Bcc field"
else
	t_fail "moto's stored message: $(cat "$T/check.out")"
fi

# --- a wrong secret: EX_NOPERM, nothing stored --------------------------------
SESMAIL_ENV="AWS_SECRET_ACCESS_KEY=wrongSecretForMotoTest000000000000000000"
sesmail_run "$T/msg.eml" -C "$T/conf" -t -i
SESMAIL_ENV=
t_check_rc "wrong secret refused by moto" 77
t_check_contains "wrong secret: SES's code on stderr" "$ERR" SignatureDoesNotMatch
messages
t_check_eq "wrong secret: nothing stored" 1 \
	"$("$PYTHON" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/messages.json")"

# --- an unverified sender: EX_UNAVAILABLE, nothing stored ----------------------
sesmail_run "$T/msg.eml" -C "$T/conf" -t -i -f other@example.net
t_check_rc "unverified -f sender rejected" 69
t_check_contains "unverified sender: SES's message on stderr" "$ERR" other@example.net
messages
t_check_eq "unverified sender: nothing stored" 1 \
	"$("$PYTHON" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/messages.json")"

t_done
