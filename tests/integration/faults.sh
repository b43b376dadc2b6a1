#!/bin/sh
# faults.sh - what sesmail does when SES or the network fails: for each
# fault of tests/fakes/fault_ses.py (and a refused port, and a wrong TLS
# certificate) the number of attempts, the exit code, the stderr line,
# the audit line (-v shows it) and what the spool kept. Then partial
# sends above 50 recipients, clock skew, signals, sesmail -q and mailq,
# the dead.letter fallback, and a short soak (tests/integration/soak.sh).
# Retry waits are cut to milliseconds so the whole file stays fast.

TESTS_SRCDIR=${TESTS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS_SRCDIR/lib.sh"

t_need_sesmail
t_setup

ME=$(id -u)
SPOOL=$T/spool
MINE=$SPOOL/$ME

cat >"$T/msg.eml" <<'EOF'
From: App <app@example.com>
To: user@example.org
Subject: fault test
X-Test-Tag: plain

Hello.
EOF

# fault_start NAME ARGS... - a fault_ses.py on 127.0.0.1; sets
# FAULT_PORT, FAULT_PID, FAULT_RECORD.
fault_start() {
	_n=$1
	shift
	FAULT_RECORD=$T/$_n.jsonl
	rm -f "$T/$_n.port" "$FAULT_RECORD"
	"$PYTHON" "$FAKES/fault_ses.py" --port-file "$T/$_n.port" \
		--record "$FAULT_RECORD" --idle 60 "$@" >"$T/$_n.log" 2>&1 &
	FAULT_PID=$!
	T_PIDS="$T_PIDS $FAULT_PID"
	t_wait_file "$T/$_n.port" || {
		cat "$T/$_n.log" >&2
		t_hard_error "fault_ses $_n did not start"
	}
	FAULT_PORT=$(cat "$T/$_n.port")
}

# fconf FILE ENDPOINT [LINES] - short timeouts and waits, the test spool.
fconf() {
	t_spool_dir
	cat >"$1" <<EOF
region = "us-east-1"
endpoint = "$2"
sender = "noreply@example.com"
domain = "example.com"
spool = "$SPOOL"
connect_timeout = 2
timeout = 2
retry {
	max_attempts = 3
	max_time = 20
	base_delay = 0.02
}
${3:-}
EOF
	chmod 0600 "$1"
}

# calls - requests the fault fake saw; accepted - of those, taken.
calls() {
	[ -f "$FAULT_RECORD" ] || { echo 0; return; }
	grep -c . "$FAULT_RECORD"
}
accepted() {
	grep -c '"accepted": true' "$FAULT_RECORD" 2>/dev/null || true
}

# kept - how many messages the caller's spool directory holds.
kept() {
	ls "$MINE" 2>/dev/null | grep -c '^[0-9a-f]\{12\}$'
}
# wait_calls N - wait up to 5 s for the fake to have seen N calls.
wait_calls() {
	_w=50
	while [ "$(calls)" -lt "$1" ] && [ "$_w" -gt 0 ]; do
		sleep 0.1
		_w=$((_w - 1))
	done
}

# audit - the audit line of the last run (-v writes it to stderr).
audit() {
	sed -n 's/^sesmail: audit: //p' "$ERR" | tail -n 1
}

# spool_clear - start a case with an empty spool.
spool_clear() {
	rm -rf "$MINE"
}

# fault_case NAME SCRIPT RC ATTEMPTS KEPT STDERR - run one message
# against a fake answering SCRIPT; check the exit code, the attempts
# (requests the fake saw, and attempts= of the audit line), the number
# of messages kept (0 or 1), and a fixed string of the stderr line.
fault_case() {
	_name=$1 _script=$2 _rc=$3 _att=$4 _kept=$5 _say=$6
	spool_clear
	fault_start "$_name" --script "$_script" --slow 4
	fconf "$T/$_name.conf" "http://127.0.0.1:$FAULT_PORT/"
	sesmail_run "$T/msg.eml" -C "$T/$_name.conf" -v -- user@example.org
	t_check_rc "$_name: exit code" "$_rc"
	t_check_eq "$_name: attempts seen by SES" "$_att" "$(calls)"
	_a=$(audit)
	case $_a in
	*" attempts=$_att "*) t_ok "$_name: audit attempts=$_att" ;;
	*) t_fail "$_name: audit line: $_a" ;;
	esac
	t_check_eq "$_name: messages kept" "$_kept" "$(kept)"
	if [ "$_kept" = 1 ]; then
		case $_a in
		*" kept=$MINE/"*) t_ok "$_name: audit names the kept file" ;;
		*) t_fail "$_name: audit line lacks kept=: $_a" ;;
		esac
		t_check_contains "$_name: stderr says where it is kept" \
			"$ERR" "; kept in $MINE/"
		_f=$(ls "$MINE"/* | head -n 1)
		t_check_contains "$_name: spool file records the attempts" \
			"$_f" "attempts $_att"
		t_check_contains "$_name: spool file records the exit code" \
			"$_f" "exit $_rc"
	else
		case $_a in
		*" kept="*) t_fail "$_name: kept= on a sent message: $_a" ;;
		*) t_ok "$_name: nothing kept, audit says none" ;;
		esac
	fi
	[ -z "$_say" ] || t_check_contains "$_name: stderr" "$ERR" "$_say"
	echo "# $_name: exit $RC, $(calls) attempt(s), $(accepted) taken by SES, $(kept) kept; $(grep -v '^sesmail: \(audit\|kept in\|credentials\|region\|accepted\)' "$ERR" | tail -n 1)"
	t_stop "$FAULT_PID"
}

# --- 1. each fault, one message ----------------------------------------------
fault_case ok ok 0 1 0 ""
fault_case 500-then-ok 500,ok 0 2 0 "attempt 1 failed (transient)"
fault_case 500 500 75 3 1 "SES refused the message: InternalFailure"
fault_case 503 503 75 3 1 "ServiceUnavailable"
fault_case throttle-then-ok throttle,throttle,ok 0 3 0 \
	"attempt 2 failed (throttling)"
fault_case throttle throttle 75 3 1 "Maximum sending rate exceeded"
fault_case quota quota 75 1 1 "Daily message quota exceeded"
fault_case paused paused 75 1 1 "AccountSendingPausedException"
fault_case rejected rejected 69 1 1 "MessageRejected"
# Expired or unknown credentials: fetched anew and signed again once,
# then the failure stands (75: new ones may come; 77: the key is bad).
fault_case expired-then-ok expired,ok 0 2 0 "credentials fetched anew"
fault_case expired expired 75 2 1 "ExpiredToken"
fault_case badtoken badtoken 77 2 1 "InvalidClientTokenId"
fault_case reset reset 75 3 1 "no reply from SES"
fault_case reset-then-ok reset,ok 0 2 0 ""
fault_case slow-then-ok slow,ok 0 2 0 "timed out"
fault_case truncated truncated 75 3 1 "no reply from SES"
fault_case garbage garbage 75 1 1 "unreadable reply from SES (HTTP 200)"
fault_case huge huge 75 3 1 "reply too large"
# A reply lost after SES took the message: sent again, so SES has it
# twice (the duplicate that at-least-once delivery accepts).
fault_case lost-then-ok lost,ok 0 2 0 ""
t_check_eq "lost reply: SES took the message twice" 2 "$(accepted)"

# --- 2. refused connection ---------------------------------------------------
spool_clear
fconf "$T/refused.conf" "http://127.0.0.1:$(t_free_port)/"
sesmail_run "$T/msg.eml" -C "$T/refused.conf" -v -- user@example.org
t_check_rc "refused: exit code" 75
t_check_contains "refused: stderr" "$ERR" "no reply from SES"
t_check_contains "refused: three attempts" "$ERR" "attempt 2 failed (transient)"
case $(audit) in
*" error=transport status=deferred exit=75 attempts=3 "*" kept=$MINE/"*)
	t_ok "refused: audit line" ;;
*) t_fail "refused: audit line: $(audit)" ;;
esac
t_check_eq "refused: kept" 1 "$(kept)"
echo "# refused: exit $RC, $(kept) kept; $(tail -n 1 "$ERR")"

# --- 3. a TLS certificate sesmail was not told to trust ------------------------
if command -v openssl >/dev/null 2>&1 &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 -keyout "$T/tls.key" \
		-out "$T/tls.crt" >/dev/null 2>&1; then
	spool_clear
	fault_start tls --script ok --tls-cert "$T/tls.crt" --tls-key "$T/tls.key"
	fconf "$T/tls.conf" "https://127.0.0.1:$FAULT_PORT/"
	sesmail_run "$T/msg.eml" -C "$T/tls.conf" -v -- user@example.org
	t_check_rc "wrong certificate: exit code" 75
	t_check_eq "wrong certificate: nothing reached the fake" 0 "$(calls)"
	t_check_contains "wrong certificate: stderr" "$ERR" "certificate"
	t_check_eq "wrong certificate: kept" 1 "$(kept)"
	echo "# wrong certificate: exit $RC, $(kept) kept; $(tail -n 1 "$ERR")"
	# The same server is fine once its certificate is the trusted one.
	spool_clear
	fconf "$T/tls-ok.conf" "https://127.0.0.1:$FAULT_PORT/" \
		"ca_file = \"$T/tls.crt\""
	sesmail_run "$T/msg.eml" -C "$T/tls-ok.conf" -- user@example.org
	t_check_rc "trusted certificate: sent" 0
	t_check_eq "trusted certificate: nothing kept" 0 "$(kept)"
	t_stop "$FAULT_PID"
else
	t_fail "openssl could not make a test certificate"
fi

# --- 4. clock skew: corrected once from the Date header ------------------------
spool_clear
fault_start skew --script ok --skew 3600
fconf "$T/skew.conf" "http://127.0.0.1:$FAULT_PORT/"
sesmail_run "$T/msg.eml" -C "$T/skew.conf" -v -- user@example.org
t_check_rc "clock an hour behind SES: sent" 0
t_check_eq "clock skew: two attempts" 2 "$(calls)"
t_check_contains "clock skew: -v says so" "$ERR" "our clock is 3600 s behind SES's"
t_check_eq "clock skew: the second attempt was signed in SES's time" \
	true "$("$PYTHON" -c 'import json, sys
r = [json.loads(l) for l in open(sys.argv[1])]
print(str(r[0]["fault"] == "signature" and r[1]["sig_ok"]).lower())' "$FAULT_RECORD")"
t_stop "$FAULT_PID"

# --- 5. more than 50 recipients, a later call failing -------------------------
spool_clear
fault_start split --script ok,500
fconf "$T/split.conf" "http://127.0.0.1:$FAULT_PORT/"
set --
i=1
while [ "$i" -le 120 ]; do
	set -- "$@" "$(printf 'r%03d@example.org' "$i")"
	i=$((i + 1))
done
sesmail_run "$T/msg.eml" -C "$T/split.conf" -v -- "$@"
t_check_rc "120 recipients, second call fails: exit code" 75
t_check_contains "split: stderr says what went" "$ERR" \
	"50 of 120 recipients were already accepted; only the other 70 are owed"
t_check_eq "split: kept" 1 "$(kept)"
t_check_eq "split: the spool owes 70 recipients" 70 \
	"$(grep -c '^rcpt ' "$MINE"/*)"
t_check_eq "split: r001 (accepted) is not owed" 0 \
	"$(grep -c '^rcpt r001@' "$MINE"/*)"
t_stop "$FAULT_PID"

# sesmail -q: leaves a file younger than a minute alone, sends the
# rest, and sends the 70 owed only: no duplicates.
fault_start requeue --script ok
fconf "$T/requeue.conf" "http://127.0.0.1:$FAULT_PORT/"
sesmail_run /dev/null -C "$T/requeue.conf" -q -v
t_check_rc "-q: a young file is left alone" 0
t_check_contains "-q: says why" "$ERR" "younger than 60 s"
t_check_eq "-q: no call for a young file" 0 "$(calls)"
touch -d '2 minutes ago' "$MINE"/*
sesmail_run /dev/null -C "$T/requeue.conf" -bp
t_check_contains "mailq: the entry" "$OUT" "noreply@example.com"
t_check_contains "mailq: last error" "$OUT" "last: SES refused the message: InternalFailure"
t_check_contains "mailq: attempts" "$OUT" "4 attempts"
t_check_contains "mailq: a recipient still owed" "$OUT" "r120@example.org"
t_check_contains "mailq: total" "$OUT" "in 1 Request."
sesmail_run /dev/null -C "$T/requeue.conf" -q
t_check_rc "-q: sent" 0
t_check_eq "-q: two calls (50 + 20)" 2 "$(calls)"
t_check_eq "-q: no recipient sent twice" 0 "$("$PYTHON" -c 'import json, sys
d = [x for l in open(sys.argv[1]) for x in json.loads(l)["destinations"]]
print(len(d) - 70 + sum(1 for x in d if x <= "r050@example.org"))' "$FAULT_RECORD")"
t_check_eq "-q: nothing kept" 0 "$(kept)"
sesmail_run /dev/null -C "$T/requeue.conf" -bp
t_check_contains "mailq: empty" "$OUT" "Mail queue is empty"
t_stop "$FAULT_PID"

# -q with the failure still there: the file stays, one attempt more.
spool_clear
fault_start requeue2 --script 503
fconf "$T/requeue2.conf" "http://127.0.0.1:$FAULT_PORT/" "retry {
	max_attempts = 1
}"
sesmail_run "$T/msg.eml" -C "$T/requeue2.conf" -- user@example.org
t_check_rc "one attempt only: deferred" 75
touch -d '2 minutes ago' "$MINE"/*
sesmail_run /dev/null -C "$T/requeue2.conf" -q
# The queue run itself worked: 0, and quiet, so that cron does not mail
# (through sesmail, into the spool) a report on every run.
t_check_rc "-q while SES still fails" 0
t_check_eq "-q: quiet without -v" "" "$(cat "$ERR")"
t_check_contains "-q: attempt count grows" "$(ls "$MINE"/* | head -n 1)" \
	"attempts 2"
touch -d '2 minutes ago' "$MINE"/*
sesmail_run /dev/null -C "$T/requeue2.conf" -q -v
t_check_rc "-q -v while SES still fails" 0
t_check_contains "-q -v: stderr names the file" "$ERR" "$MINE/"
t_check_contains "-q: attempt count grows again" \
	"$(ls "$MINE"/* | head -n 1)" "attempts 3"
# A file locked by a send under way is left alone.
if command -v flock >/dev/null 2>&1; then
	touch -d '2 minutes ago' "$MINE"/*
	flock "$(ls "$MINE"/* | head -n 1)" sleep 3 &
	_lock=$!
	sleep 0.5
	sesmail_run /dev/null -C "$T/requeue2.conf" -q -v
	t_check_contains "-q: a locked file is left alone" "$ERR" \
		"being sent, left alone"
	wait "$_lock"
fi
t_stop "$FAULT_PID"

# --- 6. signals during a send: the attempt ends, the message stays ------------
for sig in TERM INT HUP PIPE; do
	spool_clear
	fault_start "sig$sig" --script slow --slow 20
	fconf "$T/sig.conf" "http://127.0.0.1:$FAULT_PORT/" "timeout = 30"
	"$SESMAIL" -C "$T/sig.conf" -- user@example.org <"$T/msg.eml" \
		>"$T/sig.out" 2>"$T/sig.err" &
	_pid=$!
	wait_calls 1
	_t0=$(date +%s)
	kill "-$sig" "$_pid"
	wait "$_pid"
	RC=$?
	ERR=$T/sig.err
	t_check_rc "SIG$sig during a send: EX_TEMPFAIL" 75
	t_check_contains "SIG$sig: stderr" "$ERR" "interrupted by SIG$sig"
	t_check_eq "SIG$sig: the message stays kept" 1 "$(kept)"
	t_check_eq "SIG$sig: ended within 3 s" 1 \
		"$(( $(date +%s) - _t0 <= 3 ))"
	t_stop "$FAULT_PID"
done

# SIGTERM to sesmail -q alone (kill PID, as a user would): root's run
# sends in a child per user, which must hear of it too.
spool_clear
fault_start sigq --script slow --slow 20
fconf "$T/sigq.conf" "http://127.0.0.1:$FAULT_PORT/" "timeout = 30"
# Killed during its send, a message stays in the spool for -q.
"$SESMAIL" -C "$T/sigq.conf" -- user@example.org <"$T/msg.eml" \
	>/dev/null 2>&1 &
_pid=$!
wait_calls 1
kill -KILL "$_pid"
wait "$_pid" 2>/dev/null
touch -d '2 minutes ago' "$MINE"/*
"$SESMAIL" -C "$T/sigq.conf" -q >"$T/sigq.out" 2>"$T/sigq.err" &
_pid=$!
wait_calls 2
_t0=$(date +%s)
kill -TERM "$_pid"
wait "$_pid"
RC=$?
t_check_rc "SIGTERM to -q: EX_TEMPFAIL" 75
t_check_eq "SIGTERM to -q: the message stays kept" 1 "$(kept)"
t_check_contains "SIGTERM to -q: the reason is kept" \
	"$(ls "$MINE"/* | head -n 1)" "interrupted by SIGTERM"
t_check_eq "SIGTERM to -q: ended within 3 s" 1 \
	"$(( $(date +%s) - _t0 <= 3 ))"
t_stop "$FAULT_PID"

# --- 7. no spool: ~/dead.letter for failures, and its limits -----------------
spool_clear
fault_start dead --script rejected
cat >"$T/dead.conf" <<EOF
region = "us-east-1"
endpoint = "http://127.0.0.1:$FAULT_PORT/"
sender = "noreply@example.com"
domain = "example.com"
spool = "$T/no-such-spool"
EOF
chmod 0600 "$T/dead.conf"
sesmail_run "$T/msg.eml" -C "$T/dead.conf" -v -- user@example.org
t_check_rc "spool missing, rejected: exit code" 69
t_check_contains "dead.letter: the warning" "$ERR" \
	"should the message fail it goes to $HOME/dead.letter"
t_check_contains "dead.letter: stderr" "$ERR" "; saved in $HOME/dead.letter"
t_check_contains "dead.letter: audit" "$ERR" "kept=dead.letter:$HOME/dead.letter"
t_check_contains "dead.letter: mbox From line" "$HOME/dead.letter" \
	"From noreply@example.com "
t_check_contains "dead.letter: the message" "$HOME/dead.letter" \
	"X-Test-Tag: plain"
t_check_eq "dead.letter: mode 0600" 600 "$(stat -c %a "$HOME/dead.letter")"
# Sent: nothing goes to dead.letter.
t_stop "$FAULT_PID"
fault_start dead-ok --script ok
sed "s/127.0.0.1:[0-9]*/127.0.0.1:$FAULT_PORT/" "$T/dead.conf" >"$T/dead-ok.conf"
chmod 0600 "$T/dead-ok.conf"
_before=$(wc -c <"$HOME/dead.letter")
sesmail_run "$T/msg.eml" -C "$T/dead-ok.conf" -- user@example.org
t_check_rc "spool missing, sent" 0
t_check_eq "sent: dead.letter unchanged" "$_before" \
	"$(wc -c <"$HOME/dead.letter")"
t_stop "$FAULT_PID"
# A HOME the caller does not own (as www-data's /var/www is not its
# own to share): no dead.letter, and stderr says the message is not
# protected; a failure still exits non-zero.
fault_start unprot --script rejected
sed "s/127.0.0.1:[0-9]*/127.0.0.1:$FAULT_PORT/" "$T/dead.conf" >"$T/unprot.conf"
chmod 0600 "$T/unprot.conf"
mkdir -m 0777 "$T/shared-home"
SESMAIL_ENV="HOME=$T/shared-home"
sesmail_run "$T/msg.eml" -C "$T/unprot.conf" -- user@example.org
SESMAIL_ENV=
t_check_rc "unprotected, rejected: exit code" 69
t_check_contains "unprotected: warned" "$ERR" "the message is not protected"
t_check_contains "unprotected: no claim" "$ERR" "the message was NOT kept"
t_check_eq "unprotected: no dead.letter" no \
	"$([ -e "$T/shared-home/dead.letter" ] && echo yes || echo no)"
if [ -d /var/www ]; then
	SESMAIL_ENV="HOME=/var/www"
	sesmail_run "$T/msg.eml" -C "$T/unprot.conf" -- user@example.org
	SESMAIL_ENV=
	t_check_contains "HOME=/var/www: refused" "$ERR" "web server"
fi
t_stop "$FAULT_PID"

# --- 8. root's -q runs each user's messages as that user ------------------------
if [ "$ME" = 0 ] && command -v setpriv >/dev/null 2>&1 &&
	getent passwd nobody >/dev/null; then
	NOBODY=$(id -u nobody)
	NOGROUP=$(id -g nobody)
	spool_clear
	chmod 0755 "$T"
	fault_start asuser --script rejected,ok
	fconf "$T/asuser.conf" "http://127.0.0.1:$FAULT_PORT/" "credentials {
	file = \"$T/asuser.creds\"
	source = \"file\"
}"
	chmod 0644 "$T/asuser.conf"
	printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
		"$T_KEY" "$T_SECRET" >"$T/asuser.creds"
	chgrp "$NOGROUP" "$T/asuser.creds"
	chmod 0640 "$T/asuser.creds"
	cp "$T/msg.eml" "$T/asuser.eml"
	chmod 0644 "$T/asuser.eml"
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY HOME=/ \
		setpriv --reuid="$NOBODY" --regid="$NOGROUP" --init-groups \
		"$SESMAIL" -C "$T/asuser.conf" user@example.org \
		<"$T/asuser.eml" >/dev/null 2>"$T/asuser.err"
	t_check_eq "nobody's message refused: kept in its own directory" \
		"$NOBODY" "$(stat -c %u "$SPOOL/$NOBODY" 2>/dev/null)"
	t_check_eq "nobody's directory: mode 700" 700 \
		"$(stat -c %a "$SPOOL/$NOBODY" 2>/dev/null)"
	# A user lists their own kept messages, though not the spool's top.
	env HOME=/ setpriv --reuid="$NOBODY" --regid="$NOGROUP" --init-groups \
		"$SESMAIL" -C "$T/asuser.conf" -bp >"$T/asuser.out" 2>&1
	t_check_contains "nobody's mailq lists its message" "$T/asuser.out" \
		"user nobody, 1 attempt, last: SES refused the message"
	touch -d '2 minutes ago' "$SPOOL/$NOBODY"/*
	sesmail_run /dev/null -C "$T/asuser.conf" -bp
	t_check_contains "root's mailq lists nobody's message" "$OUT" \
		"user nobody"
	sesmail_run /dev/null -C "$T/asuser.conf" -q
	t_check_rc "root's -q sent nobody's message" 0
	t_check_eq "as nobody: nothing left" "" \
		"$(ls "$SPOOL/$NOBODY" 2>/dev/null)"
	# A directory made for a user by someone else (nobody, here, for
	# daemon) is not used; root's -q moves it aside, so that the user's
	# next message makes its own.
	if _d=$(id -u daemon 2>/dev/null); then
		setpriv --reuid="$NOBODY" --regid="$NOGROUP" --clear-groups \
			mkdir -m 0700 "$SPOOL/$_d"
		env HOME=/ setpriv --reuid="$_d" --regid="$(id -g daemon)" \
			--clear-groups "$SESMAIL" -C "$T/asuser.conf" \
			user@example.org <"$T/asuser.eml" >/dev/null \
			2>"$T/squat.err"
		t_check_contains "a squatted directory is refused" \
			"$T/squat.err" "someone else made it"
		sesmail_run /dev/null -C "$T/asuser.conf" -q
		t_check_rc "-q: a squatted directory is no failure" 0
		t_check_contains "-q: says it moved the squatter's aside" \
			"$ERR" "moved aside to $SPOOL/.squatted.$_d."
		t_check_eq "-q: the name is free again" no \
			"$([ -e "$SPOOL/$_d" ] && echo yes || echo no)"
		t_check_eq "-q: the squatter's directory kept aside" 1 \
			"$(ls -a "$SPOOL" | grep -c "^\.squatted\.$_d\.")"
		rm -rf "$SPOOL/.squatted.$_d."*
	fi
	chmod 0700 "$T"
	t_stop "$FAULT_PID"
else
	echo "# skipped: -q as another user (needs root, setpriv, nobody)"
fi

# --- 9. a short soak: random faults and SIGKILLs, nothing lost ----------------
if SOAK_MESSAGES=60 SOAK_JOBS=4 sh "$TESTS_SRCDIR/integration/soak.sh" \
	>"$T/soak.out" 2>&1; then
	t_ok "short soak: $(grep '^# lost' "$T/soak.out")"
else
	cat "$T/soak.out"
	t_fail "short soak"
fi
grep '^# ' "$T/soak.out"

t_done
