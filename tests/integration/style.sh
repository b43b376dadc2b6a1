#!/bin/sh
# style.sh - the habits STYLE.md asks for, checked by a tool rather than
# left to review: 80 columns (tabs at 8), no banned string and number
# calls, no C++ comments, in every C file of src/ and tests/unit/.
set -u
top=${TESTS_SRCDIR:-$(dirname "$0")/..}/..
failed=0

for f in "$top"/src/*.[ch] "$top"/tests/unit/*.c; do
	long=$(expand -t 8 "$f" | awk -v f="$f" \
	    'length($0) > 80 { printf "%s:%d: %d columns\n", f, NR, length($0) }')
	if [ -n "$long" ]; then
		echo "$long"
		failed=1
	fi
	banned=$(grep -nE '(^|[^_a-z])(sprintf|vsprintf|strcpy|strcat|strncat|strtok|atoi|atol|gets)[[:space:]]*\(' "$f" |
	    grep -vE '^[0-9]+:[[:space:]]*(/\*|\*)' | grep -v snprintf | grep -v 'vsnprintf')
	if [ -n "$banned" ]; then
		echo "$f: banned call:"
		echo "$banned"
		failed=1
	fi
	if grep -nE '^[^"]*//' "$f" | grep -vE 'https?://|file://' | grep -q .; then
		echo "$f: C++ comment:"
		grep -nE '^[^"]*//' "$f" | grep -vE 'https?://|file://' | head -3
		failed=1
	fi
done

[ "$failed" -eq 0 ] && echo "style: ok"
exit "$failed"
