#!/usr/bin/env python3
"""check.py - what the fake SES received from one caller, against what that
caller meant to send. Used by tests/integration/callers.sh.

  check.py RECORD START EXPECT.json

RECORD is the fake's JSON-lines file; the requests from index START on
belong to this caller. EXPECT is an object:

  messages   list, one object per SendRawEmail call expected, in order:
    source           the Source parameter (null: none given)
    destinations     Destinations, compared as a set; each at most once
    stdin            file holding the bytes the caller wrote to sendmail:
                     the body of the raw message must equal its body with
                     line ends made CRLF, and every header field of it but
                     From/To/Cc/Bcc/Resent-* must be there unchanged
    dot_ends         with "stdin": a lone "." line ends the input (no -i)
    body_lines       lines that must be whole lines of the body
    body_lines_absent  lines that must not be
    body_contains    substrings of the body
    headers_present  {name: substring or list}: in the unfolded value
    headers_absent   names that must not occur
    header_counts    {name: n}
    qualified        header fields whose addresses must all have a domain
                     (default From, To, Cc)

Checked on every message without being asked: a valid signature, a 200
reply, CRLF line ends only, the empty line after the header section, no
Bcc or Resent-Bcc field, exactly one From, Date and Message-ID, a From and
a To or Cc field.

Prints nothing and exits 0 when all holds; else one "; "-separated line
of what differed and exits 1.
"""

import base64
import json
import re
import sys
from email.utils import getaddresses

ALWAYS_ONE = ("From", "Date", "Message-ID")
ADDRESS_FIELDS = ("from", "to", "cc", "bcc", "reply-to", "sender")


def short(data, limit=120):
    if isinstance(data, bytes):
        data = data.decode("utf-8", "backslashreplace")
    text = json.dumps(data, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + '..."'


def split(raw):
    """(header bytes, body bytes, found): split at the first empty line,
    whatever its line end."""
    pos = 0
    for m in re.finditer(rb"\r\n|\n|\r", raw):
        if m.start() == pos:
            return raw[:pos], raw[m.end():], True
        pos = m.end()
    return raw, b"", False


def fields(head):
    out = []
    for line in re.split(rb"\r\n|\n|\r", head):
        if line[:1] in (b" ", b"\t") and out:
            out[-1][1] += line
        elif line:
            name, _, value = line.partition(b":")
            out.append([name.strip(), value])
    return [(n.decode("ascii", "replace"), v.strip()) for n, v in out]


def values(flds, name):
    return [v for n, v in flds if n.lower() == name.lower()]


def crlf(data):
    """Every line end (LF, CRLF, CRs before LF, lone CR) as one CRLF, and
    a CRLF at the end: what sesmail promises to do to a message."""
    data = re.sub(rb"\r*\n|\r", b"\r\n", data)
    if data and not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data


def cut_at_dot(data):
    m = re.search(rb"(?:^|\n)\.\r*(?:\n|$)", data)
    return data if m is None else data[:m.start() + (1 if m.group(0)[:1] == b"\n" else 0)]


def check_message(i, e, r, fail):
    tag = "message %d: " % (i + 1) if i >= 0 else ""

    def bad(msg):
        fail(tag + msg)

    if not r.get("sig_valid"):
        bad("signature not valid (%s)" % r.get("sig_error"))
    if r.get("reply_status") != 200:
        bad("fake SES answered %s" % r.get("reply_status"))
    if "source" in e and r.get("source") != e["source"]:
        bad("Source %s, expected %s" % (short(r.get("source")), short(e["source"])))
    dests = r.get("destinations") or []
    low = [d.lower() for d in dests]
    dups = sorted({d for d in low if low.count(d) > 1})
    if dups:
        bad("Destinations repeat %s" % ", ".join(dups))
    if "destinations" in e and set(dests) != set(e["destinations"]):
        bad("Destinations %s, expected %s" % (sorted(set(dests)), sorted(set(e["destinations"]))))

    raw = base64.b64decode(r.get("raw_b64") or "")
    head, body, sep = split(raw)
    flds = fields(head)
    if not sep:
        bad("no empty line after the header section")
    lone = len(re.findall(rb"(?<!\r)\n", raw)) + len(re.findall(rb"\r(?!\n)", raw))
    if lone or not raw.endswith(b"\r\n"):
        bad("line ends not all CRLF (%d bare CR/LF)" % lone)
    for name in ("Bcc", "Resent-Bcc"):
        if values(flds, name):
            bad("%s field reached SES: %s" % (name, short(values(flds, name)[0])))
    for name in ALWAYS_ONE:
        n = len(values(flds, name))
        if n != 1:
            bad("%d %s fields, expected 1" % (n, name))
    if not values(flds, "To") and not values(flds, "Cc"):
        bad("neither To nor Cc in the message")
    for name in e.get("qualified", ["From", "To", "Cc"]):
        for v in values(flds, name):
            text = v.decode("utf-8", "replace")
            for _, addr in getaddresses([text]):
                if not re.fullmatch(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)*", addr):
                    bad("%s address %s not qualified (field %s)" % (name, short(addr), short(text)))
    for name, want in e.get("headers_present", {}).items():
        vals = values(flds, name)
        if not vals:
            bad("no %s field" % name)
        for s in want if isinstance(want, list) else [want]:
            if vals and not any(s.encode() in v for v in vals):
                bad("%s %s lacks %s" % (name, short(b" | ".join(vals)), short(s)))
    for name in e.get("headers_absent", []):
        if values(flds, name):
            bad("%s field present: %s" % (name, short(values(flds, name)[0])))
    for name, n in e.get("header_counts", {}).items():
        if len(values(flds, name)) != n:
            bad("%d %s fields, expected %d" % (len(values(flds, name)), name, n))

    lines = re.split(rb"\r\n", body)
    for s in e.get("body_lines", []):
        if s.encode() not in lines:
            bad("body has no line %s" % short(s))
    for s in e.get("body_lines_absent", []):
        if s.encode() in lines:
            bad("body has the line %s" % short(s))
    for s in e.get("body_contains", []):
        if s.encode() not in body:
            bad("body lacks %s" % short(s))

    if "stdin" in e:
        data = open(e["stdin"], "rb").read()
        if e.get("dot_ends"):
            data = cut_at_dot(data)
        ihead, ibody, _ = split(data)
        want = crlf(ibody)
        if body != want:
            k = next((j for j in range(min(len(body), len(want))) if body[j] != want[j]),
                     min(len(body), len(want)))
            bad("body changed at byte %d: SES got %s, caller wrote %s"
                % (k, short(body[max(0, k - 20):k + 40]), short(want[max(0, k - 20):k + 40])))
        got = {}
        for n, v in flds:
            got.setdefault(n.lower(), []).append(v)
        for n, v in fields(ihead):
            ln = n.lower()
            if ln in ADDRESS_FIELDS or ln.startswith("resent-"):
                continue
            if v not in got.get(ln, []):
                bad("header %s: %s changed or lost (SES got %s)"
                    % (n, short(v), short(b" | ".join(got.get(ln, [])))))


def main(argv):
    recs = [json.loads(l) for l in open(argv[1], encoding="utf-8") if l.strip()]
    recs = recs[int(argv[2]):]
    expect = json.load(open(argv[3], encoding="utf-8"))
    fails = []
    other = [r for r in recs if r.get("action") != "SendRawEmail"]
    if other:
        fails.append("unexpected requests %s" % [r.get("action") for r in other])
    sends = [r for r in recs if r.get("action") == "SendRawEmail"]
    msgs = expect["messages"]
    if len(sends) != len(msgs):
        fails.append("%d SendRawEmail calls, expected %d" % (len(sends), len(msgs)))
    for i, (e, r) in enumerate(zip(msgs, sends)):
        check_message(i if len(msgs) > 1 else -1, e, r, fails.append)
    if fails:
        print("; ".join(fails))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
