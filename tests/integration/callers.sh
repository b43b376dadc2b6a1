#!/bin/sh
# callers.sh - the programs that call sendmail, sending through sesmail to
# the recording fake SES: PHP mail(), PHPMailer, Symfony Mailer (-bs and
# -t), bsd-mailx, s-nail, GNU mailutils, git send-email and swaks as
# installed from Debian 12 (tests/install-callers.sh), and the exact argv
# and message shape of Debian cron, cronie, anacron, at, sudo,
# unattended-upgrades, logwatch and fail2ban (compat/PEERS.md, section B).
#
# Every caller finds sendmail through its own setting, pointing at a
# wrapper in $T/bin that records argv, stdin, environment and exit status
# of each call, then runs $SESMAIL -C $T/conf with the same arguments. For
# each caller one line says ok, or FAIL with what differed: the exact argv,
# the caller's own verdict (mail() true, no exception, exit 0), sesmail's
# exit status, and what SES got (tests/callers/check.py): Source,
# Destinations as a set, no Bcc field while the Bcc recipient is still a
# destination, From and To present with qualified addresses, the caller's
# other header fields and body unchanged.
#
# A caller whose package is missing is skipped with the reason; the test
# then ends as skipped (77) unless something failed. 127.0.0.1 only.

TESTS_SRCDIR=${TESTS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS_SRCDIR/lib.sh"
HERE=$TESTS_SRCDIR/callers
CALLERS_CACHE=${CALLERS_CACHE:-/var/cache/sesmail-callers}
TIMEOUT=
command -v timeout >/dev/null 2>&1 && TIMEOUT="timeout 60"
SKIPPED=

t_need_sesmail
t_setup
fake_start callers

# Keys in a credentials file as well as in the environment: sudo and cron
# run the mailer with an environment of their own, without AWS variables.
printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
	"$T_KEY" "$T_SECRET" >"$T/credentials"
chmod 0600 "$T/credentials"
conf_write "$T/conf" "$FAKE_PORT" "credentials {
	file = \"$T/credentials\"
}"

# The sendmail every caller runs. It is named sendmail, as PHPMailer wants
# to see in sendmail_path before it uses it. Call N leaves N.argv (one
# argument a line), N.env, N.stdin (not for -bs), N.stderr and N.rc.
mkdir "$T/bin" "$T/calls"
cat >"$T/bin/sendmail" <<EOF
#!/bin/sh
d=$T/calls
i=1
while [ -e "\$d/\$i.argv" ]; do i=\$((i + 1)); done
: >"\$d/\$i.argv"
for a in "\$@"; do printf '%s\n' "\$a" >>"\$d/\$i.argv"; done
env >"\$d/\$i.env"
case " \$* " in
*" -bs "*)
	# No tee in an SMTP session: it would hold the pipe open, and a
	# client waiting for a reply would hang instead of seeing sesmail go.
	"$SESMAIL" -C "$T/conf" "\$@" 2>"\$d/\$i.stderr" ;;
*)
	tee "\$d/\$i.stdin" | "$SESMAIL" -C "$T/conf" "\$@" 2>"\$d/\$i.stderr" ;;
esac
rc=\$?
echo "\$rc" >"\$d/\$i.rc"
exit "\$rc"
EOF
chmod 0755 "$T/bin/sendmail"
SM=$T/bin/sendmail

# --- helpers ------------------------------------------------------------------

# begin NAME - a caller starts: its SES requests are those from now on.
begin() {
	NAME=$1
	WHY=
	START=0
	[ -s "$FAKE_RECORD" ] && START=$(rec count)
	rm -rf "$T/calls"
	mkdir "$T/calls"
}

# why TEXT - one more difference for this caller.
why() {
	WHY="${WHY:+$WHY; }$*"
}

# need NAME PROGRAM... - false (and the caller is skipped) unless each
# PROGRAM is there.
need() {
	_n=$1
	shift
	for _p in "$@"; do
		case $_p in
		/*) [ -e "$_p" ] && continue ;;
		*) command -v "$_p" >/dev/null 2>&1 && continue ;;
		esac
		echo "skip - $_n: $_p not installed" \
			"(run tests/install-callers.sh as root)"
		SKIPPED="$SKIPPED $_n"
		return 1
	done
	return 0
}

# calls_are N - the caller ran sendmail N times.
calls_are() {
	_c=$(find "$T/calls" -name '*.argv' | wc -l)
	[ "$_c" -eq "$1" ] || why "sendmail run $_c times, expected $1"
}

# argv_is N ARG... - sendmail call N got exactly these arguments (after
# argv[0]).
argv_is() {
	_n=$1
	shift
	: >"$T/want.argv"
	for _a in "$@"; do
		printf '%s\n' "$_a" >>"$T/want.argv"
	done
	if [ ! -f "$T/calls/$_n.argv" ]; then
		why "no sendmail call $_n"
	elif ! cmp -s "$T/want.argv" "$T/calls/$_n.argv"; then
		why "argv [$(tr '\n' ' ' <"$T/calls/$_n.argv")] instead of [$*]"
	fi
}

# sesmail_ok N - sesmail's exit status in call N was 0.
sesmail_ok() {
	# A caller such as swaks may return once it read 221, before the
	# wrapper has written sesmail's status: give it a few seconds.
	_w=0
	while [ ! -s "$T/calls/$1.rc" ] && [ "$_w" -lt 50 ]; do
		sleep 0.1
		_w=$((_w + 1))
	done
	_rc=$(cat "$T/calls/$1.rc" 2>/dev/null)
	[ "$_rc" = 0 ] || why "sesmail exit ${_rc:-none}:" \
		"$(head -c 300 "$T/calls/$1.stderr" 2>/dev/null)"
}

# caller_ok DESC RC OUTPUT-FILE - the caller's own verdict was success.
caller_ok() {
	[ "$2" = 0 ] || why "$1 (exit $2): $(head -c 300 "$3")"
}

# ses_got - compare what the fake received since begin with $T/expect.json.
ses_got() {
	if [ ! -s "$FAKE_RECORD" ]; then
		why "SES got no request"
		return
	fi
	_o=$("$PYTHON" "$HERE/check.py" "$FAKE_RECORD" "$START" \
		"$T/expect.json" 2>&1) || why "${_o:-check.py failed}"
}

# finish - the caller's one line. printf, not t_fail's echo, which would
# expand the backslashes of check.py's quoted excerpts.
finish() {
	T_CHECKS=$((T_CHECKS + 1))
	if [ -z "$WHY" ]; then
		printf 'ok - %s\n' "$NAME"
	else
		T_FAILS=$((T_FAILS + 1))
		printf 'FAIL - %s: %s\n' "$NAME" "$WHY" | tr '\n' ' '
		echo
	fi
}

# --- PHP mail() ---------------------------------------------------------------
# Debian's sendmail_path default is "/usr/sbin/sendmail -t -i"; the fifth
# argument is appended. Cc and Bcc come in the additional headers.
if need "PHP mail()" php; then
	begin "PHP mail()"
	$TIMEOUT php -d "sendmail_path=$SM -t -i" -d display_errors=stderr \
		"$HERE/php_mail.php" >"$T/out" 2>&1
	caller_ok "mail() returned false" $? "$T/out"
	calls_are 1
	argv_is 1 -t -i -fbounce@example.com
	sesmail_ok 1
	cat >"$T/expect.json" <<EOF
{"messages": [{
  "source": "bounce@example.com",
  "destinations": ["one@example.org", "two@example.org", "cc@example.org",
                   "hidden@example.org"],
  "headers_present": {"From": "app@example.com", "To": "one@example.org",
                      "Cc": "cc@example.org", "Subject": "PHP mail() test"},
  "body_lines": [".", "A line after a lone dot.", "..two dots stay two"],
  "stdin": "$T/calls/1.stdin"
}]}
EOF
	ses_got
	finish
fi

# --- PHPMailer ----------------------------------------------------------------
# isSendmail() with sendmail_path "<sendmail> -t -i", as on Debian: the
# command becomes "-t -i -oi -f<Sender> -t". The message keeps a Bcc
# field for the MTA to remove.
if need PHPMailer php /usr/share/php/libphp-phpmailer/autoload.php; then
	begin PHPMailer
	$TIMEOUT php -d "sendmail_path=$SM -t -i" -d display_errors=stderr \
		"$HERE/phpmailer.php" >"$T/out" 2>&1
	caller_ok "send() failed" $? "$T/out"
	calls_are 1
	argv_is 1 -t -i -oi -fbounce@example.com -t
	sesmail_ok 1
	grep -q '^Bcc: hidden@example.org' "$T/calls/1.stdin" 2>/dev/null ||
		why "PHPMailer wrote no Bcc field: stripping is not tested"
	cat >"$T/expect.json" <<EOF
{"messages": [{
  "source": "bounce@example.com",
  "destinations": ["to@example.org", "cc@example.org", "hidden@example.org"],
  "headers_present": {"From": ["App Mailer", "app@example.com"],
                      "To": "to@example.org", "Cc": "cc@example.org",
                      "Subject": "PHPMailer test"},
  "body_lines": ["Hello from PHPMailer.", ".", "A line after a lone dot."],
  "stdin": "$T/calls/1.stdin"
}]}
EOF
	ses_got
	finish
fi

# --- Symfony Mailer, -bs ------------------------------------------------------
# The default mode: one sendmail -bs process for both messages, HELO,
# MAIL/RCPT (Bcc as a RCPT only), dot-stuffed DATA, QUIT.
if need "Symfony Mailer -bs" php \
	/usr/share/php/Symfony/Component/Mailer/autoload.php; then
	begin "Symfony Mailer -bs"
	$TIMEOUT php -d display_errors=stderr "$HERE/symfony.php" "$SM -bs" \
		>"$T/out" 2>&1
	caller_ok "Symfony threw" $? "$T/out"
	grep -q '^no exception$' "$T/out" ||
		why "Symfony: $(head -c 300 "$T/out")"
	calls_are 1
	argv_is 1 -bs
	sesmail_ok 1
	cat >"$T/expect.json" <<EOF
{"messages": [{
  "source": "app@example.com",
  "destinations": ["one@example.org"],
  "headers_present": {"From": "app@example.com", "To": "one@example.org",
                      "Subject": "Symfony first"},
  "body_lines": ["First message.", ".", "..two dots",
                 "last line of the first"]
 }, {
  "source": "app@example.com",
  "destinations": ["two@example.org", "cc@example.org", "hidden@example.org"],
  "headers_present": {"From": "app@example.com", "To": "two@example.org",
                      "Cc": "cc@example.org", "Subject": "Symfony second"},
  "body_lines": ["Second message, with a Bcc."]
}]}
EOF
	ses_got
	finish
fi

# --- Symfony Mailer, -t -i ----------------------------------------------------
# Symfony removes " -t" because the envelope has recipients, adds
# -f'<sender>' and " -- " with every recipient, the Bcc one included.
if need "Symfony Mailer -t" php \
	/usr/share/php/Symfony/Component/Mailer/autoload.php; then
	begin "Symfony Mailer -t"
	$TIMEOUT php -d display_errors=stderr "$HERE/symfony.php" "$SM -t -i" \
		>"$T/out" 2>&1
	caller_ok "Symfony threw" $? "$T/out"
	calls_are 1
	argv_is 1 -i -fapp@example.com -- two@example.org cc@example.org \
		hidden@example.org
	sesmail_ok 1
	cat >"$T/expect.json" <<EOF
{"messages": [{
  "source": "app@example.com",
  "destinations": ["two@example.org", "cc@example.org", "hidden@example.org"],
  "headers_present": {"From": "app@example.com", "To": "two@example.org",
                      "Cc": "cc@example.org", "Subject": "Symfony second"},
  "body_lines": ["Second message, with a Bcc."],
  "stdin": "$T/calls/1.stdin"
}]}
EOF
	ses_got
	finish
fi

# --- bsd-mailx ----------------------------------------------------------------
# Unpacked, not installed (its package wants an MTA). "set sendmail" in
# MAILRC names the program; it runs "-i -t" and writes the Bcc field.
MAILX=$CALLERS_CACHE/usr/bin/bsd-mailx
command -v bsd-mailx >/dev/null 2>&1 && MAILX=$(command -v bsd-mailx)
printf 'set sendmail=%s\n' "$SM" >"$T/mailrc"
if need "bsd-mailx -s -c -b" "$MAILX"; then
	begin "bsd-mailx -s -c -b"
	printf 'mailx body line\n.\nafter a lone dot\n' |
		MAILRC=$T/mailrc $TIMEOUT "$MAILX" -s "mailx test" \
			-c cc@example.org -b hidden@example.org \
			root to@example.org >"$T/out" 2>&1
	caller_ok "mailx failed" $? "$T/out"
	calls_are 1
	argv_is 1 -i -t
	sesmail_ok 1
	cat >"$T/expect.json" <<EOF
{"messages": [{
  "source": "noreply@example.com",
  "destinations": ["ops@example.com", "to@example.org", "cc@example.org",
                   "hidden@example.org"],
  "headers_present": {"To": "to@example.org", "Cc": "cc@example.org",
                      "Subject": "mailx test"},
  "body_lines": ["mailx body line", ".", "after a lone dot"],
  "stdin": "$T/calls/1.stdin"
}]}
EOF
	ses_got
	finish
fi
if need "bsd-mailx -r" "$MAILX"; then
	begin "bsd-mailx -r"
	printf 'sent with mail -r\n' |
		MAILRC=$T/mailrc $TIMEOUT "$MAILX" \
			-r "Ops Team <team@example.com>" -s "mailx -r test" \
			to@example.org >"$T/out" 2>&1
	caller_ok "mailx failed" $? "$T/out"
	calls_are 1
	argv_is 1 -i -t -f team@example.com
	sesmail_ok 1
	cat >"$T/expect.json" <<EOF
{"messages": [{
  "source": "team@example.com",
  "destinations": ["to@example.org"],
  "headers_present": {"From": ["Ops Team", "team@example.com"],
                      "To": "to@example.org"},
  "stdin": "$T/calls/1.stdin"
}]}
EOF
	ses_got
	finish
fi

# --- s-nail -------------------------------------------------------------------
# -Smta names the program; -:/ reads no resource file. Recipients go on
# argv after "--", Bcc only there.
if need s-nail s-nail; then
	begin s-nail
	printf 's-nail body\n' |
		$TIMEOUT s-nail -:/ -Smta="$SM" -r "App <app@example.com>" \
			-s "s-nail test" -c cc@example.org -b hidden@example.org \
			to@example.org root >"$T/out" 2>&1
	caller_ok "s-nail failed" $? "$T/out"
	calls_are 1
	argv_is 1 -i -F App -f app@example.com -- to@example.org root \
		cc@example.org hidden@example.org
	sesmail_ok 1
	cat >"$T/expect.json" <<EOF
{"messages": [{
  "source": "app@example.com",
  "destinations": ["to@example.org", "ops@example.com", "cc@example.org",
                   "hidden@example.org"],
  "headers_present": {"From": "app@example.com", "To": "to@example.org",
                      "Cc": "cc@example.org", "Subject": "s-nail test"},
  "stdin": "$T/calls/1.stdin"
}]}
EOF
	ses_got
	finish
fi

# --- GNU mailutils mail -------------------------------------------------------
# "set sendmail=sendmail://PATH"; it runs "-oi -f <user>@<host> -t" and
# qualifies root with its host name when there are several recipients;
# root@<this host> is local, so the alias applies.
if need "mailutils mail" mail && mail --version 2>/dev/null | grep -q Mailutils; then
	begin "mailutils mail"
	printf 'mailutils body\n' |
		$TIMEOUT mail --no-config -E "set sendmail=sendmail://$SM" \
			-s "mailutils test" -a "Cc: cc@example.org" \
			-a "Bcc: hidden@example.org" to@example.org root >"$T/out" 2>&1
	caller_ok "mail failed" $? "$T/out"
	calls_are 1
	mu_from=$(sed -n 3p "$T/calls/1.argv" 2>/dev/null)
	argv_is 1 -oi -f "$mu_from" -t
	case $mu_from in
	root@?*) ;;
	*) why "mailutils passed -f '$mu_from', expected root@<host>" ;;
	esac
	sesmail_ok 1
	cat >"$T/expect.json" <<EOF
{"messages": [{
  "source": "$mu_from",
  "destinations": ["to@example.org", "ops@example.com", "cc@example.org",
                   "hidden@example.org"],
  "headers_present": {"To": "to@example.org", "Cc": "cc@example.org",
                      "Subject": "mailutils test"},
  "stdin": "$T/calls/1.stdin"
}]}
EOF
	ses_got
	finish
elif command -v mail >/dev/null 2>&1; then
	echo "skip - mailutils mail: 'mail' is not GNU Mailutils"
	SKIPPED="$SKIPPED mailutils"
fi

# --- git send-email -----------------------------------------------------------
# A one-patch series to two recipients, a Cc and a Bcc, through
# --sendmail-cmd: "-f <envelope> -i <to...> <cc...> <bcc...>".
if need "git send-email" git && git send-email -h 2>&1 | grep -q sendmail-cmd; then
	begin "git send-email"
	(
		export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME="Dev One" \
			GIT_AUTHOR_EMAIL=dev@example.com GIT_COMMITTER_NAME="Dev One" \
			GIT_COMMITTER_EMAIL=dev@example.com
		mkdir "$T/repo" && cd "$T/repo" && git init -q . &&
			printf 'one\n' >file && git add file && git commit -qm init &&
			printf 'two\n.\n' >>file &&
			git commit -qam "Add two to file" -m "A body line of the commit." &&
			git format-patch -q -1 -o "$T/patches" &&
			$TIMEOUT git send-email --sendmail-cmd="$SM" \
				--from "Dev One <dev@example.com>" \
				--envelope-sender=dev@example.com \
				--to a@example.org --to b@example.org --cc c@example.org \
				--bcc d@example.org --suppress-cc=all --confirm=never \
				--quiet "$T"/patches/*.patch </dev/null
	) >"$T/out" 2>&1
	caller_ok "git send-email failed" $? "$T/out"
	calls_are 1
	argv_is 1 -f dev@example.com -i a@example.org b@example.org \
		c@example.org d@example.org
	sesmail_ok 1
	cat >"$T/expect.json" <<EOF
{"messages": [{
  "source": "dev@example.com",
  "destinations": ["a@example.org", "b@example.org", "c@example.org",
                   "d@example.org"],
  "headers_present": {"From": "dev@example.com",
                      "To": ["a@example.org", "b@example.org"],
                      "Cc": "c@example.org",
                      "Subject": "[PATCH] Add two to file"},
  "body_lines": ["A body line of the commit.", "+two", "+.", "-- "],
  "stdin": "$T/calls/1.stdin"
}]}
EOF
	ses_got
	finish
elif command -v git >/dev/null 2>&1; then
	echo "skip - git send-email: git-email (or its Perl modules) missing"
	SKIPPED="$SKIPPED git-send-email"
fi

# --- swaks over -bs -----------------------------------------------------------
# swaks speaks SMTP to "sesmail -bs" through a pipe (EHLO, MAIL, RCPT,
# DATA, QUIT). The Bcc field added to the data must not reach SES.
if need swaks swaks; then
	begin swaks
	$TIMEOUT swaks --pipe "$SM -bs" --helo client.example.org \
		--from app@example.com --to one@example.org,hidden@example.org \
		--header "To: one@example.org" --add-header "Bcc: hidden@example.org" \
		--header "Subject: swaks test" --body "swaks body line" \
		--timeout 20 >"$T/out" 2>&1
	caller_ok "swaks failed" $? "$T/out"
	grep -q '<-  250.*' "$T/out" || why "swaks saw no 250: $(tail -c 300 "$T/out")"
	grep -q '<-  221' "$T/out" || why "swaks saw no 221 after QUIT"
	calls_are 1
	argv_is 1 -bs
	sesmail_ok 1
	cat >"$T/expect.json" <<EOF
{"messages": [{
  "source": "app@example.com",
  "destinations": ["one@example.org", "hidden@example.org"],
  "headers_present": {"From": "app@example.com", "To": "one@example.org",
                      "Subject": "swaks test"},
  "body_lines": ["swaks body line"]
}]}
EOF
	ses_got
	finish
fi

# --- the rest: exact argv and stdin of callers not installed here -------------

# as_caller ENV-WORDS -- ARGS... - run the wrapper as a caller would, with
# $T/msg on stdin and exactly the environment ENV-WORDS (env -i).
as_caller() {
	_env=
	while [ "$1" != -- ]; do
		_env="$_env $1"
		shift
	done
	shift
	# shellcheck disable=SC2086 # a list of NAME=VALUE words
	env -i $_env $TIMEOUT "$SM" "$@" <"$T/msg" >"$T/out" 2>&1
	RC=$?
	calls_are 1
	# So the keys came from the credentials file, as they must there.
	! grep -q '^AWS_' "$T/calls/1.env" 2>/dev/null ||
		why "the mailer's environment holds AWS variables"
}
# cron's mailer environment (no AWS variables): always split into words.
CRON_ENV="HOME=$T/home LOGNAME=root SHELL=/bin/sh PATH=/usr/bin:/bin"

# Debian cron 3.0pl1: "-FCronDaemon -i -B8BITMIME -oem <MAILTO or user>".
begin "Debian cron"
cat >"$T/msg" <<'EOF'
From: root (Cron Daemon)
To: root
Subject: Cron <root@web1> /usr/local/bin/rotate-logs
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit
X-Cron-Env: <SHELL=/bin/sh>
X-Cron-Env: <HOME=/root>
X-Cron-Env: <PATH=/usr/bin:/bin>
X-Cron-Env: <LOGNAME=root>

rotate-logs: compressed 3 files
.
rotate-logs: done
EOF
# shellcheck disable=SC2086
as_caller $CRON_ENV -- -FCronDaemon -i -B8BITMIME -oem root
caller_ok "sendmail failed" "$RC" "$T/out"
sesmail_ok 1
cat >"$T/expect.json" <<EOF
{"messages": [{
  "source": "noreply@example.com",
  "destinations": ["ops@example.com"],
  "headers_present": {"From": "Cron Daemon", "X-Cron-Env": "<LOGNAME=root>"},
  "header_counts": {"X-Cron-Env": 4},
  "body_lines": [".", "rotate-logs: done"],
  "stdin": "$T/msg"
}]}
EOF
ses_got
finish

# cronie: "-FCronDaemon -i -odi -oem -oi -t -f <MAILFROM or user>".
begin cronie
cat >"$T/msg" <<'EOF'
From: "(Cron Daemon)" <root>
To: root
Subject: Cron <root@web1> /usr/local/bin/backup
MIME-Version: 1.0
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: 8bit
Precedence: bulk
X-Cron-Env: <SHELL=/bin/sh>
X-Cron-Env: <HOME=/root>
Auto-Submitted: auto-generated

backup: 3 archives written
EOF
# shellcheck disable=SC2086
as_caller $CRON_ENV -- -FCronDaemon -i -odi -oem -oi -t -f root
caller_ok "sendmail failed" "$RC" "$T/out"
sesmail_ok 1
cat >"$T/expect.json" <<EOF
{"messages": [{
  "source": "root@example.com",
  "destinations": ["ops@example.com"],
  "headers_present": {"From": "Cron Daemon", "Precedence": "bulk"},
  "stdin": "$T/msg"
}]}
EOF
ses_got
finish

# anacron: "-FAnacron -odi <MAILTO or user>", no -i. sesmail(8): without
# -i a line holding a single dot ends the message, as in sendmail.
begin anacron
cat >"$T/msg" <<'EOF'
From: Anacron <root>
To: root
Subject: Anacron job 'cron.daily' on web1

/etc/cron.daily/logrotate: rotated
.
this line comes after a lone dot
EOF
# shellcheck disable=SC2086
as_caller $CRON_ENV -- -FAnacron -odi root
caller_ok "sendmail failed" "$RC" "$T/out"
sesmail_ok 1
cat >"$T/expect.json" <<EOF
{"messages": [{
  "source": "noreply@example.com",
  "destinations": ["ops@example.com"],
  "headers_present": {"From": "Anacron",
                      "Subject": "Anacron job 'cron.daily' on web1"},
  "body_lines": ["/etc/cron.daily/logrotate: rotated"],
  "body_lines_absent": [".", "this line comes after a lone dot"],
  "stdin": "$T/msg", "dot_ends": true
}]}
EOF
ses_got
finish

# at 3.2.5 (atd): "-i <user>", run as the job's owner; no From field.
begin at
printf 'Subject: Output from your job        7\nTo: alice\n\nreport done\n' \
	>"$T/msg"
# shellcheck disable=SC2086
as_caller $CRON_ENV -- -i alice
caller_ok "sendmail failed" "$RC" "$T/out"
sesmail_ok 1
cat >"$T/expect.json" <<EOF
{"messages": [{
  "source": "noreply@example.com",
  "destinations": ["alice@example.com"],
  "headers_present": {"Subject": "Output from your job        7"},
  "stdin": "$T/msg"
}]}
EOF
ses_got
finish

# sudo 1.9: mailer "sendmail -t", environment HOME=/ and nothing else of
# the user's; mailto root, mailfrom the invoking user (bare).
begin sudo
cat >"$T/msg" <<'EOF'
To: root
From: alice
Auto-Submitted: auto-generated
Subject: *** SECURITY information for web1 ***

web1 : Dec  3 10:00:00 : alice : user NOT in sudoers ; TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id
EOF
as_caller HOME=/ PATH=/usr/bin:/sbin:/bin:/usr/sbin LOGNAME=root USER=root -- -t
caller_ok "sendmail failed" "$RC" "$T/out"
sesmail_ok 1
cat >"$T/expect.json" <<EOF
{"messages": [{
  "source": "noreply@example.com",
  "destinations": ["ops@example.com"],
  "headers_present": {"Subject": "*** SECURITY information for web1 ***",
                      "Auto-Submitted": "auto-generated"},
  "stdin": "$T/msg"
}]}
EOF
ses_got
finish

# unattended-upgrades 2.9.1: "-oi -t", a Python email.message with a
# quoted-printable UTF-8 body, From and To "root".
begin unattended-upgrades
"$PYTHON" - >"$T/msg" <<'EOF'
import email.charset
from email.message import Message
msg = Message()
msg["Subject"] = "unattended-upgrades result for web1.example.com: True"
msg["From"] = "root"
msg["To"] = "root"
msg["Auto-Submitted"] = "auto-generated"
cs = email.charset.Charset("utf-8")
cs.body_encoding = email.charset.QP
msg.set_payload("Paquets mis \u00e0 jour : libc6 \u2013 ok \u2713\n"
                "Unattended upgrade result: All upgrades installed\n"
                + "x" * 100 + "\n", cs)
print(msg.as_string(), end="")
EOF
as_caller HOME=/root PATH=/usr/bin:/bin LANG=C.UTF-8 -- -oi -t
caller_ok "sendmail failed" "$RC" "$T/out"
sesmail_ok 1
cat >"$T/expect.json" <<EOF
{"messages": [{
  "source": "noreply@example.com",
  "destinations": ["ops@example.com"],
  "headers_present": {"Content-Transfer-Encoding": "quoted-printable",
                      "Content-Type": "utf-8"},
  "body_contains": ["Paquets mis =C3=A0 jour"],
  "stdin": "$T/msg"
}]}
EOF
ses_got
finish

# logwatch 7.7: "sendmail -t", one To line per address, "From: Logwatch"
# without a domain, no -i.
begin logwatch
cat >"$T/msg" <<'EOF'
To: root
To: admin@example.org
From: Logwatch
Subject: Logwatch for web1 (Linux)
Auto-Submitted: auto-generated
Precedence: bulk
MIME-Version: 1.0
Content-Transfer-Encoding: 7bit
Content-Type: text/plain; charset="iso-8859-1"


 ################### Logwatch 7.7 (07/22/22) ####################
        Processing Initiated: Thu Dec  3 06:25:01 2026
 ################### Logwatch End #########################
EOF
as_caller HOME=/root PATH=/usr/bin:/bin -- -t
caller_ok "sendmail failed" "$RC" "$T/out"
sesmail_ok 1
cat >"$T/expect.json" <<EOF
{"messages": [{
  "source": "noreply@example.com",
  "destinations": ["ops@example.com", "admin@example.org"],
  "headers_present": {"From": "Logwatch", "To": "admin@example.org",
                      "Precedence": "bulk"},
  "body_lines": [" ################### Logwatch End #########################"],
  "stdin": "$T/msg"
}]}
EOF
ses_got
finish

# fail2ban 1.0.2, action.d/sendmail-common.conf: sendmail -f "<sender>"
# "<dest>", destemail root@localhost, no -t, no -i.
begin fail2ban
cat >"$T/msg" <<'EOF'
Subject: [Fail2Ban] sshd: banned 192.0.2.7 from web1
Date: Thu, 03 Dec 2026 10:00:00 +0000
From: Fail2Ban <fail2ban@example.com>
To: root@localhost

Hi,

The IP 192.0.2.7 has just been banned by Fail2Ban after
5 attempts against sshd.

Regards,

Fail2Ban
EOF
as_caller HOME=/root PATH=/usr/bin:/bin -- -f fail2ban@example.com root@localhost
caller_ok "sendmail failed" "$RC" "$T/out"
sesmail_ok 1
cat >"$T/expect.json" <<EOF
{"messages": [{
  "source": "fail2ban@example.com",
  "destinations": ["ops@example.com"],
  "headers_present": {"From": "fail2ban@example.com", "To": "root@localhost",
                      "Date": "Thu, 03 Dec 2026 10:00:00 +0000"},
  "header_counts": {"Date": 1},
  "stdin": "$T/msg"
}]}
EOF
ses_got
finish

if [ "$T_FAILS" -eq 0 ] && [ -n "$SKIPPED" ]; then
	echo "# $T_CHECKS callers passed; skipped:$SKIPPED"
	exit 77
fi
t_done
