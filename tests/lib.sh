# lib.sh - helpers sourced by the integration tests (POSIX sh).
#
#   TESTS_SRCDIR=${TESTS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
#   . "$TESTS_SRCDIR/lib.sh"
#   t_setup                        temp dir $T, clean AWS environment
#   fake_start NAME [ARGS...]      fake SES; sets FAKE_PORT, FAKE_RECORD
#   conf_write FILE PORT [LINES]   config for that fake (chmod 0600)
#   sesmail_run STDIN [ARGS...]    sets RC; output in $OUT and $ERR
#   t_check_rc 0 / t_check_eq / t_check_contains / t_fail / t_ok
#   t_done                         exit 0, or 1 when a check failed
#
# Everything runs on 127.0.0.1. The trap removes $T (set KEEP_TMP=1 to
# keep it) and stops every server started through these helpers.

FAKES=$TESTS_SRCDIR/fakes
PYTHON=${PYTHON:-python3}
T=
T_PIDS=
T_FAILS=0
T_CHECKS=0
# The fake's default keys: not real, never valid anywhere but here.
T_KEY=AKIDFAKESESMAIL00001
T_SECRET=fakeSecretKeyForSesmailTests/0123456789+ab

t_cleanup() {
	for p in $T_PIDS; do
		kill "$p" 2>/dev/null
	done
	for p in $T_PIDS; do
		wait "$p" 2>/dev/null
	done
	T_PIDS=
	if [ -n "$T" ] && [ -d "$T" ]; then
		if [ "${KEEP_TMP:-0}" = 1 ]; then
			echo "# kept $T"
		else
			rm -rf "$T"
		fi
	fi
}

# t_skip REASON - exit 77, Automake's "skipped".
t_skip() {
	echo "SKIP: $*"
	exit 77
}

# t_hard_error REASON - exit 99, Automake's "hard error" (a broken setup,
# never a skip).
t_hard_error() {
	echo "ERROR: $*" >&2
	exit 99
}

# t_need_sesmail - $SESMAIL must name an executable (make check sets it).
t_need_sesmail() {
	[ -n "${SESMAIL:-}" ] ||
		t_hard_error "SESMAIL is not set (make check sets it; by hand: SESMAIL=build/src/sesmail sh $0)"
	[ -x "$SESMAIL" ] || t_hard_error "SESMAIL=$SESMAIL is not executable"
}

# t_setup - temp dir, traps, and an environment that can only reach the
# fakes: no instance metadata, no shared AWS files, no HOME of the user.
t_setup() {
	command -v "$PYTHON" >/dev/null 2>&1 || t_skip "python3 not found"
	"$PYTHON" -c 'import http.server, json, email.header' 2>/dev/null ||
		t_skip "python3 lacks its standard library"
	T=$(mktemp -d "${TMPDIR:-/tmp}/sesmail-test.XXXXXX") ||
		t_hard_error "mktemp failed"
	trap t_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	mkdir "$T/home"
	HOME=$T/home
	AWS_EC2_METADATA_DISABLED=true
	AWS_CONFIG_FILE=/dev/null
	AWS_SHARED_CREDENTIALS_FILE=/dev/null
	AWS_ACCESS_KEY_ID=$T_KEY
	AWS_SECRET_ACCESS_KEY=$T_SECRET
	export HOME AWS_EC2_METADATA_DISABLED AWS_CONFIG_FILE \
		AWS_SHARED_CREDENTIALS_FILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	unset AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE \
		AWS_REGION AWS_DEFAULT_REGION AWS_ENDPOINT_URL AWS_ENDPOINT_URL_SES \
		AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_SESSION_NAME \
		AWS_CONTAINER_CREDENTIALS_RELATIVE_URI \
		AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN \
		AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \
		AWS_EC2_METADATA_SERVICE_ENDPOINT AWS_CA_BUNDLE \
		http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy \
		2>/dev/null
	NO_PROXY=127.0.0.1,localhost
	no_proxy=$NO_PROXY
	export NO_PROXY no_proxy
}

# t_wait_file FILE [TENTHS] - wait until FILE is non-empty (default 10 s).
t_wait_file() {
	_w=${2:-100}
	while [ ! -s "$1" ]; do
		_w=$((_w - 1))
		[ "$_w" -gt 0 ] || return 1
		sleep 0.1
	done
	return 0
}

# fake_start NAME [fake_ses.py options...] - start a recording fake SES on
# 127.0.0.1 and wait for its port. Sets FAKE_PORT, FAKE_PID, FAKE_RECORD.
fake_start() {
	_name=$1
	shift
	FAKE_RECORD=$T/$_name.jsonl
	rm -f "$T/$_name.port" "$FAKE_RECORD"
	"$PYTHON" "$FAKES/fake_ses.py" --port-file "$T/$_name.port" \
		--record "$FAKE_RECORD" --idle 120 "$@" \
		>"$T/$_name.log" 2>&1 &
	FAKE_PID=$!
	T_PIDS="$T_PIDS $FAKE_PID"
	if ! t_wait_file "$T/$_name.port"; then
		cat "$T/$_name.log" >&2
		t_hard_error "fake SES $_name did not start"
	fi
	# shellcheck disable=SC2034 # for the caller
	FAKE_PORT=$(cat "$T/$_name.port")
}

# t_stop PID - stop one server started here.
t_stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	_keep=
	for p in $T_PIDS; do
		[ "$p" = "$1" ] || _keep="$_keep $p"
	done
	T_PIDS=$_keep
}

# t_free_port - a port nothing listens on now (bound, then released).
t_free_port() {
	"$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# conf_write FILE PORT [EXTRA-LINES] - the configuration every test uses:
# the fake at 127.0.0.1:PORT, sender noreply@example.com, domain
# example.com, an aliases file with "root: ops@example.com", and the
# spool in $T/spool (mode 1733), never the system's.
conf_write() {
	printf 'root: ops@example.com\n' >"$T/aliases"
	t_spool_dir
	cat >"$1" <<EOF
region = "us-east-1"
endpoint = "http://127.0.0.1:$2/"
sender = "noreply@example.com"
domain = "example.com"
aliases = "$T/aliases"
spool = "$T/spool"
${3:-}
EOF
	chmod 0600 "$1"
}

# t_spool_dir - $T/spool, mode 1733 as make install leaves the real one.
t_spool_dir() {
	[ -d "$T/spool" ] || mkdir "$T/spool"
	chmod 1733 "$T/spool"
}

# sesmail_run STDIN-FILE [ARGS...] - run $SESMAIL with ARGS and STDIN-FILE
# on standard input. Sets RC; stdout and stderr are in $OUT and $ERR.
# SESMAIL_ENV, when set, is passed to env(1) first: "NAME=VALUE -u NAME"
# (words without white space); SESMAIL_WRAP, when set, is a command
# (words) that runs sesmail, such as t_offline's.
sesmail_run() {
	_in=$1
	shift
	OUT=$T/stdout
	ERR=$T/stderr
	_to=
	command -v timeout >/dev/null 2>&1 && _to="timeout 120"
	# shellcheck disable=SC2086 # lists of words
	env ${SESMAIL_ENV:-} ${SESMAIL_WRAP:-} $_to "$SESMAIL" "$@" <"$_in" \
		>"$OUT" 2>"$ERR"
	RC=$?
	return 0
}

# t_offline - print a command that runs another with no network at all
# (a network namespace of its own, with only a loopback that is down),
# for a test that must never reach an address outside 127.0.0.1 even
# when sesmail gets it wrong; print nothing when no namespace can be made.
t_offline() {
	for _u in "unshare -n" "unshare -rn"; do
		if $_u true 2>/dev/null; then
			echo "$_u"
			return 0
		fi
	done
}

# rec COMMAND ARGS... - records.py on the last fake's record file.
rec() {
	_c=$1
	shift
	"$PYTHON" "$FAKES/records.py" "$_c" "$FAKE_RECORD" "$@"
}

t_ok() {
	T_CHECKS=$((T_CHECKS + 1))
	echo "ok - $*"
}

t_fail() {
	T_CHECKS=$((T_CHECKS + 1))
	T_FAILS=$((T_FAILS + 1))
	echo "FAIL - $*"
}

# t_check_eq DESC EXPECTED GOT
t_check_eq() {
	if [ "$2" = "$3" ]; then
		t_ok "$1"
	else
		t_fail "$1: expected '$2', got '$3'"
	fi
}

# t_check_rc DESC EXPECTED - compare with $RC; show stderr on failure.
t_check_rc() {
	if [ "$RC" = "$2" ]; then
		t_ok "$1 (exit $RC)"
	else
		t_fail "$1: expected exit $2, got $RC; stderr: $(head -c 400 "$ERR" 2>/dev/null)"
	fi
}

# t_check_contains DESC FILE STRING - fixed string, case-insensitive.
t_check_contains() {
	if grep -qiF -- "$3" "$2"; then
		t_ok "$1"
	else
		t_fail "$1: expected '$3' in $(basename "$2"), got '$(head -c 400 "$2")'"
	fi
}

# t_check_nonempty DESC FILE - FILE (e.g. $ERR) holds something.
t_check_nonempty() {
	if [ -s "$2" ]; then
		t_ok "$1"
	else
		t_fail "$1: $(basename "$2") is empty"
	fi
}

# t_check_calls DESC N - the fake saw exactly N SendRawEmail calls.
t_check_calls() {
	t_check_eq "$1" "$2" "$(rec count SendRawEmail)"
}

t_done() {
	echo "# $T_CHECKS checks, $T_FAILS failed"
	[ "$T_FAILS" -eq 0 ] || exit 1
	exit 0
}
