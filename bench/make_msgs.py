#!/usr/bin/python3
"""Make the test messages in msgs/ (deterministic; skipped when already there).

  make_msgs.py [DIR ["SIZE ..."]]

For each size, NAME.eml is a MIME message of about that many bytes (LF line ends,
as a local program hands it to sendmail): a text part plus a base64 attachment of
random bytes.  NAME.form is the same message as a SendRawEmail form body (base64,
then percent-encoding, as botocore does), for the curl peer.  NAME.cli.json is
{"Data": "<the message>"} for `aws ... --cli-binary-format raw-in-base64-out
--raw-message file://NAME.cli.json` (the CLI does not read fileb:// inside
shorthand such as Data=fileb://F: it sends the string "fileb://F" itself).
NAME.v2.json, only for messages SES v1 cannot take (over 10,000,000 bytes once
line ends are CRLF and it is base64-encoded), is the SES v2 SendEmail body
{"Content":{"Raw":{"Data":"<base64>"}}}, which the curl peer then POSTs to
/v2/email/outbound-emails as sesmail does.  28m is the largest round size
that v2 takes (40,000,000 bytes encoded); 30m is over that limit.
"""
import base64, json, os, random, sys
from email.message import EmailMessage
from urllib.parse import quote

SIZES = {"1k": 1024, "100k": 100 * 1024, "1m": 1024 * 1024, "7m": 7 * 1024 * 1024,
         "10m": 10 * 1024 * 1024, "28m": 28 * 1024 * 1024, "30m": 30 * 1024 * 1024}
V1_MAX_ENCODED = 10000000


def build(name, nbytes):
    m = EmailMessage()
    m["From"] = "Bench Sender <sender@example.com>"
    m["To"] = "rcpt@example.com"
    m["Subject"] = "bench %s" % name
    m["Date"] = "Mon, 01 Jan 2024 00:00:00 +0000"
    m["Message-ID"] = "<bench-%s@example.com>" % name
    m.set_content("Benchmark message %s.\nThe attachment is random bytes.\n" % name)
    m.add_attachment(random.Random(name).randbytes(nbytes), maintype="application",
                     subtype="octet-stream", filename="blob.bin")
    return m.as_bytes()


def fit(name, target):
    n = 0
    for _ in range(20):  # base64 grows 57 bytes into 77; converge on the target size
        size = len(build(name, n))
        if size == target or abs(size - target) < 78 and size <= target:
            break
        n = max(0, n + (target - size) * 57 // 77)
    return build(name, n)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "msgs")
    os.makedirs(out, exist_ok=True)
    wanted = sys.argv[2].split() if len(sys.argv) > 2 else list(SIZES)
    for name, target in ((n, SIZES[n]) for n in wanted):
        eml, form, cli = (os.path.join(out, name + ext) for ext in (".eml", ".form", ".cli.json"))
        v2 = os.path.join(out, name + ".v2.json")
        if all(os.path.exists(p) for p in (eml, form, cli)):
            continue
        msg = fit(name, target)
        crlf = msg.replace(b"\n", b"\r\n")
        if (len(crlf) + 2) // 3 * 4 > V1_MAX_ENCODED:
            with open(v2, "w") as f:
                json.dump({"Content": {"Raw": {"Data": base64.b64encode(crlf).decode()}}}, f)
        with open(eml, "wb") as f:
            f.write(msg)
        body = "Action=SendRawEmail&Version=2010-12-01&RawMessage.Data=" + \
            quote(base64.b64encode(msg).decode(), safe="-_.~")
        with open(form, "w") as f:
            f.write(body)
        with open(cli, "w") as f:
            json.dump({"Data": msg.decode("ascii")}, f)
        print("%s: %d bytes (.form %d bytes)" % (name, len(msg), len(body)))


if __name__ == "__main__":
    main()
