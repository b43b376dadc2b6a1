#!/bin/sh
# cli.sh - command-line behaviour that needs no server: usage errors,
# refused configurations, modes. Nothing here may reach any network: the
# endpoint is a loopback port nobody listens on, and metadata is off.
set -u

: "${SESMAIL:?SESMAIL must name the built binary}"
export AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
unset AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION AWS_ENDPOINT_URL \
	AWS_ENDPOINT_URL_SES AWS_SESSION_TOKEN
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE
export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
failed=0
# Kept messages go to a spool (or a dead.letter) of this test only.
mkdir -m 1733 "$tmp/spool" "$tmp/home" || exit 1
chmod 0755 "$tmp/home"
export HOME="$tmp/home"

conf="$tmp/ok.conf"
cat > "$conf" <<CONF
region = "us-east-1"
endpoint = "http://127.0.0.1:9/"
sender = "noreply@example.com"
domain = "example.com"
connect_timeout = 2
timeout = 5
spool = "$tmp/spool"
retry {
	base_delay = 0.05
}
CONF
chmod 0644 "$conf"
printf 'Subject: t\n\nhello\n' > "$tmp/msg"

# expect CODE NAME [args...]: run sesmail on $tmp/msg and check the exit
# code; stderr must say something whenever the code is not 0.
expect() {
	want=$1 name=$2
	shift 2
	"$SESMAIL" "$@" < "$tmp/msg" > "$tmp/out" 2> "$tmp/err"
	got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL $name: exit $got, want $want"
		sed 's/^/  stderr: /' "$tmp/err"
		failed=$((failed + 1))
	elif [ "$want" != 0 ] && [ ! -s "$tmp/err" ]; then
		echo "FAIL $name: exit $got but nothing on stderr"
		failed=$((failed + 1))
	else
		echo "ok   $name"
	fi
}

expect_stderr() {
	if ! grep -qi -- "$1" "$tmp/err"; then
		echo "FAIL stderr should mention '$1':"
		sed 's/^/  stderr: /' "$tmp/err"
		failed=$((failed + 1))
	fi
}

expect 64 "unknown flag" -C "$conf" -k a@example.org
expect_stderr "-k"
expect 64 "-bd needs a daemon" -C "$conf" -bd
expect 64 "-f without its argument" -C "$conf" -f
expect 64 "no recipients" -C "$conf"
# A closed standard input is no message, not an empty one to send.
"$SESMAIL" -C "$conf" b@example.org <&- > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ "$rc" -ne 74 ] || ! grep -q 'standard input is closed' "$tmp/err"; then
	echo "FAIL closed stdin: exit $rc"; failed=$((failed + 1))
else
	echo "ok   closed stdin refused"
fi
expect 64 "no recipients with -t" -C "$conf" -t
# Refused once read, a message is saved in ~/dead.letter, as sendmail
# saves it, and standard error says so; an error in the arguments comes
# before the message is read, which then is the caller's still.
expect_stderr "; saved in $HOME/dead.letter"
if [ "$(grep -c '^From noreply@example.com ' "$HOME/dead.letter")" = 2 ] &&
	[ "$(grep -c '^hello$' "$HOME/dead.letter")" = 2 ]; then
	echo "ok   refused messages saved in dead.letter"
else
	echo "FAIL refused messages not saved in dead.letter:"
	sed 's/^/  dead.letter: /' "$HOME/dead.letter"
	failed=$((failed + 1))
fi
rm -f "$HOME/dead.letter"
expect 64 "LF in -f" -C "$conf" -f "$(printf 'a@example.org\nBcc: x@example.org')" b@example.org
expect 64 "CR in -F" -C "$conf" -F "$(printf 'Name\rBcc: x@example.org')" b@example.org
expect 64 "LF in a recipient" -C "$conf" "$(printf 'b@example.org\nBcc: x@example.org')"
[ -e "$HOME/dead.letter" ] && {
	echo "FAIL an argument refused before reading saved a dead.letter"
	failed=$((failed + 1))
}

# A header section over 1 MiB: refused before any call, and saved.
awk 'BEGIN { print "To: b@example.org"
	for (i = 0; i < 150000; i++) print "X-Field: yyyy"
	print ""; print "body" }' >"$tmp/bighead"
"$SESMAIL" -C "$conf" -t <"$tmp/bighead" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" = 65 ] && grep -q 'header section over 1 MiB' "$tmp/err" &&
	[ "$(grep -c '^X-Field: yyyy$' "$HOME/dead.letter")" = 150000 ]; then
	echo "ok   header section over 1 MiB: 65, saved"
else
	echo "FAIL header section over 1 MiB: exit $rc, want 65, saved"
	sed 's/^/  stderr: /' "$tmp/err"
	failed=$((failed + 1))
fi
rm -f "$HOME/dead.letter"

# With dead_letter off, nothing is saved, and nothing is claimed.
sed 's/^spool = .*/spool = ""\ndead_letter = no/' "$conf" >"$tmp/nodead.conf"
expect 64 "no recipients, dead_letter off" -C "$tmp/nodead.conf"
if [ -e "$HOME/dead.letter" ] || grep -q 'saved in' "$tmp/err"; then
	echo "FAIL dead_letter off: the refused message was saved"
	failed=$((failed + 1))
fi

expect 0 "--version" --version
grep -q '^sesmail [0-9]' "$tmp/out" || { echo "FAIL --version output"; failed=$((failed + 1)); }
expect 0 "-bp" -C "$conf" -bp
grep -qi 'queue is empty' "$tmp/out" || { echo "FAIL -bp output"; failed=$((failed + 1)); }

# Called as mailq, sesmail lists the (absent) queue.
ln -s "$SESMAIL" "$tmp/mailq"
"$tmp/mailq" > "$tmp/out" 2>&1
if [ $? -ne 0 ] || ! grep -qi 'queue is empty' "$tmp/out"; then
	echo "FAIL mailq name"; failed=$((failed + 1))
else
	echo "ok   mailq name"
fi

expect 0 "-bv never sends" -C "$conf" -bv root b@example.org
# Without -t, -bv reads no message: a closed or idle input is no matter.
"$SESMAIL" -C "$conf" -bv b@example.org <&- >/dev/null 2>"$tmp/err" ||
	{ echo "FAIL -bv with standard input closed"; failed=$((failed + 1)); }
mkfifo "$tmp/idle"
exec 3<>"$tmp/idle"	# a writer that never writes nor closes
timeout 5 "$SESMAIL" -C "$conf" -bv b@example.org <"$tmp/idle" >/dev/null ||
	{ echo "FAIL -bv waited for standard input"; failed=$((failed + 1)); }
exec 3>&-
grep -q 'root@example.com' "$tmp/out" || { echo "FAIL -bv output"; failed=$((failed + 1)); }
grep -q '^sender: noreply@example.com' "$tmp/out" || { echo "FAIL -bv sender"; failed=$((failed + 1)); }

# With -t only the newest Resent- block counts, also when the older block
# follows it with no other field between them.
printf '%s\n' 'Resent-From: b@example.com' 'Resent-To: new@example.org' \
	'Resent-From: a@example.com' 'Resent-To: old@example.org' \
	'To: o@example.org' '' 'x' >"$tmp/resent"
"$SESMAIL" -C "$conf" -bv -t <"$tmp/resent" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" = 0 ] && grep -q '^new@example.org' "$tmp/out" &&
	! grep -q '^old@\|^o@' "$tmp/out"; then
	echo "ok   -t: adjacent Resent- blocks, only the newest counts"
else
	echo "FAIL -t: adjacent Resent- blocks (exit $rc):"
	sed 's/^/  stdout: /' "$tmp/out"
	failed=$((failed + 1))
fi

# Input SES could never take is refused; past the limit it is read and
# thrown away, never held (api_v2.sh checks the pipe's writer).
head -c 40000000 /dev/zero | tr '\0' 'a' | fold -w 100 |
	"$SESMAIL" -C "$conf" b@example.org > /dev/null 2> "$tmp/err"
rc=$?
if [ "$rc" -ne 65 ] || ! grep -q 'too large' "$tmp/err"; then
	echo "FAIL 40 MB input: exit $rc"; failed=$((failed + 1))
else
	echo "ok   40 MB input refused"
fi

# NUL bytes are removed, and -v says how many.
printf 'Subject: t\n\na\000b\000c\n' > "$tmp/nul"
"$SESMAIL" -C "$conf" -v b@example.org < "$tmp/nul" > /dev/null 2> "$tmp/err"
grep -q 'removed 2 NUL' "$tmp/err" || { echo "FAIL NUL count with -v"; failed=$((failed + 1)); }

# Configurations sesmail must refuse.
cp "$conf" "$tmp/gw.conf"; chmod 0664 "$tmp/gw.conf"
expect 78 "group-writable config" -C "$tmp/gw.conf" b@example.org
expect_stderr "gw.conf"
cp "$conf" "$tmp/ow.conf"; chmod 0646 "$tmp/ow.conf"
expect 78 "world-writable config" -C "$tmp/ow.conf" b@example.org
expect 78 "missing -C file" -C "$tmp/nonexistent.conf" b@example.org
printf 'regoin = "us-east-1"\n' > "$tmp/typo.conf"; chmod 0644 "$tmp/typo.conf"
expect 78 "unknown key" -C "$tmp/typo.conf" b@example.org
expect_stderr "regoin"
printf 'region = "us-east-1"\nendpoint = "http://192.0.2.1/"\n' > "$tmp/plain.conf"
chmod 0644 "$tmp/plain.conf"
expect 78 "plain http to a non-loopback host" -C "$tmp/plain.conf" b@example.org
printf 'endpoint = "http://127.0.0.1:9/"\nsender = "a@example.com"\nspool = "%s"\n' \
	"$tmp/spool" > "$tmp/noregion.conf"
chmod 0644 "$tmp/noregion.conf"
expect 78 "no region anywhere" -C "$tmp/noregion.conf" b@example.org
expect_stderr "region"

# A region from the environment is part of a host name: it must be one.
(
	failed=0
	AWS_REGION='evil.example#' expect 78 "region that is no region name" \
		-C "$tmp/noregion.conf" b@example.org
	expect_stderr "not a region name"
	exit $failed
) || failed=$((failed + 1))

# No credentials at all: a configuration error, said plainly.
(
	failed=0
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	expect 78 "no credentials" -C "$conf" b@example.org
	exit $failed
) || failed=$((failed + 1))

# A port nobody listens on: a temporary failure, the caller may retry.
expect 75 "connection refused" -C "$conf" b@example.org

# The audit line (also on stderr with -v): the fields, and never the
# subject, the body or a recipient address.
printf 'Subject: secret plans\n\nthe body text\n' > "$tmp/msg"
expect 75 "audit line" -C "$conf" -v b@example.org
for want in 'audit: id=[0-9a-f]' 'uid=[0-9]' 'user=' 'from=<noreply@example.com>' \
    'nrcpt=1' 'size=[0-9]' 'error=transport' 'status=deferred' 'exit=75' \
    'elapsed=[0-9]'; do
	grep -q "$want" "$tmp/err" || { echo "FAIL audit lacks $want"; failed=$((failed + 1)); }
done
for secret in 'secret plans' 'the body text' 'b@example.org' \
    "$AWS_SECRET_ACCESS_KEY"; do
	grep -qF -- "$secret" "$tmp/err" && { echo "FAIL -v output shows '$secret'"; failed=$((failed + 1)); }
done

# newaliases (-bi) checks the aliases file and names the faulty line.
printf 'root: ops@example.com\npostmaster: root\n' > "$tmp/aliases"
cp "$conf" "$tmp/al.conf"
printf 'aliases = "%s"\n' "$tmp/aliases" >> "$tmp/al.conf"
expect 0 "-bi with a good aliases file" -C "$tmp/al.conf" -bi
grep -q '2 aliases' "$tmp/out" || { echo "FAIL -bi count"; failed=$((failed + 1)); }
printf 'root ops@example.com\n' > "$tmp/aliases"
expect 78 "-bi with a broken aliases file" -C "$tmp/al.conf" -bi
expect_stderr "line 1"
printf 'root: |/usr/bin/procmail\n' > "$tmp/aliases"
expect 78 "-bi refuses a pipe" -C "$tmp/al.conf" -bi
printf 'loopa: loopb\nloopb: loopa\n' > "$tmp/aliases"
expect 78 "-bi finds a loop" -C "$tmp/al.conf" -bi
expect_stderr "loop"
ln -sf "$SESMAIL" "$tmp/newaliases"
printf 'root: ops@example.com\n' > "$tmp/aliases"
"$tmp/newaliases" -C "$tmp/al.conf" > "$tmp/out" 2>&1
if [ $? -ne 0 ] || ! grep -q '1 aliases' "$tmp/out"; then
	echo "FAIL newaliases name"; failed=$((failed + 1))
else
	echo "ok   newaliases name"
fi
# A link is as good as the file it leads to (the configuration's rule).
ln -s "$tmp/aliases" "$tmp/aliases.link"
printf 'aliases = "%s"\n' "$tmp/aliases.link" >> "$tmp/al.conf"
expect 0 "aliases file behind a symbolic link" -C "$tmp/al.conf" -bv root
grep -q 'ops@example.com' "$tmp/out" ||
	{ echo "FAIL aliases link: root not resolved"; failed=$((failed + 1)); }
chmod 0666 "$tmp/aliases"
expect 78 "world-writable aliases file" -C "$tmp/al.conf" root

echo "cli: $failed failed"
[ "$failed" -eq 0 ]
