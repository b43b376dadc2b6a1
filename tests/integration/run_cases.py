#!/usr/bin/env python3
"""run_cases.py - run every tests/cases/ folder against sesmail and the
recording fake SES, and check every key of its expect.json.

  run_cases.py --sesmail PATH --cases DIR --fakes DIR --work DIR [ID...]

The environment (fake AWS keys, no metadata service, no shared AWS files)
is the caller's: tests/integration/cases.sh sets it up through lib.sh.
The key meanings are those of tests/cases/README.md; CASES.md there lists
the implicit checks made on every message. Exit 0 when every case that is
not PENDING passed, 1 otherwise, 99 on a runner error (a malformed case,
an unknown key, a fake that does not start).
"""

import argparse
import base64
import json
import os
import quopri
import re
import subprocess
import sys
import time
from email.header import decode_header, make_header

KNOWN_KEYS = {
    "exit", "ses_calls", "source", "destinations", "headers_absent",
    "headers_present", "header_counts", "headers_decoded",
    "headers_ascii_only", "body_contains", "body_not_contains", "body_lines",
    "body_lines_absent", "body_starts_with", "has_separator",
    "max_line_octets", "crlf_only", "raw_not_contains", "stdout_contains",
    "stderr_contains", "ses_mock", "notes",
}
# Fields SES allows at most once that sesmail itself guarantees.
ONE_EACH = ("From", "Date", "Message-ID")


class RunnerError(Exception):
    pass


def b(s):
    """Expected strings are Unicode in JSON; RawMessage is bytes."""
    return s.encode("utf-8", "surrogateescape")


def show(data, limit=160):
    if isinstance(data, bytes):
        data = data.decode("utf-8", "backslashreplace")
    text = json.dumps(data, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "...\""


# --- message parsing ----------------------------------------------------------

def split_message(raw):
    """(header bytes, body bytes, has_separator). The separator is the first
    empty line (any line end, so a broken message is still readable)."""
    pos = 0
    for m in re.finditer(rb"\r\n|\n|\r", raw):
        if m.start() == pos:  # empty line
            return raw[:pos], raw[m.end():], True
        pos = m.end()
    return raw, b"", False


def header_fields(head):
    """List of (name, unfolded value) in order. Unfolding removes the line
    breaks before white space (RFC 5322 2.2.3); leading white space of the
    value is dropped."""
    fields = []
    for line in re.split(rb"\r\n|\n|\r", head):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1][1] += line
            continue
        if line == b"":
            continue
        name, sep, value = line.partition(b":")
        if not sep:
            fields.append([b"", line])  # not a field: reported by checks
            continue
        fields.append([name, value])
    return [(n.decode("ascii", "replace"), v.lstrip(b" \t")) for n, v in fields]


def values_of(fields, name):
    return [v for (n, v) in fields if n.lower() == name.lower()]


def decoded_body(head_fields, body):
    """The body after undoing a quoted-printable or base64 CTE of a
    single-part message, or None when there is none."""
    ctype = b" ".join(values_of(head_fields, "Content-Type")).lower()
    cte = b" ".join(values_of(head_fields, "Content-Transfer-Encoding")).strip().lower()
    if b"multipart/" in ctype:
        return None
    try:
        if cte == b"quoted-printable":
            return quopri.decodestring(body)
        if cte == b"base64":
            return base64.b64decode(re.sub(rb"\s+", b"", body))
    except ValueError:
        return None
    return None


def body_lines(body):
    lines = re.split(rb"\r\n|\n|\r", body)
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def rfc2047(value):
    text = value.decode("utf-8", "replace")
    try:
        return str(make_header(decode_header(text)))
    except Exception:  # noqa: BLE001 - a broken encoded word stays as is
        return text


# --- one case ----------------------------------------------------------------

class Case:
    def __init__(self, folder):
        self.folder = folder
        self.id = os.path.basename(folder)
        path = os.path.join(folder, "expect.json")
        try:
            with open(path, encoding="utf-8") as f:
                self.expect = json.load(f)
        except (OSError, ValueError) as e:
            raise RunnerError("%s: cannot read expect.json: %s" % (self.id, e))
        unknown = set(self.expect) - KNOWN_KEYS
        if unknown:
            raise RunnerError("%s: unknown key(s) in expect.json: %s"
                              % (self.id, ", ".join(sorted(unknown))))
        if "exit" not in self.expect:
            raise RunnerError("%s: expect.json has no 'exit'" % self.id)
        cj = os.path.join(folder, "cmd.json")
        if os.path.exists(cj):
            with open(cj, encoding="utf-8") as f:
                args = json.load(f)
            if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
                raise RunnerError("%s: cmd.json must be a list of strings" % self.id)
            self.argv = [b(a) for a in args]
        else:
            with open(os.path.join(folder, "cmd"), "rb") as f:
                data = f.read()
            if data and not data.endswith(b"\n"):
                raise RunnerError("%s: cmd must end with LF" % self.id)
            self.argv = data.split(b"\n")[:-1] if data else []
        self.stdin = os.path.join(folder, "stdin.eml")
        if not os.path.exists(self.stdin):
            raise RunnerError("%s: no stdin.eml" % self.id)


class Runner:
    def __init__(self, opts):
        self.o = opts

    def start_fake(self, work, mock):
        port_file = os.path.join(work, "fake.port")
        record = os.path.join(work, "fake.jsonl")
        cmd = [sys.executable, os.path.join(self.o.fakes, "fake_ses.py"),
               "--port-file", port_file, "--record", record, "--idle", "120"]
        if mock is not None:
            cmd += ["--mock", json.dumps(mock)]
        log = open(os.path.join(work, "fake.log"), "wb")
        proc = subprocess.Popen(cmd, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if os.path.exists(port_file):
                with open(port_file) as f:
                    port = f.read().strip()
                if port:
                    return proc, int(port), record
            if proc.poll() is not None:
                break
            time.sleep(0.05)
        proc.kill()
        proc.wait()
        with open(os.path.join(work, "fake.log"), "rb") as f:
            raise RunnerError("fake SES did not start: %s" % f.read().decode("utf-8", "replace"))

    def write_conf(self, work, port):
        aliases = os.path.join(work, "aliases")
        with open(aliases, "w") as f:
            f.write("root: ops@example.com\n")
        conf = os.path.join(work, "sesmail.conf")
        # A spool of the case's own: a failing case must not keep its
        # message in the system's spool.
        spool = os.path.join(work, "spool")
        os.makedirs(spool, exist_ok=True)
        os.chmod(spool, 0o1733)
        with open(conf, "w") as f:
            f.write('region = "us-east-1"\n'
                    'endpoint = "http://127.0.0.1:%d/"\n'
                    'sender = "noreply@example.com"\n'
                    'domain = "example.com"\n'
                    'aliases = "%s"\n'
                    'spool = "%s"\n' % (port, aliases, spool))
        os.chmod(conf, 0o600)
        return conf

    def run(self, case):
        """Returns (list of failures, info dict)."""
        work = os.path.join(self.o.work, case.id)
        os.makedirs(work, exist_ok=True)
        proc, port, record = self.start_fake(work, case.expect.get("ses_mock"))
        try:
            conf = self.write_conf(work, port)
            argv = [b(self.o.sesmail), b"-C", b(conf)] + case.argv
            with open(case.stdin, "rb") as stdin:
                try:
                    res = subprocess.run(argv, stdin=stdin, capture_output=True,
                                         timeout=self.o.timeout)
                    rc, out, err = res.returncode, res.stdout, res.stderr
                except subprocess.TimeoutExpired as e:
                    rc, out, err = "timeout", e.stdout or b"", e.stderr or b""
        finally:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        with open(os.path.join(work, "stdout"), "wb") as f:
            f.write(out)
        with open(os.path.join(work, "stderr"), "wb") as f:
            f.write(err)
        recs = []
        with open(record, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    recs.append(json.loads(line))
        return self.check(case, rc, out, err, recs), {"rc": rc, "stderr": err}

    # --- checks --------------------------------------------------------------

    def check(self, case, rc, out, err, recs):
        e = case.expect
        fails = []

        def fail(msg):
            fails.append(msg)

        if rc == "timeout":
            fail("sesmail did not finish within %d s" % self.o.timeout)
        elif rc < 0:
            fail("sesmail killed by signal %d" % -rc)
        if rc != e["exit"]:
            fail("exit: expected %s, got %s (stderr %s)" % (e["exit"], rc, show(err.strip())))

        calls = recs
        sends = [r for r in recs if r.get("action") == "SendRawEmail"]
        for r in recs:
            if r.get("action") != "SendRawEmail":
                fail("request %d: unexpected action %r" % (r["n"], r.get("action")))
        if "ses_calls" in e and len(calls) != e["ses_calls"]:
            fail("ses_calls: expected %d, got %d" % (e["ses_calls"], len(calls)))

        # Implicit checks on every request the fake received.
        for r in recs:
            n = r["n"]
            if not r.get("sig_valid"):
                fail("request %d: SigV4 signature not valid: %s" % (n, r.get("sig_error")))
            if r.get("form_literal_plus"):
                fail("request %d: literal '+' in the form body (must be %%2B)" % n)
            if r.get("parse_error"):
                fail("request %d: %s" % (n, r["parse_error"]))
        raws = []
        for r in sends:
            if "raw_b64" in r:
                raws.append(base64.b64decode(r["raw_b64"]))
        if any(x != raws[0] for x in raws[1:]):
            fail("the calls did not all carry the same raw message")
        raw = raws[0] if raws else None

        if "source" in e:
            if not sends:
                fail("source: expected %s, but SES got no call" % show(e["source"]))
            for r in sends:
                if r.get("source") != e["source"]:
                    fail("source: expected %s, got %s" % (show(e["source"]), show(r.get("source"))))
        all_dests = []
        for r in sends:
            d = r.get("destinations") or []
            if not d:
                fail("request %d: no Destinations" % r["n"])
            if len(d) > 50:
                fail("request %d: %d destinations (SES takes 50)" % (r["n"], len(d)))
            all_dests += d
        low = [x.lower() for x in all_dests]
        dups = sorted({x for x in low if low.count(x) > 1})
        if dups:
            fail("destinations sent more than once: %s" % ", ".join(dups))
        if "destinations" in e:
            want, got = set(e["destinations"]), set(all_dests)
            if want != got:
                fail("destinations: missing %s, unexpected %s"
                     % (sorted(want - got), sorted(got - want)))
        if e["exit"] == 0 and rc == 0 and not any(r.get("reply_status") == 200 for r in sends):
            fail("exit 0 although SES accepted no call")

        raw_keys = {"headers_absent", "headers_present", "header_counts",
                    "headers_decoded", "headers_ascii_only", "body_contains",
                    "body_not_contains", "body_lines", "body_lines_absent",
                    "body_starts_with", "has_separator", "max_line_octets",
                    "crlf_only", "raw_not_contains"}
        if raw is None:
            used = sorted(k for k in raw_keys if k in e and e[k] not in ([], {}, None))
            if used:
                fail("no RawMessage recorded, cannot check %s" % ", ".join(used))
        else:
            self.check_raw(e, raw, fail)

        for s in e.get("stdout_contains", []):
            if b(s) not in out:
                fail("stdout: %s not found in %s" % (show(s), show(out)))
        if "stderr_contains" in e:
            s = e["stderr_contains"]
            if s == "":
                if not err.strip():
                    fail("stderr: expected a diagnostic, got nothing")
            elif b(s).lower() not in err.lower():
                fail("stderr: %s not found in %s" % (show(s), show(err)))
        return fails

    def check_raw(self, e, raw, fail):
        head, body, has_sep = split_message(raw)
        fields = header_fields(head)
        dec = decoded_body(fields, body)
        bodies = [body] if dec is None else [body, dec]

        # Implicit: what every message handed to SES must be.
        if b"\x00" in raw:
            fail("RawMessage contains a NUL byte")
        bad_ends = self.crlf_problems(raw)
        if bad_ends:
            fail("RawMessage line ends: %s" % bad_ends)
        if not has_sep:
            fail("RawMessage has no empty line after the header section")
        for n, v in fields:
            if n == "":
                fail("header section line is not a field: %s" % show(v))
        if values_of(fields, "Bcc"):
            fail("a Bcc field reached SES")
        for name in ONE_EACH:
            c = len(values_of(fields, name))
            if c != 1 and name not in e.get("header_counts", {}):
                fail("%s: %d fields (exactly 1 expected in every message)" % (name, c))

        for name in e.get("headers_absent", []):
            if values_of(fields, name):
                fail("headers_absent: %s is present: %s" % (name, show(values_of(fields, name)[0])))
        for name, want in e.get("headers_present", {}).items():
            vals = values_of(fields, name)
            if not vals:
                fail("headers_present: no %s field" % name)
                continue
            for s in want if isinstance(want, list) else [want]:
                if not any(b(s) in v for v in vals):
                    fail("headers_present: %s: %s not in %s" % (name, show(s), show(b" | ".join(vals))))
        for name, n in e.get("header_counts", {}).items():
            c = len(values_of(fields, name))
            if c != n:
                fail("header_counts: %s: expected %d, got %d" % (name, n, c))
        for name, want in e.get("headers_decoded", {}).items():
            vals = [rfc2047(v) for v in values_of(fields, name)]
            if not vals:
                fail("headers_decoded: no %s field" % name)
                continue
            for s in want if isinstance(want, list) else [want]:
                if not any(s in v for v in vals):
                    fail("headers_decoded: %s: %s not in %s" % (name, show(s), show(" | ".join(vals))))
        if e.get("headers_ascii_only"):
            bad = sorted({c for c in head if not (32 <= c <= 126 or c in (9, 10, 13))})
            if bad:
                fail("headers_ascii_only: header section has bytes %s"
                     % ", ".join("0x%02x" % c for c in bad[:8]))
        for s in e.get("body_contains", []):
            if not any(b(s) in x for x in bodies):
                fail("body_contains: %s not in body %s" % (show(s), show(bodies[-1])))
        for s in e.get("body_not_contains", []):
            if any(b(s) in x for x in bodies):
                fail("body_not_contains: %s is in the body" % show(s))
        line_sets = [body_lines(x) for x in bodies]
        for s in e.get("body_lines", []):
            if not any(b(s) in ls for ls in line_sets):
                fail("body_lines: no line %s; lines %s" % (show(s), show([x.decode("utf-8", "replace") for x in line_sets[-1]], 300)))
        for s in e.get("body_lines_absent", []):
            if any(b(s) in ls for ls in line_sets):
                fail("body_lines_absent: line %s is present" % show(s))
        if "body_starts_with" in e:
            s = b(e["body_starts_with"])
            if not any(x.startswith(s) for x in bodies):
                fail("body_starts_with: expected %s, body starts %s" % (show(s), show(body[:len(s) + 20])))
        if "has_separator" in e and bool(e["has_separator"]) != has_sep:
            fail("has_separator: expected %s" % e["has_separator"])
        if "max_line_octets" in e:
            longest = max((len(x) for x in re.split(rb"\r\n", raw)), default=0)
            if longest > e["max_line_octets"]:
                fail("max_line_octets: a line has %d octets (at most %d)"
                     % (longest, e["max_line_octets"]))
        # crlf_only is checked above for every message.
        for s in e.get("raw_not_contains", []):
            if b(s) in raw:
                i = raw.find(b(s))
                fail("raw_not_contains: %s found: ...%s..." % (show(s), show(raw[max(0, i - 30):i + 30 + len(s)])))

    @staticmethod
    def crlf_problems(raw):
        probs = []
        lone_lf = len(re.findall(rb"(?<!\r)\n", raw))
        lone_cr = len(re.findall(rb"\r(?!\n)", raw))
        if lone_lf:
            probs.append("%d bare LF" % lone_lf)
        if lone_cr:
            probs.append("%d bare CR" % lone_cr)
        if raw and not raw.endswith(b"\r\n"):
            probs.append("no CRLF at the end")
        return ", ".join(probs)


def read_pending(cases_dir):
    pending = {}
    path = os.path.join(cases_dir, "PENDING")
    if not os.path.exists(path):
        return pending
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 2)
            if len(parts) < 3 or not parts[1].isdigit():
                raise RunnerError("PENDING: malformed line %r (want: ID ISSUE REASON)" % line)
            pending[parts[0]] = "issue %s: %s" % (parts[1], parts[2])
    return pending


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sesmail", required=True)
    p.add_argument("--cases", required=True)
    p.add_argument("--fakes", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--timeout", type=int, default=120)
    p.add_argument("--verbose", "-v", action="store_true")
    p.add_argument("ids", nargs="*")
    o = p.parse_args()

    try:
        pending = read_pending(o.cases)
        ids = o.ids or sorted(d for d in os.listdir(o.cases)
                              if os.path.isdir(os.path.join(o.cases, d)))
        for i in pending:
            if not os.path.isdir(os.path.join(o.cases, i)):
                raise RunnerError("PENDING names %s, which is not a case" % i)
        cases = [Case(os.path.join(o.cases, i)) for i in ids]
    except RunnerError as e:
        print("RUNNER ERROR: %s" % e)
        return 99

    runner = Runner(o)
    n_ok = n_fail = n_pend = n_err = 0
    for c in cases:
        try:
            fails, info = runner.run(c)
        except RunnerError as e:
            print("RUNNER ERROR %s: %s" % (c.id, e))
            return 99
        if c.id in pending:
            if fails:
                n_pend += 1
                print("pending %s (%s): %s" % (c.id, pending[c.id], "; ".join(fails)))
            else:
                n_err += 1
                print("ERROR %s passes but is listed in tests/cases/PENDING: "
                      "remove its line there" % c.id)
        elif fails:
            n_fail += 1
            print("FAIL %s: %s" % (c.id, "; ".join(fails)))
        else:
            n_ok += 1
            print("ok %s" % c.id)
        if o.verbose and info["stderr"]:
            print("   stderr: %s" % show(info["stderr"], 400))
        sys.stdout.flush()
    print("# cases: %d ok, %d failed, %d pending, %d errors"
          % (n_ok, n_fail, n_pend, n_err))
    return 1 if (n_fail or n_err) else 0


if __name__ == "__main__":
    sys.exit(main())
