#!/bin/sh
# bench.sh - what `make bench` runs: sesmail against the curl floor, msmtp,
# the AWS CLI and boto3, one message per process, on 127.0.0.1 only.
#
#   SESMAIL=path/to/sesmail OUT=dir sh bench/bench.sh
#
# Installs the bench's Debian packages when run as root and some are
# missing, runs run_anchors.sh (with extras.sh: -bs, the CA store,
# callgrind) and prints ratios.py's table; OUT/bench.md keeps that table,
# OUT/anchors.md every figure. Settings (see README.md): SIZES (1k 100k
# 1m 7m 28m 30m), PEERS (all), RUNS (20), N (20), BS_N (200), BS_RUNS (3),
# CA_RUNS (20), PROFILE (0 skips callgrind), SES_PORT, SMTP_PORT.

HERE=$(cd "$(dirname "$0")" && pwd)
: "${SESMAIL:?set SESMAIL to the sesmail binary}"
: "${OUT:?set OUT to a directory for the results}"

PKGS="python3 python3-aiosmtpd python3-boto3 awscli msmtp curl openssl gcc
valgrind"
missing=
if command -v dpkg-query >/dev/null 2>&1; then
	for p in $PKGS; do
		st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
		[ "$st" = installed ] || missing="$missing $p"
	done
fi
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "bench: installing:$missing" >&2
		export DEBIAN_FRONTEND=noninteractive
		# shellcheck disable=SC2086 # a list of package names
		apt-get update -q >/dev/null &&
			apt-get install -y -q --no-install-recommends $missing ||
			echo "bench: apt-get failed; some peers may fail" >&2
	else
		echo "bench: missing (install them as root):$missing" >&2
	fi
fi

# The harness skips a name it does not know without a word, and would
# time nothing: sesmail is "shim" there.
for p in ${PEERS:-}; do
	case $p in
	true | shim | curl | msmtp | boto3 | awscli) ;;
	*)
		echo "bench: unknown peer '$p' in PEERS (sesmail is 'shim';" \
		    "the others: true curl msmtp boto3 awscli)" >&2
		exit 64
		;;
	esac
done

mkdir -p "$OUT" || exit 1
SHIM=$SESMAIL SHIM_CONF=$HERE/sesmail.conf.in OUT=$OUT \
	SIZES=${SIZES:-1k 100k 1m 7m 28m 30m} RUNS=${RUNS:-20} N=${N:-20} \
	bash "$HERE/run_anchors.sh" || exit 1
python3 "$HERE/ratios.py" "$OUT/run" "$OUT/msgs" >"$OUT/bench.md" || exit 1
cat "$OUT/bench.md"
echo "bench: every figure in $OUT/anchors.md, this table in $OUT/bench.md" >&2
