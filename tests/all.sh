#!/bin/sh
# all.sh - the whole test suite, as the README says: sh tests/all.sh
#
# On Debian 12 as root it first installs what is missing (apt-get), then
# builds twice from a fresh autoreconf and runs `make check` in each:
#   build/normal  --enable-werror
#   build/asan    AddressSanitizer + UndefinedBehaviorSanitizer, leaks on
# then, once, tests/integration/package.sh (the .deb and the .rpm).
# It prints the log of every failing test and ends with one line
# "N passed, N failed, N skipped" over both runs and the package test
# (ERROR and XPASS count as failed; a build that fails counts as one
# failed). Exit 0 only when nothing failed. Works from any directory.
# JOBS=N sets make's -j (2).
# "sh tests/all.sh --deps-only" installs the dependencies and stops
# (tests/demo.sh uses it).

cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
JOBS=${JOBS:-2}

say() {
	printf '==> %s\n' "$*"
}

# --- 1. build dependencies ---------------------------------------------------
PKGS="build-essential autoconf automake pkg-config libcurl4-openssl-dev
libssl-dev libconfuse-dev libexpat1-dev libjson-c-dev libcmocka-dev
libidn2-dev python3 curl"
missing=
if command -v dpkg-query >/dev/null 2>&1; then
	for p in $PKGS; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
		[ "$st" = installed ] || missing="$missing $p"
	done
fi
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		say "installing:$missing"
		export DEBIAN_FRONTEND=noninteractive
		# shellcheck disable=SC2086 # a list of package names
		if ! apt-get update -q >/dev/null ||
			! apt-get install -y -q --no-install-recommends $missing; then
			say "apt-get failed; the build may fail below"
		fi
	else
		say "missing packages (install them as root):$missing"
	fi
fi

# moto_server is needed by tests/integration/moto.sh only; without it
# that test is skipped (exit 77), never failed.
if ! command -v moto_server >/dev/null 2>&1; then
	say "moto_server not found: trying pip install 'moto[server]'"
	if python3 -m pip --version >/dev/null 2>&1 &&
		timeout 600 python3 -m pip install -q 'moto[server]' >/dev/null 2>&1; then
		:
	elif python3 -m venv "$ROOT/build/moto-venv" >/dev/null 2>&1 &&
		timeout 600 "$ROOT/build/moto-venv/bin/pip" install -q 'moto[server]' \
			>/dev/null 2>&1; then
		PATH=$ROOT/build/moto-venv/bin:$PATH
		export PATH
	else
		rm -rf "$ROOT/build/moto-venv"
	fi
	command -v moto_server >/dev/null 2>&1 ||
		say "moto could not be installed: the moto test will be skipped"
fi

[ "${1:-}" = --deps-only ] && exit 0

# The programs that call sendmail (PHP, mailx, git, cron's argv...), for
# tests/integration/callers.sh; it installs no MTA.
if [ "$(id -u)" = 0 ]; then
	say "installing the real callers (tests/install-callers.sh)"
	sh "$ROOT/tests/install-callers.sh" ||
		say "some callers could not be installed: their tests will skip"
fi

# --- 2. build and check twice ----------------------------------------------------
# The tests reach nothing but 127.0.0.1; make sure no inherited setting
# points them elsewhere.
AWS_EC2_METADATA_DISABLED=true
AWS_CONFIG_FILE=/dev/null
AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE

npass=0 nfail=0 nskip=0

say "autoreconf -fi"
if ! autoreconf -fi >"$ROOT/build-autoreconf.log" 2>&1; then
	cat "$ROOT/build-autoreconf.log"
	say "autoreconf failed"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
rm -f "$ROOT/build-autoreconf.log"

# count DIR - add the results of DIR/test-suite.log to the totals.
count() {
	log=$1/test-suite.log
	if [ ! -f "$log" ]; then
		tail -n 40 "$1/check.out"
		say "$1: make check ran no test (building the tests failed?)"
		nfail=$((nfail + 1))
		return
	fi
	get() {
		v=$(sed -n "s/^# $1: *\([0-9][0-9]*\).*/\1/p" "$log" | head -n 1)
		echo "${v:-0}"
	}
	p=$(get PASS) xf=$(get XFAIL) f=$(get FAIL) e=$(get ERROR)
	xp=$(get XPASS) s=$(get SKIP)
	npass=$((npass + p + xf))
	nfail=$((nfail + f + e + xp))
	nskip=$((nskip + s))
	say "$1: $p passed, $((f + e + xp)) failed, $s skipped"
}

# show_failures DIR - print the log of every test that did not pass.
show_failures() {
	find "$1" -name '*.trs' | sort | while read -r trs; do
		if grep -Eq '^:test-result: (FAIL|ERROR|XPASS)' "$trs"; then
			printf '\n----- %s -----\n' "${trs%.trs}.log"
			cat "${trs%.trs}.log"
		fi
	done
}

# run_build NAME CONFIGURE-ARGS... - configure, make and make check in
# build/NAME, with CFLAGS and the sanitizer options of the environment.
run_build() {
	name=$1
	shift
	dir=$ROOT/build/$name
	rm -rf "$dir"
	mkdir -p "$dir"
	say "$name: configure $*"
	if ! (cd "$dir" && "$ROOT/configure" "$@") >"$dir/configure.out" 2>&1; then
		cat "$dir/configure.out"
		say "$name: configure failed"
		nfail=$((nfail + 1))
		return
	fi
	say "$name: make"
	if ! make -C "$dir" -j"$JOBS" >"$dir/make.out" 2>&1; then
		cat "$dir/make.out"
		say "$name: build failed"
		nfail=$((nfail + 1))
		return
	fi
	say "$name: make check"
	make -C "$dir" -j"$JOBS" check >"$dir/check.out" 2>&1
	grep -E '^(PASS|FAIL|ERROR|XPASS|XFAIL|SKIP):' "$dir/check.out"
	show_failures "$dir"
	count "$dir"
}

run_build normal --enable-werror

CFLAGS='-g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer'
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
ASAN_OPTIONS=detect_leaks=1
export CFLAGS UBSAN_OPTIONS ASAN_OPTIONS
run_build asan
unset CFLAGS UBSAN_OPTIONS ASAN_OPTIONS

# --- 3. the packages, once ---------------------------------------------------
# Build the .deb from a clean copy, install it, send through
# /usr/sbin/sendmail, remove and purge it; build the RPM. One test in the
# totals; it skips (77) when not root or not on dpkg.
say "packages: tests/integration/package.sh"
mkdir -p "$ROOT/build"
timeout 900 sh "$ROOT/tests/integration/package.sh" \
	>"$ROOT/build/package.out" 2>&1
rc=$?
grep -E '^(FAIL|SKIP|# [0-9]+ checks)' "$ROOT/build/package.out"
case $rc in
0)	npass=$((npass + 1)); say "packages: passed" ;;
77)	nskip=$((nskip + 1)); say "packages: skipped" ;;
*)	cat "$ROOT/build/package.out"
	nfail=$((nfail + 1)); say "packages: failed (exit $rc)" ;;
esac

echo "$npass passed, $nfail failed, $nskip skipped"
[ "$nfail" -eq 0 ]
