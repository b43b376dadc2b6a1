#!/bin/sh
# cases.sh - every folder of tests/cases/ against sesmail and the recording
# fake SES (see tests/cases/README.md and CASES.md). One line a case.
# CASES="C01 C09" limits the run; VERBOSE=1 also prints sesmail's stderr.

TESTS_SRCDIR=${TESTS_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS_SRCDIR/lib.sh"

t_need_sesmail
t_setup

# shellcheck disable=SC2086 # CASES is a list of ids
"$PYTHON" "$TESTS_SRCDIR/integration/run_cases.py" \
	--sesmail "$SESMAIL" --cases "$TESTS_SRCDIR/cases" \
	--fakes "$TESTS_SRCDIR/fakes" --work "$T" \
	${VERBOSE:+--verbose} ${CASES:-}
rc=$?
exit $rc
