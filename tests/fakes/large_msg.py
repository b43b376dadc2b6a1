#!/usr/bin/env python3
"""large_msg.py - large test messages for tests/integration/large.sh, and
what sesmail must make of them.

Messages are made from a seed, so every run sends the same bytes. The
header section is always

  From: App <app@example.com>
  To: to@example.org
  Subject: SUBJECT

with LF line ends, then an empty line, then the body.

  large_msg.py lf NAME SIZE SEED SUBJECT [--crlf] [--dot-at OFF]
               [--long-every N] [--long-at OFF] [--header FIELD]
               [--pad-head OFF] [--end-dot]
      NAME.eml: a body of text lines with LF line ends (8-bit bytes,
      "From " and "." at the start of some lines, no line over 998
      octets), SIZE bytes in all (with --crlf: SIZE bytes once every LF
      is CRLF). --dot-at puts a lone "." line with its dot at byte OFF.
      --long-every puts a line of 1,000 to 3,000 octets about every N
      bytes; --long-at one of 1,500 across byte OFF. --header adds
      FIELD (one line) to the header section. --pad-head fills the
      header section with fields up to byte OFF, where one field's
      line end CR CR NUL CR CR LF spans it, then adds a Bcc field
      and one more.
      --end-dot adds a "." without a line end at the very end.
      NAME.exp: the message as message_parse reads it (every line end
      CRLF, NULs dropped, a last line end added); with --dot-at or
      --end-dot also NAME.dot, as read without -i: it ends before the
      lone dot.
  large_msg.py odd NAME SIZE SEED SUBJECT [--dot-at OFF]
      The same, with a body dense with what message_parse normalises:
      NUL bytes, CR-only, CR CR LF and CR NUL CR LF line ends, runs of
      CRs, lines of "." amid NULs, and an end without LF. A lone "."
      line only with --dot-at (there one ended by a lone CR).
  large_msg.py split IN PREFIX MAX [--dot]
      Cut the body of IN, after LF bytes, into pieces of about the
      same size, as many as make them no larger than MAX, each written
      as PREFIX.N with IN's header section: each is sent on sesmail's
      in-memory path, and what they give, put together, is what IN
      must give. With --dot, no piece after the one where a lone "."
      line ends the message. Prints how many.
  large_msg.py check RECORD WHICH EXPECTED [--body-only]
      The raw message of a request recorded by fake_ses.py must be
      EXPECTED with only "Date:" and "Message-ID:" fields added at the
      end of its header section, and its body byte for byte. WHICH is
      a request index or "subject=TEXT". With --body-only only the
      bodies are compared. Exit 1 with where they differ.
  large_msg.py head RECORD WHICH
      The header section of that raw message, but Date and Message-ID.
  large_msg.py body RECORD WHICH
      The body of that raw message (after the first empty line).
  large_msg.py mbox IN OUT
      The dead.letter entry sesmail writes for IN, without its "From "
      line: ">" before each ">*From " line, each line LF-ended, one
      empty line at the end.
  large_msg.py qp RECORD WHICH IN
      The body of that raw message must be quoted-printable whose
      lines fit in 76 octets and which decodes to the body of IN (LF
      line ends).
"""

import argparse
import base64
import json
import quopri
import random
import re
import sys

HEAD = (b"From: App <app@example.com>\nTo: to@example.org\n"
        b"Subject: %s\n\n")
WORDS = [b"alpha", b"beta", b"gamma", b"delta", b"caf\xc3\xa9",
         b"\xe2\x82\xac", b"=3D", b"tab\there", b"trailing ", b"-", b"--",
         b"x" * 30]
STARTS = [b"", b"", b"", b"", b"From ", b">From ", b".", b"..", b". ", b"-- "]


def text_line(rng, width):
    """One line of up to width octets, without its end; never a lone dot."""
    out = rng.choice(STARTS)
    while len(out) < width:
        out += rng.choice(WORDS) + b" "
    out = out[:width]
    return out + b"!" if out == b"." else out


def gen_lf(a):
    rng = random.Random(a.seed)
    head = HEAD % a.subject.encode()
    if a.header:
        head = head[:-1] + a.header.encode() + b"\n\n"
    if a.pad_head:
        head = head[:-1]
        while len(head) < a.pad_head - 200:
            head += b"X-Pad: " + b"p" * 90 + b"\n"
        # The field's line end: CR CR NUL before the mark, CR CR LF after.
        head += b"X-Cut: " + b"c" * (a.pad_head - len(head) - 10) + \
            b"\r\r\0\r\r\n"
        head += b"Bcc: hidden@example.net\nX-After: still a header\n\n"
    out = bytearray()
    crs = 1 if a.crlf else 0           # what a line end adds to a --crlf size
    ends = 0

    def put(line):
        nonlocal ends
        out.extend(line + b"\n")
        ends += 1

    def size():
        return len(out) + crs * ends

    for line in head.split(b"\n")[:-1]:
        put(line)
    # Where a line must start: the dot's, and the long one's (so that it
    # runs from 700 octets before its mark to 800 after).
    marks = {}
    if a.dot_at is not None:
        marks[a.dot_at] = b"."
    if a.long_at is not None:
        marks[a.long_at - 700] = b"L" * 1500
    next_long = a.long_every
    while True:
        ahead = min(marks) - len(out) if marks else None
        if ahead is not None and ahead <= 200:
            # Cut the line before so the mark starts a line.
            if ahead < 1:
                raise SystemExit("large_msg: marks too close")
            put(b"p" * (ahead - 1))
            put(marks.pop(min(marks)))
            continue
        left = a.size - size()
        if (a.long_every and len(out) >= next_long and left > 3500 and
                (ahead is None or ahead > 3300)):
            put(text_line(rng, rng.randint(1000, 3000)))
            next_long += a.long_every
            continue
        width = rng.randint(0, 120)
        if width + 1 + crs >= left - 3:
            # The last line: exactly what is left.
            put(b"z" * (left - 1 - crs))
            break
        put(text_line(rng, width))
    if size() != a.size or marks:
        raise SystemExit("large_msg: made %d bytes, not %d" % (size(), a.size))
    return bytes(out) + (b"." if a.end_dot else b"")


ENDS = [b"\n", b"\n", b"\r\n", b"\r", b"\r\r\n", b"\r\r", b"\r\0\r\n",
        b"\r\0", b"\0\r\n", b"\r\r\r\r\n", b"\n\r", b"\r\0\0\r\r\n"]
ODD = [b"\0", b"\0\0", b".\0", b"\0.", b"..", b"x\0y", b"From ", b"\t"]


def gen_odd(a):
    rng = random.Random(a.seed)
    out = bytearray(HEAD % a.subject.encode())
    dot = a.dot_at
    while len(out) < a.size - 40:
        if dot is not None and len(out) >= dot:
            out += b"before the dot\r.\rafter the dot\n"
            dot = None
            continue
        line = bytearray()
        for _ in range(rng.randint(0, 6)):
            line += rng.choice(ODD) if rng.random() < 0.4 else \
                rng.choice(WORDS)
        if line.replace(b"\0", b"") == b".":
            line += b"!"
        out += line + rng.choice(ENDS)
    out += b"the end, without LF\r\0"
    # Dots only where asked: no line that reads "." once NULs are gone.
    if a.dot_at is None and any(is_dot(x) for x in lines(bytes(out))):
        raise SystemExit("large_msg: a lone dot slipped in")
    return bytes(out)


LINE_END = re.compile(rb"[\r\n]")


def lines(data):
    """The lines of data as message.c's next_line splits them: LF, CRLF,
    a run of CRs (NULs among them) before LF and a lone CR each end one.
    Yields (line, where it starts, where the next starts)."""
    pos, n = 0, len(data)
    while pos < n:
        m = LINE_END.search(data, pos)
        if m is None:
            yield data[pos:], n, n
            return
        i = m.start()
        nxt = i + 1
        if data[i:i + 1] == b"\r":
            q = i + 1
            while q < n and data[q:q + 1] in (b"\r", b"\0"):
                q += 1
            if q < n and data[q:q + 1] == b"\n":
                nxt = q + 1
        yield data[pos:i], pos, nxt
        pos = nxt


def is_dot(item):
    return item[0].replace(b"\0", b"") == b"."


def expect(data, dot):
    """What message_parse makes of data: with dot, as without -i."""
    if not dot and b"\r" not in data and b"\0" not in data:
        # LF only: the same, faster.
        out = data.replace(b"\n", b"\r\n")
        return out if out.endswith(b"\r\n") or not out else out + b"\r\n"
    out = bytearray()
    for item in lines(data):
        if dot and is_dot(item):
            break
        out += item[0].replace(b"\0", b"") + b"\r\n"
    return bytes(out)


def split_head(data):
    end = data.find(b"\n\n")
    return data[:end + 2], data[end + 2:]


def do_split(a):
    with open(a.inp, "rb") as f:
        head, body = split_head(f.read())
    # As many pieces as MAX asks, of about the same size.
    n = len(body)
    count = -(-n // a.max)
    pieces, start = [], 0
    for k in range(1, count + 1):
        end = n if k == count else body.rfind(b"\n", start,
                                              k * n // count) + 1
        if end <= start:
            raise SystemExit("large_msg: no LF to cut at")
        pieces.append(body[start:end])
        start = end
    if a.dot:
        for k, p in enumerate(pieces):
            if any(is_dot(x) for x in lines(p)):
                pieces = pieces[:k + 1]
                break
    for k, p in enumerate(pieces):
        with open("%s.%d" % (a.prefix, k), "wb") as f:
            f.write(head + p)
    print(len(pieces))


def raw_of(path, which):
    with open(path, encoding="utf-8") as f:
        recs = [line for line in f if line.strip()]
    if not which.startswith("subject="):
        return base64.b64decode(json.loads(recs[int(which)]).get("raw_b64",
                                                                 ""))
    want = which[len("subject="):].encode()
    for line in recs:
        raw = base64.b64decode(json.loads(line).get("raw_b64", ""))
        head = raw.split(b"\r\n\r\n", 1)[0]
        if re.search(rb"^Subject: " + re.escape(want) + rb"\r?$", head,
                     re.M):
            return raw
    raise SystemExit("large_msg: no request with Subject: %s" %
                     want.decode())


def where(a, b):
    """Where a and b first differ, and a little of each from there."""
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return "differ at byte %d of %d/%d: got %r, want %r" % (
        i, len(a), len(b), a[i:i + 24], b[i:i + 24])


def do_check(a):
    raw = raw_of(a.record, a.which)
    with open(a.expected, "rb") as f:
        want = f.read()
    rh, _, rb = raw.partition(b"\r\n\r\n")
    wh, _, wb = want.partition(b"\r\n\r\n")
    bad = []
    if rb != wb:
        bad.append("body " + where(rb, wb))
    got = rh.split(b"\r\n")
    exp = wh.split(b"\r\n")
    added = got[len(exp):]
    if a.body_only:
        pass
    elif got[:len(exp)] != exp:
        bad.append("header section " + where(rh, wh))
    elif sorted(x.split(b":", 1)[0] for x in added) != [b"Date",
                                                       b"Message-ID"]:
        bad.append("fields added: %r" % added)
    if bad:
        print("; ".join(bad))
        return 1
    return 0


def do_head(a):
    head = raw_of(a.record, a.which).partition(b"\r\n\r\n")[0]
    for line in head.split(b"\r\n"):
        if not re.match(rb"(Date|Message-ID):", line):
            sys.stdout.buffer.write(line + b"\r\n")


def do_body(a):
    sys.stdout.buffer.write(raw_of(a.record, a.which).partition(
        b"\r\n\r\n")[2])


def do_mbox(a):
    with open(a.inp, "rb") as f:
        data = f.read()
    out = bytearray()
    for item in lines(data):
        line = item[0]
        if re.match(rb">*From ", line):
            out += b">"
        out += line + b"\n"
    with open(a.out, "wb") as f:
        f.write(out + b"\n")


def do_qp(a):
    body = raw_of(a.record, a.which).partition(b"\r\n\r\n")[2]
    with open(a.inp, "rb") as f:
        want = split_head(f.read())[1]
    wide = [x for x in body.split(b"\r\n") if len(x) > 76]
    if wide:
        print("a line of %d octets: %r" % (len(wide[0]), wide[0][:40]))
        return 1
    if b"\n" in body.replace(b"\r\n", b""):
        print("a bare LF in the body")
        return 1
    got = quopri.decodestring(body.replace(b"\r\n", b"\n"))
    if got != want:
        print("decoded body " + where(got, want))
        return 1
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("lf", "odd"):
        s = sub.add_parser(name)
        s.add_argument("name")
        s.add_argument("size", type=int)
        s.add_argument("seed", type=int)
        s.add_argument("subject")
        s.add_argument("--dot-at", type=int)
        if name == "lf":
            s.add_argument("--crlf", action="store_true")
            s.add_argument("--long-every", type=int, default=0)
            s.add_argument("--long-at", type=int)
            s.add_argument("--header")
            s.add_argument("--pad-head", type=int)
            s.add_argument("--end-dot", action="store_true")
    s = sub.add_parser("split")
    s.add_argument("inp")
    s.add_argument("prefix")
    s.add_argument("max", type=int)
    s.add_argument("--dot", action="store_true")
    for name in ("check", "head", "body", "qp"):
        s = sub.add_parser(name)
        s.add_argument("record")
        s.add_argument("which")
        if name == "check":
            s.add_argument("expected")
            s.add_argument("--body-only", action="store_true")
        if name == "qp":
            s.add_argument("inp")
    s = sub.add_parser("mbox")
    s.add_argument("inp")
    s.add_argument("out")
    a = p.parse_args()
    if a.cmd in ("lf", "odd"):
        data = gen_lf(a) if a.cmd == "lf" else gen_odd(a)
        with open(a.name + ".eml", "wb") as f:
            f.write(data)
        with open(a.name + ".exp", "wb") as f:
            f.write(expect(data, False))
        if a.dot_at is not None or getattr(a, "end_dot", False):
            with open(a.name + ".dot", "wb") as f:
                f.write(expect(data, True))
    elif a.cmd == "split":
        do_split(a)
    elif a.cmd == "check":
        return do_check(a)
    elif a.cmd == "head":
        do_head(a)
    elif a.cmd == "body":
        do_body(a)
    elif a.cmd == "mbox":
        do_mbox(a)
    elif a.cmd == "qp":
        return do_qp(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())
