#!/bin/sh
# credentials.sh - the credential chain end to end, on 127.0.0.1 only:
# each source alone (environment, key file, credential_process, container
# agent, instance metadata, web identity), their order, pinned sources,
# failures (hangs, refusals, IMDSv1-only, expired and malformed replies,
# missing files, a key file others may read), role assumption through
# moto's STS with and without a session policy, the session token on
# every signed request, refresh in a long -bs session, the set-uid
# privilege drop, and finally a scan of everything the tests produced
# for any secret they handed out.
#
# Instance metadata and container agents are fakes of our own
# (tests/fakes/fake_imds.py, fake_container.py); the metadata endpoint is
# always a loopback fake or disabled, never 169.254.169.254. STS is moto
# with signature checking on (the moto part is skipped without moto).

TESTS_SRCDIR=${TESTS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS_SRCDIR/lib.sh"

t_need_sesmail
t_setup

# --- the fake secrets this test hands out (never valid anywhere) ----------
IMDS_KEY=ASIAFAKEIMDS00000001
IMDS_SECRET=imdsFakeSecret/0123456789+abcdefghijKLMN
IMDS_TOKEN=imdsFakeSessionToken//+0123456789abcdefghijklmnopqrstuv==
IMDS2_KEY=ASIAFAKEIMDS00000002
IMDS2_SECRET=imdsFakeSecretNumberTwo/0123456789+abcd
IMDS2_TOKEN=imdsFakeSessionTokenNumberTwo//+0123456789abcdefghij==
CT_KEY=ASIAFAKECONTAINER001
CT_SECRET=containerFakeSecret/0123456789+abcdefgh
CT_TOKEN=containerFakeSessionToken//+0123456789abcdefghijklmn==
CT_AUTH=containerAuthTokenFake0123456789abcdefXYZ
PROC_KEY=AKIAFAKEPROCESS00001
PROC_SECRET=processFakeSecret/0123456789+abcdefghijk
FILE_KEY=AKIAFAKEKEYFILE00001
FILE_SECRET=keyFileFakeSecret/0123456789+abcdefghijk
WEB_TOKEN=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzZXNtYWlsLXRlc3QifQ.fakeWebIdSig0123
printf '%s\n' "$T_SECRET" "$IMDS_SECRET" "$IMDS_TOKEN" "$IMDS2_SECRET" \
	"$IMDS2_TOKEN" "$CT_SECRET" "$CT_TOKEN" "$CT_AUTH" "$PROC_SECRET" \
	"$FILE_SECRET" "$WEB_TOKEN" >"$T/secrets"

# Every key the fake SES accepts besides its default one.
cat >"$T/keys.json" <<EOF
[{"AccessKeyId": "$IMDS_KEY", "SecretAccessKey": "$IMDS_SECRET", "Token": "$IMDS_TOKEN"},
 {"AccessKeyId": "$IMDS2_KEY", "SecretAccessKey": "$IMDS2_SECRET", "Token": "$IMDS2_TOKEN"},
 {"AccessKeyId": "$CT_KEY", "SecretAccessKey": "$CT_SECRET", "Token": "$CT_TOKEN"},
 {"AccessKeyId": "$PROC_KEY", "SecretAccessKey": "$PROC_SECRET"},
 {"AccessKeyId": "$FILE_KEY", "SecretAccessKey": "$FILE_SECRET"}]
EOF
# creds FILE KEY SECRET TOKEN EXPIRES_IN - one credentials entry for a fake.
creds() {
	printf '[{"AccessKeyId": "%s", "SecretAccessKey": "%s", "Token": "%s", "expires_in": %s}]\n' \
		"$2" "$3" "$4" "$5" >"$1"
}
creds "$T/imds.json" "$IMDS_KEY" "$IMDS_SECRET" "$IMDS_TOKEN" 21600
creds "$T/ct.json" "$CT_KEY" "$CT_SECRET" "$CT_TOKEN" 21600
printf '%s\n' "$CT_AUTH" >"$T/ct-auth"

ALL=$T/all-output
: >"$ALL"
# run STDIN ARGS... - sesmail_run, keeping every output for the scan.
run() {
	sesmail_run "$@"
	cat "$OUT" "$ERR" >>"$ALL"
}

# fresh - no source configured at all, metadata off.
fresh() {
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN \
		AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN AWS_ROLE_SESSION_NAME \
		AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
		AWS_CONTAINER_CREDENTIALS_FULL_URI \
		AWS_CONTAINER_AUTHORIZATION_TOKEN \
		AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \
		AWS_EC2_METADATA_SERVICE_ENDPOINT AWS_ENDPOINT_URL_STS \
		AWS_ENDPOINT_URL_SES 2>/dev/null
	AWS_EC2_METADATA_DISABLED=true
	export AWS_EC2_METADATA_DISABLED
}

# metadata URL - instance metadata on, at a loopback URL.
metadata() {
	AWS_EC2_METADATA_DISABLED=false
	AWS_EC2_METADATA_SERVICE_ENDPOINT=$1
	export AWS_EC2_METADATA_DISABLED AWS_EC2_METADATA_SERVICE_ENDPOINT
}

# container URL [TOKEN] - the container provider at a loopback full URI.
container() {
	AWS_CONTAINER_CREDENTIALS_FULL_URI=$1
	export AWS_CONTAINER_CREDENTIALS_FULL_URI
	if [ -n "${2:-}" ]; then
		AWS_CONTAINER_AUTHORIZATION_TOKEN=$2
		export AWS_CONTAINER_AUTHORIZATION_TOKEN
	fi
}

# fake NAME SCRIPT ARGS... - a fake of tests/fakes on 127.0.0.1; sets
# FPORT, FPID and FREC (its record, one JSON line per request).
fake() {
	_n=$1
	_s=$2
	shift 2
	FREC=$T/$_n.rec
	rm -f "$T/$_n.port"
	"$PYTHON" "$FAKES/$_s" --port-file "$T/$_n.port" --record "$FREC" \
		--idle 120 "$@" >"$T/$_n.log" 2>&1 &
	FPID=$!
	T_PIDS="$T_PIDS $FPID"
	if ! t_wait_file "$T/$_n.port"; then
		cat "$T/$_n.log" >&2
		t_hard_error "$_s ($_n) did not start"
	fi
	FPORT=$(cat "$T/$_n.port")
}

# requests FILE [PATTERN] - lines of a fake's record (matching PATTERN).
requests() {
	if [ -n "${2:-}" ]; then
		grep -c -- "$2" "$1" 2>/dev/null
	else
		wc -l <"$1" | tr -d ' '
	fi
}

# cconf FILE ENDPOINT [LINES] - a configuration without a region unless
# LINES gives one.
cconf() {
	t_spool_dir
	cat >"$1" <<EOF
endpoint = "$2"
sender = "noreply@example.com"
domain = "example.com"
spool = "$T/spool"
${3:-}
EOF
	chmod 0600 "$1"
}

# check_signer DESC KEY - the last SES call was signed, by KEY.
check_signer() {
	t_check_eq "$1: SES call signed by $2" "$2" "$(rec field -1 access_key)"
	if rec sig >"$T/sig.out"; then
		t_ok "$1: every SES call validly signed"
	else
		t_fail "$1: $(cat "$T/sig.out")"
	fi
}

# check_token_signed DESC - the last SES call carried a signed token.
check_token_signed() {
	case $(rec field -1 signed_headers) in
	*'"x-amz-security-token"'*) t_ok "$1: X-Amz-Security-Token sent and signed" ;;
	*) t_fail "$1: token not signed: $(rec field -1 signed_headers)" ;;
	esac
}

now_ms() {
	date +%s%3N
}

cat >"$T/msg.eml" <<'EOF'
From: App <noreply@example.com>
To: user@example.org
Subject: credentials

Hello.
EOF

fresh
fake_start ses --keys-file "$T/keys.json"
SES=http://127.0.0.1:$FAKE_PORT/

# --- 1. environment alone ------------------------------------------------------
cconf "$T/env.conf" "$SES" 'region = "us-east-1"'
AWS_ACCESS_KEY_ID=$T_KEY AWS_SECRET_ACCESS_KEY=$T_SECRET
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
run "$T/msg.eml" -v -C "$T/env.conf" -i user@example.org
t_check_rc "environment alone" 0
t_check_contains "environment: -v names the source" "$ERR" "credentials from environment"
check_signer "environment" "$T_KEY"
fresh

# --- 2. instance metadata alone, region from metadata too -----------------------
# A fake SES of its own that checks signatures for eu-west-3 only.
SES_RECORD=$FAKE_RECORD
SES_PID=$FAKE_PID
fake_start ses-euw3 --region eu-west-3 --keys-file "$T/keys.json"
fake imds fake_imds.py --creds "$T/imds.json" --region eu-west-3
IMDS=http://127.0.0.1:$FPORT
IMDS_REC=$FREC
cconf "$T/noregion.conf" "http://127.0.0.1:$FAKE_PORT/"
metadata "$IMDS"
run "$T/msg.eml" -v -C "$T/noregion.conf" -i user@example.org
t_check_rc "instance metadata alone (credentials and region)" 0
t_check_contains "metadata: -v names the source" "$ERR" "credentials from instance metadata"
t_check_contains "metadata: region from the instance" "$ERR" "region eu-west-3"
check_signer "metadata (signed for eu-west-3)" "$IMDS_KEY"
check_token_signed "metadata"
t_stop "$FAKE_PID"
FAKE_RECORD=$SES_RECORD
FAKE_PID=$SES_PID
t_check_eq "metadata: first request is the token PUT" \
	'"PUT" "/latest/api/token" "21600"' \
	"$(head -n 1 "$IMDS_REC" | "$PYTHON" -c 'import json,sys; r=json.load(sys.stdin); print("\"%s\" \"%s\" \"%s\"" % (r["method"], r["path"], r["ttl"]))')"
t_check_eq "metadata: no GET without a valid token (never IMDSv1)" 0 \
	"$(requests "$IMDS_REC" '"token_valid": false')"
t_check_eq "metadata: role credentials asked once" 1 \
	"$(requests "$IMDS_REC" 'security-credentials/sesmail-instance-role')"
t_stop "$FPID"

# --- 3. metadata that hangs, refuses, or speaks only IMDSv1 -------------------
cconf "$T/md.conf" "$SES" 'region = "us-east-1"'
fake hang fake_imds.py --mode hang --creds "$T/imds.json"
metadata "http://127.0.0.1:$FPORT"
t0=$(now_ms)
run "$T/msg.eml" -C "$T/md.conf" -i user@example.org
ms=$(($(now_ms) - t0))
t_check_rc "metadata that hangs: temporary failure" 75
t_check_contains "metadata that hangs: said clearly" "$ERR" "instance metadata at http://127.0.0.1"
if [ "$ms" -lt 5000 ]; then
	t_ok "metadata that hangs: gave up in ${ms} ms"
else
	t_fail "metadata that hangs: took ${ms} ms (over 5 s)"
fi
t_stop "$FPID"

metadata "http://127.0.0.1:$(t_free_port)"
t0=$(now_ms)
run "$T/msg.eml" -C "$T/md.conf" -i user@example.org
ms=$(($(now_ms) - t0))
t_check_rc "metadata refusing connections: temporary failure" 75
if [ "$ms" -lt 5000 ]; then
	t_ok "metadata refusing connections: gave up in ${ms} ms"
else
	t_fail "metadata refusing connections: took ${ms} ms"
fi

for st in 403 404 405; do
	fake "v1only$st" fake_imds.py --mode v1only --v1-status "$st" --creds "$T/imds.json"
	metadata "http://127.0.0.1:$FPORT"
	run "$T/msg.eml" -C "$T/md.conf" -i user@example.org
	t_check_rc "IMDSv1-only metadata ($st to the token PUT) refused" 78
	t_check_contains "IMDSv1-only ($st): said clearly" "$ERR" "IMDSv1"
	t_check_eq "IMDSv1-only ($st): no IMDSv1 GET was tried" 0 \
		"$(requests "$FREC" '"GET"')"
	t_stop "$FPID"
done

fake norole fake_imds.py --mode norole --creds "$T/imds.json"
metadata "http://127.0.0.1:$FPORT"
run "$T/msg.eml" -C "$T/md.conf" -i user@example.org
t_check_rc "metadata with no role attached" 78
t_check_contains "no role: said clearly" "$ERR" "no IAM role"
t_stop "$FPID"

# --- 4. expired and malformed credentials from metadata -------------------------
creds "$T/expired.json" "$IMDS_KEY" "$IMDS_SECRET" "$IMDS_TOKEN" -60
printf '[{"raw": "{\\"AccessKeyId\\": \\"%s\\", \\"SecretAccessKey\\": "}]\n' \
	"$IMDS_KEY" >"$T/truncated.json"
printf '[{"AccessKeyId": "%s", "SecretAccessKey": "%s", "expires_in": 600}]\n' \
	"$IMDS_KEY" "$IMDS_SECRET" >"$T/notoken.json"
printf '[{"Code": "AssumeRoleUnauthorizedAccess", "AccessKeyId": "%s", "SecretAccessKey": "%s", "Token": "%s", "expires_in": 600}]\n' \
	"$IMDS_KEY" "$IMDS_SECRET" "$IMDS_TOKEN" >"$T/code.json"
for bad in expired:expired truncated:"not a JSON object" notoken:Token \
	code:AssumeRoleUnauthorizedAccess; do
	name=${bad%%:*}
	fake "md-$name" fake_imds.py --creds "$T/$name.json"
	metadata "http://127.0.0.1:$FPORT"
	run "$T/msg.eml" -C "$T/md.conf" -i user@example.org
	t_check_rc "metadata credentials $name: temporary failure" 75
	t_check_contains "metadata credentials $name: said" "$ERR" "${bad#*:}"
	t_stop "$FPID"
done
fresh

# --- 5. container credentials ----------------------------------------------------
fake ct fake_container.py --creds "$T/ct.json" --auth-file "$T/ct-auth"
CT=http://127.0.0.1:$FPORT/v1/credentials
CT_REC=$FREC
CT_PID=$FPID
container "$CT" "$CT_AUTH"
run "$T/msg.eml" -v -C "$T/env.conf" -i user@example.org
t_check_rc "container alone (token from the variable)" 0
t_check_contains "container: -v names the source" "$ERR" "credentials from container"
check_signer "container" "$CT_KEY"
check_token_signed "container"
t_check_eq "container: Authorization and Accept sent" \
	'ok application/json' \
	"$("$PYTHON" -c 'import json,sys; r=[json.loads(l) for l in open(sys.argv[1])][-1]; print(r["auth"], r["accept"])' "$CT_REC")"

# The token file wins over the variable, and is read as written.
printf '%s\n' "$CT_AUTH" >"$T/ct-token-file"
AWS_CONTAINER_AUTHORIZATION_TOKEN=wrongTokenInTheVariable
AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$T/ct-token-file
export AWS_CONTAINER_AUTHORIZATION_TOKEN AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
run "$T/msg.eml" -C "$T/env.conf" -i user@example.org
t_check_rc "container: the token file wins over the variable" 0
unset AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
run "$T/msg.eml" -C "$T/env.conf" -i user@example.org
t_check_rc "container: a wrong token is refused (EX_NOPERM)" 77
AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$T/no-such-token
export AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
run "$T/msg.eml" -C "$T/env.conf" -i user@example.org
t_check_rc "container: a missing token file" 78
t_check_contains "container: the missing file is named" "$ERR" "$T/no-such-token"
unset AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE AWS_CONTAINER_AUTHORIZATION_TOKEN

# Only the agents' addresses over plain http; nothing is contacted.
container "http://192.0.2.1/v1/credentials"
run "$T/msg.eml" -C "$T/env.conf" -i user@example.org
t_check_rc "container: plain http to another host refused" 78
t_check_contains "container: refusal says why" "$ERR" "AWS_CONTAINER_CREDENTIALS_FULL_URI"
# Refused before any connection; run with no network all the same, so
# that a regression fails here rather than reaching the real address.
container "http://169.254.169.254/latest/meta-data/"
SESMAIL_WRAP=$(t_offline)
if [ -n "$SESMAIL_WRAP" ]; then
	run "$T/msg.eml" -C "$T/env.conf" -i user@example.org
	t_check_rc "container: the instance metadata address is not an agent" \
		78
else
	echo "# not run: no network namespace (unshare) to run it in;" \
		"test_credentials covers the check itself"
fi
SESMAIL_WRAP=

fake ct-hang fake_container.py --mode hang --creds "$T/ct.json"
container "http://127.0.0.1:$FPORT/v1/credentials"
t0=$(now_ms)
run "$T/msg.eml" -C "$T/env.conf" -i user@example.org
ms=$(($(now_ms) - t0))
t_check_rc "container agent that hangs: temporary failure" 75
if [ "$ms" -lt 8000 ]; then
	t_ok "container agent that hangs: gave up in ${ms} ms"
else
	t_fail "container agent that hangs: took ${ms} ms"
fi
t_stop "$FPID"
fake ct-err fake_container.py --mode error --creds "$T/ct.json"
container "http://127.0.0.1:$FPORT/v1/credentials"
run "$T/msg.eml" -C "$T/env.conf" -i user@example.org
t_check_rc "container agent answering 500: temporary failure" 75
t_stop "$FPID"
fake ct-bad fake_container.py --creds "$T/truncated.json"
container "http://127.0.0.1:$FPORT/v1/credentials"
run "$T/msg.eml" -C "$T/env.conf" -i user@example.org
t_check_rc "container: malformed credentials" 75
t_stop "$FPID"
fake ct-exp fake_container.py --creds "$T/expired.json"
container "http://127.0.0.1:$FPORT/v1/credentials"
run "$T/msg.eml" -C "$T/env.conf" -i user@example.org
t_check_rc "container: expired credentials" 75
t_check_contains "container: expired, said" "$ERR" "expired"
t_stop "$FPID"
fresh

# --- 6. key file and credential_process --------------------------------------------
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
	"$FILE_KEY" "$FILE_SECRET" >"$T/keys"
chmod 0640 "$T/keys"
cconf "$T/file.conf" "$SES" "region = \"us-east-1\"
credentials {
	file = \"$T/keys\"
}"
run "$T/msg.eml" -v -C "$T/file.conf" -i user@example.org
t_check_rc "key file alone" 0
check_signer "key file" "$FILE_KEY"
chmod 0644 "$T/keys"
run "$T/msg.eml" -C "$T/file.conf" -i user@example.org
t_check_rc "key file readable by others refused" 77
t_check_contains "key file 0644: said why" "$ERR" "too open"
chmod 0640 "$T/keys"

cat >"$T/helper.sh" <<EOF
#!/bin/sh
# A credential_process: its arguments arrive unsplit by any shell.
[ "\$1" = "--profile" ] && [ "\$2" = "mail sender" ] || exit 9
printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s"}\n' \
	"$PROC_KEY" "$PROC_SECRET"
EOF
printf '#!/bin/sh\nexec sleep 60\n' >"$T/slow.sh"
printf '#!/bin/sh\necho "{\\"Version\\": 2}"\n' >"$T/v2.sh"
printf '#!/bin/sh\nhead -c 100000 /dev/zero | tr "\\\\0" x\n' >"$T/big.sh"
chmod 0755 "$T/helper.sh" "$T/slow.sh" "$T/v2.sh" "$T/big.sh"
# proc_keys COMMAND - a key file whose profile has only credential_process.
proc_keys() {
	printf '[default]\ncredential_process = %s\n' "$1" >"$T/keys"
	chmod 0600 "$T/keys"
}
proc_keys "$T/helper.sh --profile 'mail sender'"
run "$T/msg.eml" -v -C "$T/file.conf" -i user@example.org
t_check_rc "credential_process" 0
t_check_contains "credential_process: -v names the source" "$ERR" "credentials from process"
check_signer "credential_process" "$PROC_KEY"
proc_keys "$T/v2.sh"
run "$T/msg.eml" -C "$T/file.conf" -i user@example.org
t_check_rc "credential_process with Version 2 output" 78
proc_keys "$T/big.sh"
run "$T/msg.eml" -C "$T/file.conf" -i user@example.org
t_check_rc "credential_process with 100 kB of output" 78
proc_keys "helper.sh"
run "$T/msg.eml" -C "$T/file.conf" -i user@example.org
t_check_rc "credential_process without an absolute path" 78
proc_keys "$T/helper.sh | cat"
run "$T/msg.eml" -C "$T/file.conf" -i user@example.org
t_check_rc "credential_process with a pipe (no shell)" 78
proc_keys "$T/slow.sh"
t0=$(now_ms)
run "$T/msg.eml" -C "$T/file.conf" -i user@example.org
ms=$(($(now_ms) - t0))
t_check_rc "credential_process that hangs: temporary failure" 75
if [ "$ms" -lt 15000 ]; then
	t_ok "credential_process that hangs: stopped after ${ms} ms"
else
	t_fail "credential_process that hangs: took ${ms} ms"
fi
proc_keys "$T/helper.sh --profile 'mail sender'"

# --- 7. the order when several sources are there ------------------------------------
fake imds2 fake_imds.py --creds "$T/imds.json"
IMDS=http://127.0.0.1:$FPORT
IMDS_REC=$FREC
IMDS_PID=$FPID
: >"$CT_REC"
AWS_ACCESS_KEY_ID=$T_KEY AWS_SECRET_ACCESS_KEY=$T_SECRET
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
container "$CT" "$CT_AUTH"
metadata "$IMDS"
run "$T/msg.eml" -C "$T/file.conf" -i user@example.org
t_check_rc "order: environment, file, container, metadata all set" 0
check_signer "order: the environment wins" "$T_KEY"
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
run "$T/msg.eml" -C "$T/file.conf" -i user@example.org
check_signer "order: then the key file's credential_process" "$PROC_KEY"
run "$T/msg.eml" -C "$T/md.conf" -i user@example.org
check_signer "order: then the container" "$CT_KEY"
t_check_eq "order: the container was asked, metadata never" "1 0" \
	"$(requests "$CT_REC") $(requests "$IMDS_REC")"
unset AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN
run "$T/msg.eml" -C "$T/md.conf" -i user@example.org
check_signer "order: metadata last" "$IMDS_KEY"

# A configured source that fails is reported, not skipped.
container "http://127.0.0.1:$(t_free_port)/v1/credentials" "$CT_AUTH"
: >"$IMDS_REC"
run "$T/msg.eml" -C "$T/md.conf" -i user@example.org
t_check_rc "order: a container agent that is down is reported" 75
t_check_eq "order: metadata not tried after the failing container" 0 \
	"$(requests "$IMDS_REC")"

# --- 8. a pinned source -------------------------------------------------------------
AWS_ACCESS_KEY_ID=$T_KEY AWS_SECRET_ACCESS_KEY=$T_SECRET
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
container "$CT" "$CT_AUTH"
for pin in imds:$IMDS_KEY container:$CT_KEY process:$PROC_KEY env:$T_KEY; do
	cconf "$T/pin.conf" "$SES" "region = \"us-east-1\"
credentials {
	source = \"${pin%%:*}\"
	file = \"$T/keys\"
}"
	run "$T/msg.eml" -C "$T/pin.conf" -i user@example.org
	t_check_rc "source = ${pin%%:*} with every source set" 0
	check_signer "source = ${pin%%:*}" "${pin#*:}"
done
cconf "$T/pin.conf" "$SES" 'region = "us-east-1"
credentials {
	source = "web_identity"
}'
run "$T/msg.eml" -C "$T/pin.conf" -i user@example.org
t_check_rc "source = web_identity without its variables" 78
t_check_contains "pinned source missing: said" "$ERR" "AWS_WEB_IDENTITY_TOKEN_FILE"
fresh

# --- 9. refresh in a long -bs session --------------------------------------------------
printf '[{"AccessKeyId": "%s", "SecretAccessKey": "%s", "Token": "%s", "expires_in": 120},
 {"AccessKeyId": "%s", "SecretAccessKey": "%s", "Token": "%s", "expires_in": 21600}]\n' \
	"$IMDS_KEY" "$IMDS_SECRET" "$IMDS_TOKEN" \
	"$IMDS2_KEY" "$IMDS2_SECRET" "$IMDS2_TOKEN" >"$T/refresh.json"
fake refresh fake_imds.py --creds "$T/refresh.json"
metadata "http://127.0.0.1:$FPORT"
printf 'EHLO client.example.org\r\nMAIL FROM:<noreply@example.com>\r\nRCPT TO:<a@example.org>\r\nDATA\r\nSubject: one\r\n\r\nfirst\r\n.\r\nMAIL FROM:<noreply@example.com>\r\nRCPT TO:<b@example.org>\r\nDATA\r\nSubject: two\r\n\r\nsecond\r\n.\r\nQUIT\r\n' >"$T/session.smtp"
n0=$(rec count)
run "$T/session.smtp" -v -C "$T/md.conf" -bs
t_check_rc "-bs session of two messages" 0
t_check_eq "-bs: both messages accepted" 2 "$(grep -c '^250 2.0.0' "$OUT")"
t_check_eq "-bs: first message signed by the first key" "$IMDS_KEY" \
	"$(rec field "$n0" access_key)"
t_check_eq "-bs: second message signed by the refreshed key" "$IMDS2_KEY" \
	"$(rec field $((n0 + 1)) access_key)"
t_check_contains "-bs: -v tells of the refresh" "$ERR" "credentials refreshed from instance metadata"
t_check_eq "-bs: credentials fetched twice" 2 \
	"$(requests "$FREC" 'security-credentials/sesmail-instance-role')"
t_stop "$FPID"
fresh

# --- 10. web identity without its token file --------------------------------------------
AWS_WEB_IDENTITY_TOKEN_FILE=$T/no-such-jwt
AWS_ROLE_ARN=arn:aws:iam::123456789012:role/sesmail-sender
AWS_ENDPOINT_URL_STS=http://127.0.0.1:$(t_free_port)/
export AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN AWS_ENDPOINT_URL_STS
run "$T/msg.eml" -C "$T/file.conf" -i user@example.org
t_check_rc "web identity token file missing (not skipped for the key file)" 78
t_check_contains "web identity: the missing file is named" "$ERR" "$T/no-such-jwt"
fresh

# --- 11. the set-uid privilege drop ------------------------------------------------------
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null 2>&1 ||
	! id nobody >/dev/null 2>&1; then
	t_ok "set-uid test skipped (needs root, setpriv and a nobody user)"
else
	chmod 0711 "$T"
	mkdir -m 0755 "$T/priv"
	cp "$SESMAIL" "$T/priv/sesmail"
	chown root:root "$T/priv/sesmail"
	chmod 4755 "$T/priv/sesmail"
	printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
		"$FILE_KEY" "$FILE_SECRET" >"$T/priv/keys"
	chown root:root "$T/priv/keys"
	chmod 0640 "$T/priv/keys"
	# No spool: the refused message must not land in the machine's
	# real /var/spool/sesmail.
	cat >"$T/priv/conf" <<EOF
region = "us-east-1"
endpoint = "$SES"
sender = "noreply@example.com"
spool = ""
credentials {
	file = "$T/priv/keys"
}
EOF
	chmod 0644 "$T/priv/conf"
	cp "$T/msg.eml" "$T/priv/msg.eml"
	chmod 0644 "$T/priv/msg.eml"
	# LeakSanitizer cannot trace a process that dropped privileges.
	setpriv --reuid=nobody --regid="$(id -gn nobody)" --clear-groups \
		env -i PATH=/usr/bin:/bin HOME=/ AWS_EC2_METADATA_DISABLED=true \
		ASAN_OPTIONS=detect_leaks=0 \
		"$T/priv/sesmail" -C "$T/priv/conf" -i user@example.org \
		<"$T/priv/msg.eml" >"$T/priv.out" 2>"$T/priv.err"
	RC=$?
	ERR=$T/priv.err
	cat "$T/priv.out" "$T/priv.err" >>"$ALL"
	t_check_rc "set-uid copy run by nobody cannot read a root-only key file" 77
	t_check_contains "set-uid copy: the warning" "$ERR" "installed set-id; privileges dropped"
	t_check_contains "set-uid copy: the key file refused" "$ERR" "Permission denied"
	# The same file works for root: it is the privilege that is missing.
	run "$T/priv/msg.eml" -C "$T/priv/conf" -i user@example.org
	t_check_rc "the key file itself is usable by root" 0
	chmod 0700 "$T"
fi

# --- 12. STS through moto: roles, policies, web identity, tokens ------------------------
if ! command -v moto_server >/dev/null 2>&1 ||
	! "$PYTHON" -c 'import boto3' 2>/dev/null; then
	t_ok "moto part skipped (moto_server or boto3 not found)"
else
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
	mkdir "$T/moto"
	"$PYTHON" "$FAKES/moto_ctl.py" setup-sts "$MOTO" "$T/moto" \
		noreply@example.com web@example.com ||
		t_hard_error "could not set up IAM, STS and SES in moto"
	read -r ASSUMER_KEY ASSUMER_SECRET <"$T/moto/assumer.key"
	read -r USER_KEY USER_SECRET <"$T/moto/user.key"
	printf '%s\n' "$ASSUMER_SECRET" "$USER_SECRET" >>"$T/secrets"
	ROLE=arn:aws:iam::123456789012:role/sesmail-sender
	# sts_on - STS is moto (fresh forgets it).
	sts_on() {
		AWS_ENDPOINT_URL_STS=$MOTO/
		export AWS_ENDPOINT_URL_STS
	}
	sts_on
	stored() {
		"$PYTHON" "$FAKES/moto_ctl.py" messages "$MOTO" |
			"$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)))'
	}
	# last_assumed FIELD - of the last role moto handed out.
	last_assumed() {
		"$PYTHON" "$FAKES/moto_ctl.py" assumed "$MOTO" |
			"$PYTHON" -c 'import json,sys; v=json.load(sys.stdin)[-1][sys.argv[1]]; print(v if isinstance(v, str) else json.dumps(v))' "$1"
	}
	role_conf() {
		cconf "$T/role.conf" "$MOTO/" "region = \"us-east-1\"
user www-data {
	sender = \"web@example.com\"
}
credentials {
	role_arn = \"$ROLE\"
	$1
}"
	}

	# The assumer may only assume roles: SES refuses its own key, so a
	# message that goes out went with the role's credentials.
	AWS_ACCESS_KEY_ID=$ASSUMER_KEY AWS_SECRET_ACCESS_KEY=$ASSUMER_SECRET
	export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	cconf "$T/norole.conf" "$MOTO/" 'region = "us-east-1"'
	run "$T/msg.eml" -C "$T/norole.conf" -i user@example.org
	t_check_rc "moto: the assumer's own key may not send" 77

	role_conf 'external_id = "sesmail-ext-0001"'
	run "$T/msg.eml" -v -C "$T/role.conf" -i user@example.org
	t_check_rc "moto: AssumeRole from environment keys, then SES" 0
	t_check_contains "moto: -v names the role" "$ERR" "as arn:aws:sts::123456789012:assumed-role/sesmail-sender/sesmail-"
	t_check_eq "moto: one message stored" 1 "$(stored)"
	t_check_eq "moto: the role assumed" "$ROLE" "$(last_assumed role_arn)"
	t_check_eq "moto: external id sent" "sesmail-ext-0001" "$(last_assumed external_id)"
	case $(last_assumed session_name) in
	"sesmail-$(id -un)@"*) t_ok "moto: session name names user and host ($(last_assumed session_name))" ;;
	*) t_fail "moto: session name $(last_assumed session_name)" ;;
	esac
	t_check_eq "moto: no session policy unless asked" null "$(last_assumed policy)"

	role_conf 'session_policy = true'
	run "$T/msg.eml" -C "$T/role.conf" -i user@example.org
	t_check_rc "moto: AssumeRole with a session policy" 0
	last_assumed policy >"$T/policy.json"
	if "$PYTHON" - "$T/policy.json" >"$T/policy.out" 2>&1 <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
s = p["Statement"]
assert p["Version"] == "2012-10-17" and len(s) == 1, p
s = s[0]
assert s["Effect"] == "Allow", s
assert sorted(s["Action"]) == ["ses:SendEmail", "ses:SendRawEmail"], s
assert s["Resource"] == "*", s
assert s["Condition"] == {"StringEquals": {"ses:FromAddress":
    ["noreply@example.com", "web@example.com"]}}, s
EOF
	then
		t_ok "moto: the session policy allows sending only, from the configured senders"
	else
		t_fail "moto: session policy: $(cat "$T/policy.out")"
	fi
	t_check_eq "moto: two messages stored" 2 "$(stored)"

	# Keys STS does not know: its refusal is the caller's to fix.
	AWS_ACCESS_KEY_ID=AKIAUNKNOWNTOMOTO001 AWS_SECRET_ACCESS_KEY=$T_SECRET
	run "$T/msg.eml" -C "$T/role.conf" -i user@example.org
	t_check_rc "moto: STS refuses unknown keys" 77
	t_check_contains "moto: STS's code on stderr" "$ERR" "InvalidClientTokenId"
	fresh
	sts_on

	# Instance credentials with a session token sign the AssumeRole:
	# moto checks that the token belongs to the key.
	"$PYTHON" "$FAKES/moto_ctl.py" assume "$MOTO" "$T/moto/assumer.key" \
		arn:aws:iam::123456789012:role/instance-role "$T/moto/instance.json" ||
		t_hard_error "moto: cannot assume the instance role"
	"$PYTHON" -c 'import json,sys; c=json.load(open(sys.argv[1]))[0]; print(c["SecretAccessKey"]); print(c["Token"])' \
		"$T/moto/instance.json" >>"$T/secrets"
	fake moto-imds fake_imds.py --creds "$T/moto/instance.json"
	metadata "http://127.0.0.1:$FPORT"
	role_conf ''
	run "$T/msg.eml" -v -C "$T/role.conf" -i user@example.org
	t_check_rc "moto: AssumeRole signed with metadata credentials (token included)" 0
	t_check_contains "moto: -v says metadata, then the role" "$ERR" "credentials from instance metadata, as arn:"
	t_check_eq "moto: three messages stored" 3 "$(stored)"
	t_stop "$FPID"
	"$PYTHON" - "$T/moto/instance.json" "$T/moto/badtoken.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c[0]["Token"] = "notTheTokenOfThisKey" + c[0]["Token"][20:]
json.dump(c, open(sys.argv[2], "w"))
EOF
	fake moto-imds-bad fake_imds.py --creds "$T/moto/badtoken.json"
	metadata "http://127.0.0.1:$FPORT"
	run "$T/msg.eml" -C "$T/role.conf" -i user@example.org
	t_check_rc "moto: the same key with a wrong token is refused" 77
	t_stop "$FPID"
	fresh
	sts_on

	# Web identity wins over the key file (whose keys moto would refuse).
	printf '%s\n' "$WEB_TOKEN" >"$T/jwt"
	printf '[default]\naws_access_key_id = AKIAUNKNOWNTOMOTO002\naws_secret_access_key = x\n' \
		>"$T/moto-keys"
	chmod 0600 "$T/moto-keys"
	cconf "$T/web.conf" "$MOTO/" "region = \"us-east-1\"
credentials {
	file = \"$T/moto-keys\"
}"
	AWS_WEB_IDENTITY_TOKEN_FILE=$T/jwt
	AWS_ROLE_ARN=$ROLE
	export AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN
	# AssumeRoleWithWebIdentity is unsigned; moto checks what follows.
	"$PYTHON" "$FAKES/moto_ctl.py" allow-unsigned "$MOTO" 1
	run "$T/msg.eml" -v -C "$T/web.conf" -i user@example.org
	t_check_rc "moto: web identity, then SES with its credentials" 0
	t_check_contains "moto: -v names web identity" "$ERR" "credentials from web identity"
	t_check_eq "moto: four messages stored" 4 "$(stored)"
	t_check_eq "moto: web identity assumed the role" "$ROLE" "$(last_assumed role_arn)"
	fresh
	# Every secret moto handed out joins the scan below.
	"$PYTHON" -c 'import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1] + "/moto-api/data.json", timeout=10) as r:
    for a in json.load(r).get("sts", {}).get("AssumedRole", []):
        print(a["secret_access_key"])
        print(a["session_token"])' "$MOTO" >>"$T/secrets" ||
		t_fail "moto: could not list the secrets it handed out"
	t_stop "$MOTO_PID"
fi

# --- 13. no secret in any output, log or record ----------------------------------------
ls "$T"/*.rec "$T"/*.jsonl "$T"/*.log 2>/dev/null >"$T/scanned"
echo "$ALL" >>"$T/scanned"
if "$PYTHON" - "$T/secrets" $(cat "$T/scanned") >"$T/scan.out" 2>&1 <<'EOF'
import json, sys
# What carries a secret on purpose: the headers that authenticate a
# request, and the fake SES's copy of the session token it checks.
SKIP_HEADERS = {"authorization", "x-amz-security-token", "x-aws-ec2-metadata-token"}
SKIP_FIELDS = {"session_token", "canonical_request"}
secrets = [s for s in open(sys.argv[1]).read().split("\n") if s]
bad = []
for path in sys.argv[2:]:
    text = open(path, encoding="utf-8", errors="replace").read()
    if path.endswith((".rec", ".jsonl")):
        lines = []
        for line in text.splitlines():
            rec = json.loads(line)
            for k in SKIP_FIELDS:
                rec.pop(k, None)
            if isinstance(rec.get("headers"), list):
                rec["headers"] = [h for h in rec["headers"]
                                  if h[0].lower() not in SKIP_HEADERS]
            lines.append(json.dumps(rec))
        text = "\n".join(lines)
    for i, s in enumerate(secrets):
        if s in text:
            bad.append("secret #%d is in %s" % (i + 1, path))
print("; ".join(bad) or "%d secrets, %d files" % (len(secrets), len(sys.argv) - 2))
sys.exit(1 if bad else 0)
EOF
then
	t_ok "no secret in any output, -v line, log or record: $(cat "$T/scan.out")"
else
	t_fail "$(cat "$T/scan.out")"
fi

t_done
