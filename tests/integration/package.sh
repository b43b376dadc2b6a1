#!/bin/sh
# package.sh - the Debian package end to end, as an administrator meets
# it: build the .deb from a clean copy of the tree (packaging/debian as
# debian/, "make check" left to the other builds), lintian with no error,
# install it with apt-get, check the files and the sendmail alternatives,
# send a message as "sendmail -t" through /usr/sbin/sendmail to the
# recording fake SES on 127.0.0.1, then remove and purge the package and
# check that nothing of it is left. Then the RPM: built with rpmbuild -tb
# from the tarball of "make dist", its files looked at, and its
# alternatives scriptlets run against a scratch root.
#
# What purge keeps, on purpose: the sesmail group, as most Debian packages
# keep their system groups: key files may still carry its id, and
# a group created later with the same id could read them. This test
# checks that the group is still there, then deletes it if the test made
# it.
#
# Root on a dpkg system only (else exit 77, saying why); it installs
# what it lacks (dpkg-dev, debhelper, fakeroot, lintian, the build
# dependencies, rpm) with apt-get. It skips rather than replace an MTA or a
# sesmail package that is already installed, and leaves the machine as
# it found it: the package purged, the group gone if it made it, an
# existing /etc/sesmail.conf and /var/spool/sesmail put back.
#
# tests/all.sh runs it once, after both builds. By hand, as root:
#   sh tests/integration/package.sh        (KEEP_TMP=1 keeps the build)

TESTS_SRCDIR=${TESTS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
ROOT=$(cd "$TESTS_SRCDIR/.." && pwd)
. "$TESTS_SRCDIR/lib.sh"

[ "$(id -u)" = 0 ] || t_skip "not root: installing a package needs root"
if ! command -v dpkg >/dev/null 2>&1 ||
	! command -v apt-get >/dev/null 2>&1; then
	t_skip "not a dpkg system (no dpkg or apt-get)"
fi
[ -d "$ROOT/packaging/debian" ] || t_skip "no packaging/debian in $ROOT"

export DEBIAN_FRONTEND=noninteractive

# The tools first; the build dependencies once the tree is copied.
need=
for p in dpkg-dev debhelper fakeroot lintian; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
	[ "$st" = installed ] || need="$need $p"
done
if [ -n "$need" ]; then
	echo "# installing:$need"
	# shellcheck disable=SC2086 # a list of package names
	apt-get install -y -q --no-install-recommends $need >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null 2>&1 &&
		apt-get install -y -q --no-install-recommends $need \
			>/dev/null 2>&1; } ||
		t_skip "could not install$need with apt-get"
fi
command -v dpkg-buildpackage >/dev/null 2>&1 ||
	t_skip "dpkg-buildpackage not found"

# Never replace what the machine already has.
st=$(dpkg-query -W -f='${db:Status-Status}' sesmail 2>/dev/null)
[ -z "$st" ] || [ "$st" = not-installed ] ||
	t_skip "a sesmail package is already on this machine ($st)"
if [ -e /usr/sbin/sendmail ] || [ -L /usr/sbin/sendmail ]; then
	mta=$(readlink -f /usr/sbin/sendmail)
	t_skip "an MTA is installed ($mta): the package would replace it"
fi

t_setup

# --- state to restore --------------------------------------------------------
had_group=0
getent group sesmail >/dev/null 2>&1 && had_group=1
had_spool=
if [ -d /var/spool/sesmail ]; then
	had_spool=$(stat -c '%a %u %g' /var/spool/sesmail)
fi
pkg_cleanup() {
	st=$(dpkg-query -W -f='${db:Status-Status}' sesmail 2>/dev/null)
	if [ -n "$st" ] && [ "$st" != not-installed ]; then
		echo "# purging the sesmail package left by a failed check"
		dpkg --purge sesmail >/dev/null 2>&1
	fi
	if [ "$had_group" = 0 ] && getent group sesmail >/dev/null 2>&1; then
		groupdel sesmail
	fi
	if [ -n "$had_spool" ] && [ ! -d /var/spool/sesmail ]; then
		# shellcheck disable=SC2086 # mode, uid, gid
		set -- $had_spool
		mkdir -p /var/spool/sesmail &&
			chown "$2:$3" /var/spool/sesmail &&
			chmod "$1" /var/spool/sesmail
	fi
	if [ -e "$T/saved-sesmail.conf" ]; then
		rm -f /etc/sesmail.conf
		mv "$T/saved-sesmail.conf" /etc/sesmail.conf
	fi
}
trap 'pkg_cleanup; t_cleanup' EXIT
if [ -e /etc/sesmail.conf ]; then
	mv /etc/sesmail.conf "$T/saved-sesmail.conf" ||
		t_hard_error "cannot move /etc/sesmail.conf aside"
fi

# --- 1. a clean copy of the tree, and the .deb -------------------------------
clean=$T/clean
src=$T/build/sesmail
mkdir -p "$clean" "$T/build"
if command -v git >/dev/null 2>&1 &&
	git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# Tracked and new files as they are now; nothing that is ignored
	# (builds, configure output).
	(cd "$ROOT" && git ls-files -z -c -o --exclude-standard |
		tar --null --ignore-failed-read -cf - -T - 2>/dev/null) |
		tar -xf - -C "$clean"
else
	tar -C "$ROOT" --exclude=./.git --exclude='./build*' \
		--exclude=./autom4te.cache -cf - . | tar -xf - -C "$clean"
fi
[ -f "$clean/configure.ac" ] || t_hard_error "copying the tree failed"
cp -a "$clean" "$src"
rm -rf "$src/debian"
cp -r "$src/packaging/debian" "$src/debian"

if ! (cd "$src" && dpkg-checkbuilddeps) >/dev/null 2>&1; then
	deps=$(awk '/^Build-Depends:/ { f = 1; sub(/^Build-Depends:/, "");
		print; next } f && /^[ \t]/ { print; next } { f = 0 }' \
		"$src/debian/control" | tr '\n' ' ')
	echo "# installing the build dependencies"
	apt-get satisfy -y -q --no-install-recommends "$deps" >/dev/null 2>&1 ||
		t_skip "could not install the build dependencies: $deps"
fi

echo "# dpkg-buildpackage -us -uc -b (nocheck)"
if ! (cd "$src" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
	timeout 600 dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1; then
	tail -n 40 "$T/build.log"
	t_fail "dpkg-buildpackage failed"
	t_done
fi
deb=$(ls "$T"/build/sesmail_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || { t_fail "no .deb was built"; t_done; }
t_ok "built $(basename "$deb")"

if lintian --fail-on error "$deb" >"$T/lintian.out" 2>&1; then
	t_ok "lintian: no error"
else
	t_fail "lintian: $(grep -E '^E:' "$T/lintian.out" | head -n 10)"
fi
grep -E '^[EW]:' "$T/lintian.out" | sed 's/^/# lintian /'

# --- 2. install and look -----------------------------------------------------
if ! apt-get install -y -q --no-install-recommends "$deb" \
	>"$T/install.log" 2>&1; then
	tail -n 20 "$T/install.log"
	t_fail "apt-get install $(basename "$deb") failed"
	t_done
fi
t_ok "installed with apt-get"
dpkg -L sesmail >"$T/files"

# mode owner group of a path
perms() {
	stat -c '%a %U %G' "$1" 2>/dev/null || echo missing
}

t_check_eq "/usr/sbin/sesmail" "755 root root" "$(perms /usr/sbin/sesmail)"
t_check_eq "/etc/sesmail.conf, root's" "644 root root" \
	"$(perms /etc/sesmail.conf)"
if dpkg-query -W -f='${Conffiles}\n' sesmail |
	grep -q '^ */etc/sesmail.conf '; then
	t_ok "/etc/sesmail.conf is a conffile"
else
	t_fail "/etc/sesmail.conf is not a conffile"
fi
t_check_eq "spool /var/spool/sesmail" "1733 root root" \
	"$(perms /var/spool/sesmail)"
for f in /usr/share/man/man8/sesmail.8.gz \
	/usr/share/man/man5/sesmail.conf.5.gz \
	/usr/share/doc/sesmail/iam-policy.json; do
	if [ -f "$f" ]; then t_ok "$f"; else t_fail "$f missing"; fi
done
if getent group sesmail >/dev/null 2>&1; then
	t_ok "group sesmail"
else
	t_fail "no group sesmail"
fi

update-alternatives --query sendmail >"$T/alt" 2>&1
t_check_contains "alternative sendmail is sesmail" "$T/alt" \
	"Value: /usr/sbin/sesmail"
for l in /usr/sbin/sendmail /usr/lib/sendmail /usr/bin/mailq \
	/usr/sbin/newaliases; do
	t_check_eq "$l leads to sesmail" /usr/sbin/sesmail "$(readlink -f "$l")"
done
for l in /usr/share/man/man8/sendmail.8.gz /usr/share/man/man1/mailq.1.gz \
	/usr/share/man/man8/newaliases.8.gz; do
	t_check_eq "$l leads to sesmail(8)" /usr/share/man/man8/sesmail.8.gz \
		"$(readlink -f "$l")"
done

# --- 3. send through /usr/sbin/sendmail --------------------------------------
fake_start pkg
conf_write "$T/sesmail.conf" "$FAKE_PORT"
cat >"$T/msg" <<'EOF'
From: Package Test <noreply@example.com>
To: pkg@example.org
Subject: installed from the .deb

Sent through /usr/sbin/sendmail.
EOF
SESMAIL=/usr/sbin/sendmail
sesmail_run "$T/msg" -C "$T/sesmail.conf" -t
t_check_rc "sendmail -t through the alternative" 0
t_check_calls "one SendRawEmail" 1
t_check_eq "its destination" pkg@example.org "$(rec dests)"
t_check_eq "its subject" "installed from the .deb" \
	"$(rec header -1 Subject)"
if rec sig >"$T/sig" 2>&1; then
	t_ok "signed as SES wants"
else
	t_fail "signature: $(cat "$T/sig")"
fi

SESMAIL=/usr/lib/sendmail
sesmail_run /dev/null -C "$T/sesmail.conf" -bv root
t_check_rc "/usr/lib/sendmail -bv" 0
t_check_contains "root goes through the aliases file" "$OUT" \
	ops@example.com
SESMAIL=/usr/sbin/newaliases
sesmail_run /dev/null -C "$T/sesmail.conf"
t_check_rc "newaliases checks the aliases file" 0
SESMAIL=/usr/bin/mailq
sesmail_run /dev/null -C "$T/sesmail.conf"
t_check_rc "mailq" 0

# --- 4. remove, then purge ---------------------------------------------------
# A user's directory in the spool, empty, as the spool leaves it once SES
# has every message: purge must take it away with the spool.
mkdir -p /var/spool/sesmail/65534 && chown 65534 /var/spool/sesmail/65534 &&
	chmod 0700 /var/spool/sesmail/65534
if apt-get remove -y -q sesmail >"$T/remove.log" 2>&1; then
	t_ok "apt-get remove"
else
	tail -n 20 "$T/remove.log"
	t_fail "apt-get remove failed"
fi
t_check_eq "after remove: state" config-files \
	"$(dpkg-query -W -f='${db:Status-Status}' sesmail 2>/dev/null)"
if [ -e /usr/sbin/sesmail ]; then
	t_fail "after remove: /usr/sbin/sesmail is still there"
else
	t_ok "after remove: no /usr/sbin/sesmail"
fi
left=
for l in /usr/sbin/sendmail /usr/lib/sendmail /usr/bin/mailq \
	/usr/sbin/newaliases /usr/share/man/man8/sendmail.8.gz \
	/usr/share/man/man1/mailq.1.gz /usr/share/man/man8/newaliases.8.gz; do
	if [ -e "$l" ] || [ -L "$l" ]; then
		left="$left $l"
	fi
done
t_check_eq "after remove: no sendmail, mailq, newaliases links" "" "$left"
if update-alternatives --query sendmail >/dev/null 2>&1; then
	t_fail "after remove: the sendmail alternative is still registered"
else
	t_ok "after remove: no sendmail alternative"
fi
if [ -f /etc/sesmail.conf ]; then
	t_ok "after remove: /etc/sesmail.conf kept until purge"
else
	t_fail "after remove: /etc/sesmail.conf is gone already"
fi

if dpkg --purge sesmail >"$T/purge.log" 2>&1; then
	t_ok "dpkg --purge"
else
	cat "$T/purge.log"
	t_fail "dpkg --purge failed"
fi
st=$(dpkg-query -W -f='${db:Status-Status}' sesmail 2>/dev/null)
if [ -z "$st" ] || [ "$st" = not-installed ]; then
	t_ok "after purge: dpkg knows no sesmail"
else
	t_fail "after purge: sesmail is $st"
fi
left=
while read -r f; do
	if [ ! -d "$f" ] && { [ -e "$f" ] || [ -L "$f" ]; }; then
		left="$left $f"
	fi
done <"$T/files"
for f in /etc/sesmail.conf /var/spool/sesmail /etc/alternatives/sendmail \
	/etc/alternatives/mailq /etc/alternatives/newaliases \
	/etc/alternatives/lib-sendmail /etc/alternatives/sendmail.8.gz \
	/etc/alternatives/mailq.1.gz /etc/alternatives/newaliases.8.gz \
	/var/lib/dpkg/alternatives/sendmail /usr/share/doc/sesmail; do
	if [ -e "$f" ] || [ -L "$f" ]; then
		left="$left $f"
	fi
done
t_check_eq "after purge: nothing of the package is left" "" "$left"
if getent group sesmail >/dev/null 2>&1; then
	t_ok "after purge: group sesmail kept, as documented"
else
	t_fail "after purge: group sesmail was deleted"
fi


# --- 5. the RPM, from the tarball of "make dist" -----------------------------
# Built with Debian's rpm (--nodeps: its database knows no Fedora
# package); the scriptlets run against a scratch root with Debian's
# update-alternatives, whose command line is Fedora's alternatives'.
command -v rpmbuild >/dev/null 2>&1 ||
	apt-get install -y -q --no-install-recommends rpm >/dev/null 2>&1
if ! command -v rpmbuild >/dev/null 2>&1; then
	echo "# rpmbuild not found and not installable: the RPM is not checked"
	t_done
fi
rsrc=$T/rpm/src
mkdir -p "$T/rpm"
cp -a "$clean" "$rsrc"
if ! (cd "$rsrc" && autoreconf -fi && ./configure && make dist) \
	>"$T/dist.log" 2>&1; then
	tail -n 30 "$T/dist.log"
	t_fail "make dist failed"
	t_done
fi
if ! rpmbuild -tb --nodeps --without check --define "_topdir $T/rpm/top" \
	"$rsrc"/sesmail-*.tar.gz >"$T/rpm.log" 2>&1; then
	tail -n 30 "$T/rpm.log"
	t_fail "rpmbuild -tb failed"
	t_done
fi
rpmf=$(ls "$T"/rpm/top/RPMS/*/sesmail-*.rpm 2>/dev/null | head -n 1)
[ -n "$rpmf" ] || { t_fail "no .rpm was built"; t_done; }
t_ok "rpmbuild -tb: $(basename "$rpmf")"

rpm -qlvp "$rpmf" >"$T/rpm.files" 2>&1
if grep -Eq '^drwx-wx-wt +[0-9]+ +root +root .* /var/spool/sesmail$' \
	"$T/rpm.files"; then
	t_ok "rpm: /var/spool/sesmail 1733 root"
else
	t_fail "rpm: no /var/spool/sesmail 1733 root in $(cat "$T/rpm.files")"
fi
t_check_eq "rpm: /etc/sesmail.conf is %config" /etc/sesmail.conf \
	"$(rpm -qp --configfiles "$rpmf" 2>/dev/null)"
t_check_contains "rpm: ships /usr/sbin/sesmail" "$T/rpm.files" \
	/usr/sbin/sesmail
rpm -qp --provides "$rpmf" >"$T/rpm.provides" 2>&1
t_check_contains "rpm: provides MTA" "$T/rpm.provides" MTA

R=$T/rpm/root
mkdir -p "$R/var/lib/dpkg/alternatives" "$R/etc/alternatives" \
	"$R/usr/bin" "$R/usr/lib" "$R/usr/share/man/man1"
(cd "$R" && rpm2archive - <"$rpmf" | tar -xzf -) ||
	t_fail "rpm2archive could not unpack the .rpm"
for s in POSTIN PREUN; do
	rpm -qp --queryformat "%{$s}\n" "$rpmf" 2>/dev/null |
		sed "s,/usr/sbin/alternatives,update-alternatives --root $R," \
		>"$T/rpm.$s"
done
sh "$T/rpm.POSTIN" 1 >/dev/null 2>&1
update-alternatives --root "$R" --query mta >"$T/rpm.alt" 2>&1
t_check_contains "rpm %post: mta is sesmail" "$T/rpm.alt" \
	"Value: /usr/sbin/sesmail"
for slave in mta-sendmail mta-mailq mta-newaliases mta-sendmailman \
	mta-mailqman mta-newaliasesman; do
	target=$(readlink "$R/etc/alternatives/$slave")
	if [ -n "$target" ] && [ -f "$R$target" ]; then
		t_ok "rpm %post: $slave -> $target"
	else
		t_fail "rpm %post: $slave leads nowhere ('$target')"
	fi
done
sh "$T/rpm.PREUN" 0 >/dev/null 2>&1
if update-alternatives --root "$R" --query mta >/dev/null 2>&1 ||
	[ -L "$R/usr/sbin/sendmail" ] || [ -L "$R/usr/bin/mailq" ]; then
	t_fail "rpm %preun: the mta alternative is still there"
else
	t_ok "rpm %preun: the mta alternative is gone"
fi

t_done
