# extras.sh - sesmail's own measurements, sourced by run_anchors.sh once
# the per-size runs are done and while the fakes still run (bash; uses its
# RUN, MSGS, OUT, CERT, URL, SHIM, HERE and ptime).
#
#  1. -bs: one `sesmail -bs` process sending BS_N (200) 1 KB messages over
#     one session, against BS_N separate `sesmail -t` processes in a loop;
#     BS_RUNS timed runs of each (and one more session, untimed, whose
#     250 replies are counted).  The fake counts the messages and the TLS
#     connections each way takes.                      -> run/bs.tsv
#  2. The CA store at start-up: a 1 KB send with sesmail's ca_file set to
#     one certificate, to the system bundle (what libcurl loads when
#     ca_file is unset) and to a hashed CA directory, and the same for
#     curl; CA_RUNS runs each, plus callgrind's instruction counts of the
#     sesmail ones when valgrind is installed.        -> run/ca.tsv
#  3. Unless PROFILE=0: callgrind on a 1 KB and a 1 MB send, the
#     functions that cost most.            -> run/callgrind-SIZE.txt
#
# ratios.py reads these files.

extras_conf() { # FILE CA - sesmail's configuration trusting CA
    sed -e "s|@URL@|$URL|g; s|@PORT@|$SES_PORT|g; s|@CA@|$2|g; s|@SPOOL@|$RUN/spool|g" \
        -e "s|@KEY_ID@|$AWS_ACCESS_KEY_ID|g; s|@SECRET@|$AWS_SECRET_ACCESS_KEY|g" \
        "$SHIM_CONF" > "$1"
    chmod 600 "$1"
}

extras_stats() { cat "$RUN/ses.stats"; } # messages bytes requests connections

[ -s "$MSGS/1k.eml" ] || python3 "$HERE/make_msgs.py" "$MSGS" 1k
one=$MSGS/1k.eml

# --- 1. one -bs session against separate processes -------------------------
python3 "$HERE/smtp_transcript.py" "$one" "$BS_N" > "$RUN/bs.smtp"
printf 'kind\tn\truns\tfails\twall_med\twall_min\twall_max\tcpu_med\tuser_med\tsys_med\tpeak_kib\tmessages\tconnections\treplies\n' \
    > "$RUN/bs.tsv"
# One untimed session first: every DATA must get its 250, over one connection.
# messages and connections are what the fake saw over all runs of a kind.
read -r m0 _ _ c0 < <(extras_stats)
"$SHIM" -C "$RUN/shim.conf" -bs < "$RUN/bs.smtp" > "$RUN/bs.out" 2> "$RUN/bs.err" || true
ok=$(grep -c '^250 2\.0\.0 Ok' "$RUN/bs.out" || true)
times=$("$RUN/ptime" -n "$BS_RUNS" -w 0 -e "$RUN/bs.err" -- \
    "$SHIM" -C "$RUN/shim.conf" -bs < "$RUN/bs.smtp")
read -r m1 _ _ c1 < <(extras_stats)
printf 'session\t%s\t%s\t%s\t%s\t%s\n' "$BS_N" "$times" $((m1 - m0)) \
    $((c1 - c0)) "$ok" >> "$RUN/bs.tsv"
echo "-bs session of $BS_N: $times" >&2
read -r m0 _ _ c0 < <(extras_stats)
times=$("$RUN/ptime" -n "$BS_RUNS" -w 0 -e "$RUN/bs.err" -- sh -c \
    "i=0; while [ \$i -lt $BS_N ]; do $SHIM -C $RUN/shim.conf -t < $one || exit 1; i=\$((i+1)); done" \
    < /dev/null)
read -r m1 _ _ c1 < <(extras_stats)
printf 'processes\t%s\t%s\t%s\t%s\t-\n' "$BS_N" "$times" $((m1 - m0)) \
    $((c1 - c0)) >> "$RUN/bs.tsv"
echo "$BS_N processes: $times" >&2

# --- 2. the CA store at start-up -----------------------------------------------
# The system bundle and a hashed directory of the same certificates, each
# with the fake's certificate added so that the send still verifies.
cat /etc/ssl/certs/ca-certificates.crt "$CERT" > "$OUT/tls/bundle.pem"
rm -rf "$OUT/tls/capath"
mkdir -p "$OUT/tls/capath"
for f in /etc/ssl/certs/*.[0-9]; do
    [ -e "$f" ] && ln -s "$f" "$OUT/tls/capath/${f##*/}"
done
h=$(openssl x509 -hash -noout -in "$CERT")
i=0
while [ -e "$OUT/tls/capath/$h.$i" ]; do i=$((i + 1)); done
cp "$CERT" "$OUT/tls/capath/$h.$i"
ncert=$(grep -c 'BEGIN CERTIFICATE' "$OUT/tls/bundle.pem")
extras_conf "$RUN/ca-one.conf" "$CERT"
extras_conf "$RUN/ca-bundle.conf" "$OUT/tls/bundle.pem"
extras_conf "$RUN/ca-dir.conf" "$OUT/tls/capath"

printf 'variant\tcerts\truns\tfails\twall_med\twall_min\twall_max\tcpu_med\tuser_med\tsys_med\tpeak_kib\tinstructions\n' \
    > "$RUN/ca.tsv"
callgrind_ir() { # OUTFILE COMMAND... < input: total instructions, or -
    if command -v valgrind > /dev/null 2>&1 &&
        valgrind --tool=callgrind --callgrind-out-file="$1" "${@:2}" \
        > /dev/null 2>> "$RUN/callgrind.err"; then
        sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$1"
    else
        echo -
    fi
}
for v in one:1 bundle:$ncert dir:$ncert; do
    name=${v%%:*} n=${v#*:}
    conf=$RUN/ca-$name.conf
    # A build whose ca_file does not take a directory fails here: noted.
    if ! "$SHIM" -C "$conf" -t < "$one" > /dev/null 2>> "$RUN/ca.err"; then
        printf 'sesmail-%s\t%s\tunsupported\n' "$name" "$n" >> "$RUN/ca.tsv"
        continue
    fi
    times=$("$RUN/ptime" -n "$CA_RUNS" -w 1 -e "$RUN/ca.err" -- \
        "$SHIM" -C "$conf" -t < "$one")
    ir=$(callgrind_ir "$RUN/callgrind-ca-$name.out" "$SHIM" -C "$conf" -t < "$one")
    printf 'sesmail-%s\t%s\t%s\t%s\n' "$name" "$n" "$times" "$ir" >> "$RUN/ca.tsv"
done
# (The curl tool loads its built-in bundle even with --capath, so it has
# no directory variant.)
for v in "one:1:--cacert $CERT" "bundle:$ncert:--cacert $OUT/tls/bundle.pem"; do
    name=${v%%:*} rest=${v#*:}
    n=${rest%%:*} opt=${rest#*:}
    # shellcheck disable=SC2086 # opt is two words
    times=$("$RUN/ptime" -n "$CA_RUNS" -w 1 -e "$RUN/ca.err" -- curl -s --fail $opt \
        -H 'Content-Type: application/x-www-form-urlencoded' \
        --data-binary "@$MSGS/1k.form" "$URL/" < /dev/null)
    printf 'curl-%s\t%s\t%s\t-\n' "$name" "$n" "$times" >> "$RUN/ca.tsv"
done
# Start-up alone: sesmail -bv reads its configuration and checks an
# address without any network; /bin/true is the process floor.
times=$("$RUN/ptime" -n "$CA_RUNS" -w 1 -e "$RUN/ca.err" -- \
    "$SHIM" -C "$RUN/shim.conf" -bv rcpt@example.com < /dev/null)
printf 'sesmail-bv\t0\t%s\t-\n' "$times" >> "$RUN/ca.tsv"
echo "CA store: see $RUN/ca.tsv" >&2

# --- 3. where the instructions go -----------------------------------------------
if [ "${PROFILE:-}" != 0 ] && command -v valgrind > /dev/null 2>&1; then
    for size in 1k 1m; do
        [ -s "$MSGS/$size.eml" ] || python3 "$HERE/make_msgs.py" "$MSGS" "$size"
        out=$RUN/callgrind-$size.out
        if valgrind --tool=callgrind --callgrind-out-file="$out" \
            "$SHIM" -C "$RUN/shim.conf" -t < "$MSGS/$size.eml" \
            > /dev/null 2>> "$RUN/callgrind.err"; then
            { echo "## self cost"
              callgrind_annotate "$out" 2> /dev/null |
                  sed -n '/PROGRAM TOTALS/p; /file:function/,$p' | sed -n '1,40p'
              echo "## inclusive cost"
              callgrind_annotate --inclusive=yes "$out" 2> /dev/null |
                  sed -n '/file:function/,$p' | sed -n '1,60p'
            } > "$RUN/callgrind-$size.txt"
            echo "callgrind $size: $RUN/callgrind-$size.txt" >&2
        fi
    done
fi
