#!/bin/sh
# large.sh - a message over 256 KB waits in an unnamed file (the spool
# file it will be, or with no spool one in TMPDIR): only its header
# section is read into memory, and its body is read back from the file,
# line ends made CRLF, as it is hashed and sent. Byte for byte against
# the recording fake: LF messages of 300 KB, 2 MB and just under SES
# v1's limit, with -i and without (a lone dot ends the message, across a
# 256 KB read too, and at the very end without LF); NULs and odd line
# ends, and a header section over 64 KB, as a small message gives them;
# a line over 998 octets, re-encoded as in a small message; a failed
# send kept in the spool by naming the file it was read into (as root
# and as nobody) and sent later by -q, also after a SIGKILL, and a spool
# file cut short that -q leaves alone; ~/dead.letter when there is no
# spool; a TMPDIR that does not exist or fills up; and no file left in
# TMPDIR, not even by a SIGKILL. The messages come from
# tests/fakes/large_msg.py.

TESTS_SRCDIR=${TESTS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS_SRCDIR/lib.sh"

t_need_sesmail
t_setup

MINE=$T/spool/$(id -u)
TMP=$T/tmp
mkdir "$TMP"

# lm COMMAND ARGS... - tests/fakes/large_msg.py.
lm() {
	"$PYTHON" "$FAKES/large_msg.py" "$@"
}

# fresh NAME [fake_ses.py options...] - a fake SES of its own and, for
# it, CONF: one attempt only, the test spool.
fresh() {
	_f=$1
	shift
	fake_start "$_f" "$@"
	conf_write "$T/$_f.conf" "$FAKE_PORT" "connect_timeout = 2
timeout = 20
retry {
	max_attempts = 1
}"
	CONF=$T/$_f.conf
}

# send FILE [ARGS...] - sesmail -C $CONF -t ARGS <FILE, TMPDIR=$TMP.
send() {
	_in=$1
	shift
	SESMAIL_ENV="TMPDIR=$TMP" sesmail_run "$_in" -C "$CONF" -t "$@"
}

# send_pipe FILE [ARGS...] - the same through a pipe, which sesmail
# reads in smaller pieces than a file.
send_pipe() {
	_in=$1
	shift
	OUT=$T/stdout
	ERR=$T/stderr
	# shellcheck disable=SC2002 # a pipe, not the file, on purpose
	cat "$_in" | env TMPDIR="$TMP" "$SESMAIL" -C "$CONF" -t "$@" \
		>"$OUT" 2>"$ERR"
	RC=$?
}

# send_limited FILE [ARGS...] - send, with files of at most 512,000 or
# 1,024,000 bytes (ulimit -f 1000, in blocks of 512 or 1024). SIGXFSZ
# is left as the shell has it (it kills by default): sesmail must ignore
# it itself, so that writing more fails with EFBIG, as on a full disk.
send_limited() {
	_in=$1
	shift
	OUT=$T/stdout
	ERR=$T/stderr
	(
		ulimit -f 1000 && trap - XFSZ &&
			exec env TMPDIR="$TMP" "$SESMAIL" -C "$CONF" -t "$@" \
			<"$_in" >"$OUT" 2>"$ERR"
	)
	# shellcheck disable=SC2034 # for t_check_rc
	RC=$?
}

# sent DESC WHICH EXPECTED [--body-only] - request WHICH of the fake
# (an index or subject=TEXT) carried EXPECTED, with Date and
# Message-ID added (large_msg.py check).
sent() {
	_d=$1
	shift
	if _why=$(lm check "$FAKE_RECORD" "$@"); then
		t_ok "$_d"
	else
		t_fail "$_d: $_why"
	fi
}

# same DESC FILE1 FILE2 - the two files hold the same bytes.
same() {
	if cmp -s "$2" "$3"; then
		t_ok "$1"
	else
		t_fail "$1: $(cmp "$2" "$3" 2>&1 | head -n 1)"
	fi
}

# tmp_empty DESC - no file left in TMPDIR.
tmp_empty() {
	t_check_eq "$1: nothing left in TMPDIR" "" "$(ls -A "$TMP")"
}

# kept - how many messages the caller's spool directory holds.
kept() {
	# shellcheck disable=SC2010 # names are local ids, or temporary
	ls "$MINE" 2>/dev/null | grep -c '^[0-9a-f]\{12\}$'
}

# --- 1. LF line ends: CRLF out, byte for byte ---------------------------
fresh lf
lm lf "$T/300k" 300000 1 "lf 300k"
send "$T/300k.eml" -i
t_check_rc "300 KB, -i: sent" 0
sent "300 KB, -i: byte for byte, only Date and Message-ID added" 0 \
	"$T/300k.exp"
tmp_empty "300 KB, sent"
send "$T/300k.eml"
t_check_rc "300 KB, no -i: sent" 0
sent "300 KB, no -i: byte for byte" 1 "$T/300k.exp"

lm lf "$T/2m" 2000000 2 "lf 2m"
send "$T/2m.eml" -i
t_check_rc "2 MB, -i: sent" 0
sent "2 MB, -i: byte for byte" 2 "$T/2m.exp"
send_pipe "$T/2m.eml" -i
t_check_rc "2 MB through a pipe: sent" 0
sent "2 MB through a pipe: byte for byte" 3 "$T/2m.exp"
tmp_empty "2 MB, sent"

# Just under v1's 10,000,000 base64 characters: 7,499,997 bytes sent
# (9,999,996 in base64). Date and Message-ID are of fixed length: what
# they add is known from the first message.
over=$(($(rec field 0 raw_len) - $(wc -c <"$T/300k.exp")))
fresh v1
lm lf "$T/v1" $((7499997 - over)) 3 "lf v1" --crlf
send "$T/v1.eml" -i -v
t_check_rc "just under SES v1's limit: sent" 0
t_check_contains "just under v1's limit: by v1" "$ERR" \
	"7499997 bytes, 9999996 once base64-encoded: SES v1 SendRawEmail"
t_check_eq "just under v1's limit: SendRawEmail" SendRawEmail \
	"$(rec field 0 action)"
sent "just under v1's limit: byte for byte" 0 "$T/v1.exp"
tmp_empty "7.5 MB, sent"

# A lone dot without -i ends the message; with -i it is a line like any
# other. 262143 and 524287: the dot ends a 256 KB read, its LF starts
# the next; 262144: the dot's line starts a read; 100000: the message
# ends in what stays in memory, though more input follows.
fresh dot
for at in 100000 262143 262144 524287 700000; do
	lm lf "$T/dot$at" 800000 5 "dot $at" --dot-at "$at"
	send "$T/dot$at.eml"
	t_check_rc "dot at $at, no -i: sent" 0
	sent "dot at $at, no -i: the message ends before it" \
		-1 "$T/dot$at.dot"
	send "$T/dot$at.eml" -i
	t_check_rc "dot at $at, -i: sent" 0
	sent "dot at $at, -i: the message goes on" -1 "$T/dot$at.exp"
done
send_pipe "$T/dot524287.eml"
t_check_rc "dot at 524287 through a pipe: sent" 0
sent "dot at 524287 through a pipe: the message ends before it" -1 \
	"$T/dot524287.dot"
# A "." without a line end at the very end is a lone dot too.
lm lf "$T/enddot" 400000 10 "end dot" --end-dot
send "$T/enddot.eml"
t_check_rc "a last lone dot without LF, no -i: sent" 0
sent "a last lone dot without LF, no -i: the message ends before it" -1 \
	"$T/enddot.dot"
send "$T/enddot.eml" -i
sent "a last lone dot without LF, -i: a line of its own" -1 \
	"$T/enddot.exp"
tmp_empty "lone dots"

# A header section over 64 KB (read into memory 64 KB, then 128 KB at a
# time), a field ended by CR CR NUL | CR CR LF across the edge, a Bcc
# field after it: the same header section as a small message gets, so
# the Bcc is a recipient and no header.
for at in 65536 131072; do
	lm lf "$T/head$at" 600000 11 "head $at" --pad-head "$at"
	lm lf "$T/head$at-small" 200000 11 "head $at" --pad-head "$at"
	send "$T/head$at-small.eml" -i
	lm head "$FAKE_RECORD" -1 >"$T/head.small"
	send "$T/head$at.eml" -i
	t_check_rc "header section across $at: sent" 0
	lm head "$FAKE_RECORD" -1 >"$T/head.large"
	same "header section across $at: as on the in-memory path" \
		"$T/head.small" "$T/head.large"
	t_check_eq "header section across $at: Bcc a recipient" \
		'["to@example.org", "hidden@example.net"]' \
		"$(rec field -1 destinations)"
	if rec raw -1 | grep -q hidden; then
		t_fail "header section across $at: the Bcc address is shown"
	else
		t_ok "header section across $at: the Bcc address is not shown"
	fi
	sent "header section across $at: body byte for byte" -1 \
		"$T/head$at.exp" --body-only
done

# --- 2. NULs, CR-only, CR CR LF: as on the in-memory path ----------------
# The same bytes in pieces under 256 KB, each cut after an LF, must
# give, put together, the body the large message gave; and both what
# large_msg.py's model of message_parse says.
fresh odd
lm odd "$T/odd" 600000 4 "odd"
send "$T/odd.eml" -i
t_check_rc "odd line ends, -i: sent" 0
sent "odd line ends, -i: as message_parse reads them" 0 "$T/odd.exp"
lm body "$FAKE_RECORD" 0 >"$T/odd.large"
n=$(lm split "$T/odd.eml" "$T/odd.piece" 200000)
: >"$T/odd.small"
i=0
while [ "$i" -lt "$n" ]; do
	send "$T/odd.piece.$i" -i
	lm body "$FAKE_RECORD" -1 >>"$T/odd.small"
	i=$((i + 1))
done
same "odd line ends, -i: as the same bytes in $n small messages" \
	"$T/odd.large" "$T/odd.small"

# Without -i, and a lone dot (ended by a lone CR) past 256 KB.
lm odd "$T/oddot" 600000 4 "odd dot" --dot-at 400000
send "$T/oddot.eml"
t_check_rc "odd line ends, no -i: sent" 0
sent "odd line ends, no -i: as message_parse reads them" -1 \
	"$T/oddot.dot"
lm body "$FAKE_RECORD" -1 >"$T/oddot.large"
n=$(lm split "$T/oddot.eml" "$T/oddot.piece" 200000 --dot)
: >"$T/oddot.small"
i=0
while [ "$i" -lt "$n" ]; do
	send "$T/oddot.piece.$i"
	lm body "$FAKE_RECORD" -1 >>"$T/oddot.small"
	i=$((i + 1))
done
same "odd line ends, no -i: as the same bytes in $n small messages" \
	"$T/oddot.large" "$T/oddot.small"
tmp_empty "odd line ends"

# --- 3. a line over 998 octets: quoted-printable, as for a small one ------
fresh long
lm lf "$T/long" 1000000 6 "long" --long-every 40000
send "$T/long.eml" -i
t_check_rc "long lines: sent" 0
t_check_eq "long lines: Content-Transfer-Encoding" quoted-printable \
	"$(rec header 0 Content-Transfer-Encoding)"
t_check_eq "long lines: MIME-Version" 1.0 "$(rec header 0 MIME-Version)"
if _why=$(lm qp "$FAKE_RECORD" 0 "$T/long.eml"); then
	t_ok "long lines: lines of 76, decodes to the body sent"
else
	t_fail "long lines: $_why"
fi
lm body "$FAKE_RECORD" 0 >"$T/long.large"
n=$(lm split "$T/long.eml" "$T/long.piece" 200000)
: >"$T/long.small"
i=0
while [ "$i" -lt "$n" ]; do
	send "$T/long.piece.$i" -i
	lm body "$FAKE_RECORD" -1 >>"$T/long.small"
	i=$((i + 1))
done
t_check_eq "long lines, small: the same encoding" quoted-printable \
	"$(rec header -1 Content-Transfer-Encoding)"
same "long lines: encoded as the same bytes in $n small messages" \
	"$T/long.large" "$T/long.small"

# The one long line across the first 256 KB read.
lm lf "$T/long1" 600000 7 "long one" --long-at 262144
send "$T/long1.eml" -i
t_check_rc "one long line across 256 KB: sent" 0
t_check_eq "one long line across 256 KB: quoted-printable" \
	quoted-printable "$(rec header -1 Content-Transfer-Encoding)"
if _why=$(lm qp "$FAKE_RECORD" -1 "$T/long1.eml"); then
	t_ok "one long line across 256 KB: decodes to the body sent"
else
	t_fail "one long line across 256 KB: $_why"
fi

# A long header field alone: folded, the body left as it is.
lm lf "$T/longh" 600000 8 "long field" \
	--header "X-Long:$(awk 'BEGIN { for (i = 1; i <= 300; i++)
		printf " word%04d", i }')"
send "$T/longh.eml" -i
t_check_rc "a long field only: sent" 0
t_check_eq "a long field only: body not re-encoded" "" \
	"$(rec header -1 Content-Transfer-Encoding)"
sent "a long field only: body byte for byte" -1 "$T/longh.exp" --body-only
tmp_empty "long lines"

# --- 4. SES fails: kept in the spool, sent by -q --------------------------
fresh fail --mock '{"http_status": 500, "error_type": "Receiver",
	"error_code": "InternalFailure", "error_message": "Try later."}' \
	--watch "$MINE"
FAIL_CONF=$CONF
send "$T/2m.eml" -i
t_check_rc "2 MB, SES fails: deferred" 75
t_check_eq "2 MB, SES fails: kept" 1 "$(kept)"
# Written beside the hash pass, the spool file must still be whole (under
# its final name, the message in it) before the request goes.
t_check_eq "2 MB, SES fails: spooled whole before the call" 1 \
	"$(rec field -1 watched | tr -d '[] ' | awk -F, \
	-v min="$(wc -c <"$T/2m.eml")" '{ print (NF == 1 && $1 > min) }')"
# Read into the spool file itself: kept by writing its head into the
# gap before the message and naming it, not by a copy.
t_check_eq "2 MB, SES fails: the spool file was read into, not copied" \
	"16384,true" "$(rec field -1 watched_heads | tr -d '[] ' |
	tr 'T' 't')"
t_check_contains "2 MB, SES fails: stderr says where" "$ERR" \
	"; kept in $MINE/"
sent "2 MB, SES fails: the attempt carried it whole" 0 "$T/2m.exp"
tail -c 2000000 "$MINE"/* >"$T/spooled"
same "2 MB, SES fails: the spool holds the message as it was read" \
	"$T/spooled" "$T/2m.eml"
tmp_empty "2 MB, failed"
send "$T/odd.eml" -i
send "$T/long.eml" -i
send "$T/dot524287.eml"
t_check_eq "odd, long lines and a lone dot: kept too" 4 "$(kept)"
t_check_eq "the lone dot: only what comes before it is kept" \
	"size 524287" "$(grep -h '^size 524287$' "$MINE"/*)"
tmp_empty "failed"

touch -d '2 minutes ago' "$MINE"/*
fresh requeue
SESMAIL_ENV="TMPDIR=$TMP" sesmail_run /dev/null -C "$CONF" -q
t_check_rc "-q: ran" 0
t_check_eq "-q: four sent" 4 "$(rec count SendRawEmail)"
t_check_eq "-q: nothing left in the spool" 0 "$(kept)"
sent "-q: 2 MB byte for byte" "subject=lf 2m" "$T/2m.exp"
sent "-q: odd line ends as message_parse reads them" "subject=odd" \
	"$T/odd.exp"
lm body "$FAKE_RECORD" "subject=long" >"$T/long.queued"
same "-q: long lines encoded as when sent at once" "$T/long.large" \
	"$T/long.queued"
sent "-q: the lone dot's message byte for byte" "subject=dot 524287" \
	"$T/dot524287.dot"
tmp_empty "-q"
REQUEUE_CONF=$CONF
REQUEUE_RECORD=$FAKE_RECORD

# A spool file cut short, or grown, is not sent: -q says so and leaves it.
CONF=$FAIL_CONF
send "$T/2m.eml" -i
t_check_eq "for the cut: kept" 1 "$(kept)"
f=$(ls "$MINE"/*)
cp "$f" "$T/whole"
head -c $(($(wc -c <"$T/whole") - 1000)) "$T/whole" >"$f"
touch -d '2 minutes ago' "$f"
sesmail_run /dev/null -C "$REQUEUE_CONF" -q
t_check_rc "-q, a spool file cut short: EX_DATAERR" 65
t_check_contains "-q, cut short: says so" "$ERR" \
	"$f: cut short or added to: not the 2000000 bytes its head says;"
t_check_eq "-q, cut short: nothing sent" 4 "$(grep -c . "$REQUEUE_RECORD")"
t_check_eq "-q, cut short: left in the spool" 1 "$(kept)"
{ cat "$T/whole"; printf 'more\n'; } >"$f"
touch -d '2 minutes ago' "$f"
sesmail_run /dev/null -C "$REQUEUE_CONF" -q
t_check_rc "-q, a spool file grown: EX_DATAERR" 65
t_check_contains "-q, grown: says so" "$ERR" \
	"not the 2000000 bytes its head says; left alone"
t_check_eq "-q, grown: nothing sent" 4 "$(grep -c . "$REQUEUE_RECORD")"
cp "$T/whole" "$f"
touch -d '2 minutes ago' "$f"
FAKE_RECORD=$REQUEUE_RECORD
sesmail_run /dev/null -C "$REQUEUE_CONF" -q
t_check_rc "-q, the file whole again: sent" 0
sent "-q, the file whole again: byte for byte" -1 "$T/2m.exp"
t_check_eq "-q, whole again: the spool is empty" 0 "$(kept)"

# --- 5. no spool, SES unreachable: ~/dead.letter, whole -----------------
cat >"$T/dead.conf" <<EOF
region = "us-east-1"
endpoint = "http://127.0.0.1:$(t_free_port)/"
sender = "noreply@example.com"
domain = "example.com"
spool = "$T/no-such-spool"
connect_timeout = 2
retry {
	max_attempts = 1
}
EOF
chmod 0600 "$T/dead.conf"
CONF=$T/dead.conf
send "$T/2m.eml" -i
t_check_rc "no spool, SES unreachable: deferred" 75
t_check_contains "no spool: saved in dead.letter" "$ERR" \
	"; saved in $HOME/dead.letter"
t_check_contains "dead.letter: mbox From line" "$HOME/dead.letter" \
	"From noreply@example.com "
lm mbox "$T/2m.eml" "$T/2m.mbox"
tail -n +2 "$HOME/dead.letter" >"$T/dead.got"
same "dead.letter: the 2 MB message whole, From lines quoted" \
	"$T/dead.got" "$T/2m.mbox"
tmp_empty "dead.letter"
# Without -i: what came before the lone dot, past 256 KB.
rm -f "$HOME/dead.letter"
head -c 524287 "$T/dot524287.eml" >"$T/dot524287.cut"
lm mbox "$T/dot524287.cut" "$T/dot524287.mbox"
send "$T/dot524287.eml"
t_check_rc "no spool, a lone dot: deferred" 75
tail -n +2 "$HOME/dead.letter" >"$T/dead.got"
same "dead.letter: the message up to the lone dot" \
	"$T/dead.got" "$T/dot524287.mbox"
tmp_empty "dead.letter, lone dot"

# --- 6. TMPDIR missing or full: the message stays in memory -------------
# With a spool, a large message is read straight into it: TMPDIR is not
# needed. Without one, it is, and memory stands in when it fails.
fresh tmpdir
sed 's|^spool = .*|spool = ""|' "$CONF" >"$T/nospool.conf"
chmod 0600 "$T/nospool.conf"
SESMAIL_ENV="TMPDIR=$T/no-such-tmp" sesmail_run "$T/2m.eml" -C "$CONF" -t -i \
	-v
t_check_rc "TMPDIR missing, a spool: sent" 0
sent "TMPDIR missing, a spool: byte for byte" 0 "$T/2m.exp"
t_check_eq "TMPDIR missing, a spool: not held in memory" 0 \
	"$(grep -c 'held in memory' "$ERR")"
SESMAIL_ENV="TMPDIR=$T/no-such-tmp" sesmail_run "$T/2m.eml" \
	-C "$T/nospool.conf" -t -i -v
t_check_rc "TMPDIR missing: sent" 0
sent "TMPDIR missing: byte for byte" 1 "$T/2m.exp"
t_check_contains "TMPDIR missing: -v says where the message is" "$ERR" \
	"held in memory, as no temporary file took it"
# A file-size limit stops the file past 256 KB, as a full TMPDIR would:
# what is in it comes back into memory. (The spool is refused too, with
# a warning; the message is sent all the same.)
if (ulimit -f 1000) 2>/dev/null; then
	send_limited "$T/2m.eml" -i
	t_check_rc "TMPDIR full: sent" 0
	sent "TMPDIR full: byte for byte" 2 "$T/2m.exp"
	tmp_empty "TMPDIR full"
else
	t_ok "# skip TMPDIR full: no ulimit -f"
fi

# --- 7. where the message waits while it is sent -------------------------
# slow_send CONF - sesmail -C CONF sending 2m.eml in the background to a
# fake that takes its time; returns once it is sending (PID in pid).
slow_send() {
	env TMPDIR="$TMP" "$SESMAIL" -C "$1" -t -i -v <"$T/2m.eml" \
		>"$T/slow.out" 2>"$T/slow.err" &
	pid=$!
	w=100
	while ! grep -qs '^sesmail: region ' "$T/slow.err" && [ "$w" -gt 0 ]
	do
		sleep 0.05
		w=$((w - 1))
	done
	sleep 0.2
}

# open_in DIR - the link of the first descriptor of $pid to a file in DIR
# (an unnamed file is "DIR/#INODE (deleted)", even once it has a name).
open_in() {
	_real=$(cd "$1" && pwd -P)
	for l in /proc/"$pid"/fd/*; do
		_to=$(readlink "$l" 2>/dev/null)
		case $_to in
		"$_real"/*) echo "$_to"; return ;;
		esac
	done
}

# With a spool, it was read into the spool file, which is kept by naming
# it: no copy, nothing in TMPDIR. Killed, the spool still has it, head
# padded to the gap, and -q sends it.
if [ -d /proc/self/fd ]; then
	fresh slow --slow 5
	slow_send "$CONF"
	t_check_eq "while sending: the message is read from its spool file" \
		"$(cd "$MINE" && pwd -P)/#$(stat -c %i "$MINE"/*) (deleted)" \
		"$(open_in "$MINE")"
	tmp_empty "while sending with a spool"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	tmp_empty "killed with SIGKILL"
	t_check_eq "killed: the spool has the message" 1 "$(kept)"
	f=$(ls "$MINE"/*)
	t_check_eq "killed: the head ends at the gap" '\n\n' \
		"$(head -c 16384 "$f" | tail -c 2 | od -An -c | tr -d ' ')"
	t_check_eq "killed: the head is padded to it" 1 \
		"$(head -c 16384 "$f" | grep -c '^pad -*$')"
	tail -c 2000000 "$f" >"$T/spooled"
	same "killed: the spool has all of it" "$T/spooled" "$T/2m.eml"
	t_check_eq "killed: file = gap + message" $((16384 + 2000000)) \
		"$(wc -c <"$f")"
	t_stop "$FAKE_PID"
	touch -d '2 minutes ago' "$f"
	fresh requeue2
	SESMAIL_ENV="TMPDIR=$TMP" sesmail_run /dev/null -C "$CONF" -q
	t_check_rc "-q, a padded spool file: sent" 0
	sent "-q, a padded spool file: byte for byte" 0 "$T/2m.exp"
	t_check_eq "-q, a padded spool file: the spool is empty" 0 "$(kept)"
	t_stop "$FAKE_PID"

	# Without a spool it waits in TMPDIR, in a file with no name.
	fresh slow2 --slow 5
	sed 's|^spool = .*|spool = ""|' "$CONF" >"$T/nospool.conf"
	slow_send "$T/nospool.conf"
	case $(open_in "$TMP") in
	*" (deleted)") t_ok "no spool, while sending: a file in TMPDIR" ;;
	*) t_fail "no spool, while sending: no file of TMPDIR open: $(
		tail -n 1 "$T/slow.err")" ;;
	esac
	tmp_empty "no spool, while sending, that file"
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	tmp_empty "no spool, killed with SIGKILL"
	t_stop "$FAKE_PID"
else
	t_ok "# skip the open-file checks: no /proc"
fi

# Only root may link a descriptor itself: another user's unnamed spool
# file is named through /proc/self/fd.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1 &&
	getent passwd nobody >/dev/null && [ -d /proc/self/fd ]; then
	THEIRS=$T/spool/$(id -u nobody)
	fresh nobody --watch "$THEIRS" --mock '{"http_status": 500,
	"error_type": "Receiver", "error_code": "InternalFailure",
	"error_message": "Try later."}'
	grep -v "^aliases" "$CONF" >"$T/asnobody.conf"
	chmod 0644 "$T/asnobody.conf" "$T/2m.eml"
	chmod 0755 "$T"
	env HOME=/ TMPDIR="$T/no-such-tmp" setpriv --reuid=nobody \
		--regid="$(id -g nobody)" --init-groups \
		"$SESMAIL" -C "$T/asnobody.conf" -t -i <"$T/2m.eml" \
		>"$T/nobody.out" 2>"$T/nobody.err"
	t_check_eq "not root, SES fails: deferred" 75 "$?"
	t_check_eq "not root: the spool file was read into, not copied" \
		"16384,true" "$(rec field -1 watched_heads | tr -d '[] ' |
		tr 'T' 't')"
	t_check_eq "not root: kept in its own directory" 1 \
		"$(ls "$THEIRS" | grep -c '^[0-9a-f]\{12\}$')"
	chmod 0700 "$T"
	t_stop "$FAKE_PID"
else
	t_ok "# skip the not-root check: needs root, setpriv and nobody"
fi

t_done
