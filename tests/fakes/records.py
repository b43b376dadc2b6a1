#!/usr/bin/env python3
"""records.py - read what fake_ses.py recorded (one JSON object a line).

  records.py count FILE [ACTION]    number of requests (of ACTION, e.g.
                                    SendRawEmail)
  records.py field FILE N KEY       KEY of request N (0-based; -1 = last):
                                    strings as they are, the rest as JSON
  records.py raw FILE N             the raw message of request N, as bytes
  records.py dests FILE             every destination of every SendRawEmail
                                    call, one a line, in order
  records.py header FILE N NAME     the unfolded values of header NAME in
                                    the raw message of request N, one a line
  records.py sig FILE               exit 1 (and say which) unless every
                                    request was validly signed
"""
import base64
import json
import re
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def header_section(raw):
    end = raw.find(b"\r\n\r\n")
    return raw if end < 0 else raw[:end + 2]


def header_values(raw, name):
    text = re.sub(rb"\r?\n(?=[ \t])", b"", header_section(raw))
    out = []
    for line in text.split(b"\r\n"):
        n, sep, v = line.partition(b":")
        if sep and n.strip().lower() == name.lower().encode():
            out.append(v.strip())
    return out


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    cmd, path = argv[1], argv[2]
    recs = load(path)
    if cmd == "count":
        if len(argv) > 3:
            recs = [r for r in recs if r.get("action") == argv[3]]
        print(len(recs))
    elif cmd == "field":
        val = recs[int(argv[3])].get(argv[4])
        print(val if isinstance(val, str) else json.dumps(val))
    elif cmd == "raw":
        sys.stdout.buffer.write(base64.b64decode(recs[int(argv[3])].get("raw_b64", "")))
    elif cmd == "dests":
        for r in recs:
            if r.get("action") == "SendRawEmail":
                for d in r.get("destinations") or []:
                    print(d)
    elif cmd == "header":
        raw = base64.b64decode(recs[int(argv[3])].get("raw_b64", ""))
        for v in header_values(raw, argv[4]):
            sys.stdout.buffer.write(v + b"\n")
    elif cmd == "sig":
        bad = [r for r in recs if not r.get("sig_valid")]
        for r in bad:
            print("request %d: signature not valid: %s" % (r["n"], r.get("sig_error")))
        return 1 if bad else 0
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
