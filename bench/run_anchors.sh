#!/bin/bash
# Time what a sendmail-to-SES user would otherwise run, one message per process,
# against local fakes on 127.0.0.1, and write anchors.md.
#
#   [SHIM=/path/to/shim [SHIM_CONF=conf.in]] [RUNS=10] [N=200] [SIZES="1k 100k 1m 7m 30m"] \
#   [PEERS="shim curl msmtp boto3 awscli"] [OUT=dir for msgs/ tls/ run/ anchors.md] \
#   [SES_PORT=18443] [SMTP_PORT=18587] ./run_anchors.sh
#
# With SHIM set, extras.sh then also times one -bs session of BS_N messages
# against BS_N processes, the CA store at start-up, and (PROFILE=1) runs
# callgrind: see extras.sh.
#
# Needs: python3 python3-aiosmtpd python3-boto3 awscli msmtp curl openssl gcc (Debian).
# Raw figures: run/results.tsv; what the peers printed on stderr: run/PEER-SIZE.err.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)

# Re-run in a clean environment: Debian's tools, fake credentials, no ~/.aws, no proxies.
if [ -z "${BENCH_CLEAN:-}" ]; then
    exec env -i BENCH_CLEAN=1 PATH=/usr/bin:/bin LC_ALL=C.UTF-8 \
        OUT="${OUT:-$HERE}" SHIM="${SHIM:-}" SHIM_CONF="${SHIM_CONF:-$HERE/shim.conf.in}" RUNS="${RUNS:-10}" \
        N="${N:-200}" SIZES="${SIZES:-1k 100k 1m 7m 30m}" PEERS="${PEERS:-}" \
        SES_PORT="${SES_PORT:-18443}" SMTP_PORT="${SMTP_PORT:-18587}" \
        BS_N="${BS_N:-200}" BS_RUNS="${BS_RUNS:-3}" CA_RUNS="${CA_RUNS:-20}" \
        PROFILE="${PROFILE:-}" bash "$0" "$@"
fi
RUN=$OUT/run MSGS=$OUT/msgs CERT=$OUT/tls/cert.pem KEY=$OUT/tls/key.pem
URL=https://127.0.0.1:$SES_PORT
mkdir -p "$RUN/home" "$OUT/tls"
export HOME=$RUN/home AWS_EC2_METADATA_DISABLED=true AWS_ACCESS_KEY_ID=AKIDFAKEBENCH0000000 \
    AWS_SECRET_ACCESS_KEY=fake-secret-for-127.0.0.1 AWS_DEFAULT_REGION=us-east-1 \
    AWS_REGION=us-east-1 AWS_CA_BUNDLE=$CERT AWS_CONFIG_FILE=$RUN/none \
    AWS_SHARED_CREDENTIALS_FILE=$RUN/none AWS_PAGER=

# Set-up: certificate, messages, timer, configurations.
[ -s "$CERT" ] || openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=127.0.0.1 \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -keyout "$KEY" -out "$CERT" 2>/dev/null
python3 "$HERE/make_msgs.py" "$MSGS" "$SIZES"
cc -O2 -o "$RUN/ptime" "$HERE/ptime.c"
cat > "$RUN/msmtprc" <<EOF
account sink
host 127.0.0.1
port $SMTP_PORT
tls on
tls_starttls on
tls_trust_file $CERT
auth plain
user $AWS_ACCESS_KEY_ID
password $AWS_SECRET_ACCESS_KEY
from sender@example.com
domain localhost
account default : sink
EOF
chmod 600 "$RUN/msmtprc"
mkdir -p "$RUN/spool" && chmod 1733 "$RUN/spool"
[ -z "$SHIM" ] || sed -e "s|@URL@|$URL|g; s|@PORT@|$SES_PORT|g; s|@CA@|$CERT|g; s|@SPOOL@|$RUN/spool|g" \
    -e "s|@KEY_ID@|$AWS_ACCESS_KEY_ID|g; s|@SECRET@|$AWS_SECRET_ACCESS_KEY|g" \
    "$SHIM_CONF" > "$RUN/shim.conf"

# The fakes; only these two PIDs are stopped at the end.
rm -f "$RUN"/*.stats
python3 "$HERE/fake_ses.py" "$SES_PORT" "$CERT" "$KEY" "$RUN/ses.stats" > "$RUN/fake_ses.log" 2>&1 &
SES_PID=$!
python3 "$HERE/smtp_sink.py" "$SMTP_PORT" "$CERT" "$KEY" "$RUN/smtp.stats" > "$RUN/smtp_sink.log" 2>&1 &
SMTP_PID=$!
trap 'kill $SES_PID $SMTP_PID 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$RUN/ses.stats" ] && [ -s "$RUN/smtp.stats" ] && break; sleep 0.1; done
if ! [ -s "$RUN/ses.stats" ] || ! [ -s "$RUN/smtp.stats" ]; then
    echo "fakes did not start: see $RUN/*.log" >&2
    exit 1
fi

# The contenders for message size $1: NAME, SERVER whose count must rise (- for none), COMMAND.
peers() {
    local m=$MSGS/$1
    printf '%s\t%s\t%s\n' true - /bin/true
    [ -z "$SHIM" ] || printf '%s\t%s\t%s\n' shim ses "$SHIM -C $RUN/shim.conf -t < $m.eml"
    # Above SES v1's limit the floor posts the v2 JSON body, as sesmail does.
    if [ -f "$m.v2.json" ]; then
        printf '%s\t%s\t%s\n' curl ses "curl -s --fail --cacert $CERT -H 'Content-Type: application/json' --data-binary @$m.v2.json $URL/v2/email/outbound-emails"
    else
        printf '%s\t%s\t%s\n' curl ses "curl -s --fail --cacert $CERT -H 'Content-Type: application/x-www-form-urlencoded' --data-binary @$m.form $URL/"
    fi
    printf '%s\t%s\t%s\n' msmtp smtp "msmtp -C $RUN/msmtprc -t < $m.eml" \
        boto3 ses "python3 $HERE/boto3_send.py $URL $CERT $m.eml" \
        awscli ses "aws ses send-raw-email --endpoint-url $URL --cli-binary-format raw-in-base64-out --raw-message file://$m.cli.json"
}
seen() { if [ "$1" = - ]; then echo 0 0; else cut -d' ' -f1,2 "$RUN/$1.stats"; fi; }

{ date -u '+%Y-%m-%d %H:%M UTC'; nproc; grep -m1 'model name' /proc/cpuinfo | cut -d: -f2; uname -r
  aws --version 2>&1; python3 -c 'import boto3, botocore; print("boto3", boto3.__version__, "botocore", botocore.__version__)'
  msmtp --version | head -1; curl --version | head -1; python3 --version; } > "$RUN/machine.txt"
printf 'size\tpeer\truns\tfails\twall_med\twall_min\twall_max\tcpu_med\tuser_med\tsys_med\tpeak_kib\tN\tloop_fails\tloop_wall\tloop_user\tloop_sys\tloop_peak_kib\texpected\tseen\tseen_bytes\tcommand\n' > "$RUN/results.tsv"
for size in $SIZES; do
    peers "$size" | while IFS=$'\t' read -r name server cmd; do
        case " ${PEERS:-$name} true " in *" $name "*) ;; *) continue ;; esac
        log=$RUN/$name-$size.err
        : > "$log"
        read -r n0 b0 < <(seen "$server")
        # RUNS timed runs after one warm-up, each a whole process.
        times=$(eval "$RUN/ptime -n $RUNS -w 1 -e $log -- $cmd" < /dev/null)
        # Throughput: N sends in one plain shell loop, under GNU time.
        /usr/bin/time -f '%e %U %S %M' -o "$RUN/loop.time" sh -c \
            "i=0 f=0; while [ \$i -lt $N ]; do $cmd >/dev/null 2>>$log || f=\$((f+1)); i=\$((i+1)); done; exit \$f" \
            < /dev/null && lf=0 || lf=$?
        read -r n1 b1 < <(seen "$server")
        want=$([ "$server" = - ] && echo 0 || echo $((RUNS + 1 + N)))
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$size" "$name" "$times" "$N" "$lf" \
            "$(tail -1 "$RUN/loop.time" | tr ' ' '\t')" "$want" $((n1 - n0)) $((b1 - b0)) "$cmd" >> "$RUN/results.tsv"
        echo "$size $name: $times" >&2
    done
done
# sesmail only: -bs, the CA store, callgrind (extras.sh), while the fakes run.
[ -z "$SHIM" ] || . "$HERE/extras.sh"
python3 "$HERE/report.py" "$RUN" "$MSGS" > "$OUT/anchors.md"
echo "wrote $OUT/anchors.md" >&2
