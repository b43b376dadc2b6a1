#!/bin/sh
# soak.sh - many messages through sesmail while 30 % of the SES calls fail
# at random (5xx, throttling, daily quota, rejections, resets, replies
# lost after SES took the message, truncated and unreadable replies) and
# about one sesmail in ten is killed with SIGKILL at a random moment.
# Then sesmail -q runs until the spool is empty. At the end every message
# must have been taken by the fake SES or still be kept: 0 lost, and the
# counts add up. It reports how many were sent twice.
#
#   make check-soak                       1,000 messages (a few minutes)
#   SOAK_MESSAGES=60 sh soak.sh           the short run faults.sh makes
#
# SOAK_JOBS (8) sesmail processes run at once; SOAK_FAIL (0.3) is the
# share of failing calls, SOAK_KILL (0.1) of killed processes, SOAK_SEED
# (1) seeds both.

TESTS_SRCDIR=${TESTS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS_SRCDIR/lib.sh"

t_need_sesmail
t_setup

N=${SOAK_MESSAGES:-1000}
SEED=${SOAK_SEED:-1}

"$PYTHON" "$FAKES/fault_ses.py" --port-file "$T/soak.port" \
	--record "$T/soak.jsonl" --idle 600 --seed "$SEED" \
	--fail-rate "${SOAK_FAIL:-0.3}" \
	--faults 500,503,throttle,quota,rejected,reset,lost,truncated,garbage \
	>"$T/soak.log" 2>&1 &
T_PIDS="$T_PIDS $!"
t_wait_file "$T/soak.port" || t_hard_error "fault_ses did not start"

t_spool_dir
cat >"$T/soak.conf" <<EOF
region = "us-east-1"
endpoint = "http://127.0.0.1:$(cat "$T/soak.port")/"
sender = "noreply@example.com"
domain = "example.com"
spool = "$T/spool"
connect_timeout = 2
timeout = 5
retry {
	max_attempts = 3
	max_time = 10
	base_delay = 0.01
}
EOF
chmod 0600 "$T/soak.conf"

if "$PYTHON" "$FAKES/soak.py" "$SESMAIL" "$T/soak.conf" "$T/spool" \
	"$T/soak.jsonl" --messages "$N" --jobs "${SOAK_JOBS:-8}" \
	--kill "${SOAK_KILL:-0.1}" --seed "$SEED"; then
	t_ok "soak: $N messages, none lost"
else
	t_fail "soak: a message was lost or the counts do not add up"
fi
t_done
