#!/bin/sh
# install-callers.sh - the programs tests/integration/callers.sh drives:
# PHP with PHPMailer and Symfony Mailer, s-nail, GNU mailutils, git
# send-email, swaks (apt-get, without recommends), and bsd-mailx, which is
# only unpacked into a cache directory: its package depends on an MTA
# (default-mta | mail-transport-agent), and no real MTA may be installed
# on a machine that tests a sendmail replacement.
#
# Debian 12, as root. Safe to run again: it installs only what is missing.
# CALLERS_CACHE (default /var/cache/sesmail-callers) receives bsd-mailx;
# callers.sh looks for it there. Exit 0 when everything is in place, 1
# otherwise (what is missing is named; callers.sh then skips those
# callers and says why).

CALLERS_CACHE=${CALLERS_CACHE:-/var/cache/sesmail-callers}
PKGS="php-cli libphp-phpmailer php-symfony-mailer s-nail mailutils git
git-email libmailtools-perl swaks libbsd0 liblockfile1"

say() {
	printf 'install-callers: %s\n' "$*"
}

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	# shellcheck disable=SC2086 # a list of package names
	say "not root or no apt-get: install by hand:" $PKGS bsd-mailx
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive

missing() {
	_m=
	for p in $PKGS; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
		[ "$st" = installed ] || _m="$_m $p"
	done
	echo "$_m"
}

updated=0
update_once() {
	[ "$updated" = 1 ] && return 0
	updated=1
	apt-get update -q >/dev/null
}

# An MTA must never come in: mailutils recommends one, so no recommends.
# Refuse outright if the resolver still wants to install one.
install_pkgs() {
	# shellcheck disable=SC2086 # a list of package names
	if apt-get install -s -q --no-install-recommends "$@" 2>/dev/null |
		grep -E '^Inst (exim4|postfix|sendmail|nullmailer|dma|msmtp-mta|ssmtp|opensmtpd|courier-mta|citadel-mta|masqmail)[ -]' >&2; then
		say "refusing: that would install an MTA"
		return 1
	fi
	apt-get install -y -q --no-install-recommends "$@" >/dev/null
}

rc=0
m=$(missing)
if [ -n "$m" ]; then
	say "installing:$m"
	# shellcheck disable=SC2086
	install_pkgs $m || { update_once && install_pkgs $m; } || {
		say "apt-get install failed for:$m"
		rc=1
	}
fi

# bsd-mailx: download the .deb and unpack it, never install it.
if [ ! -x "$CALLERS_CACHE/usr/bin/bsd-mailx" ]; then
	say "unpacking bsd-mailx into $CALLERS_CACHE"
	dl=$(mktemp -d) || exit 1
	chmod 0755 "$dl"	# apt's download sandbox user must write here
	if (cd "$dl" && { apt-get download -q bsd-mailx >/dev/null 2>&1 ||
		{ update_once && apt-get download -q bsd-mailx >/dev/null; }; }) &&
		mkdir -p "$CALLERS_CACHE" &&
		dpkg-deb -x "$dl"/bsd-mailx_*.deb "$CALLERS_CACHE"; then
		:
	else
		say "could not download or unpack bsd-mailx"
		rc=1
	fi
	rm -rf "$dl"
fi

m=$(missing)
[ -z "$m" ] || { say "still missing:$m"; rc=1; }
[ -x "$CALLERS_CACHE/usr/bin/bsd-mailx" ] || rc=1
[ "$rc" = 0 ] && say "all callers in place"
exit "$rc"
