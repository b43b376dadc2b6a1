#!/usr/bin/env python3
"""soak.py - many messages through sesmail against fault_ses.py, with some
sesmail processes killed (SIGKILL) at a random moment, then sesmail -q
until the spool is empty; then count: every message must have been taken
by the fake or still be in the spool. Driven by tests/integration/soak.sh.

  soak.py SESMAIL CONF SPOOLDIR RECORD --messages N --jobs J --kill P
          --seed S [--rounds R]

Prints "# ..." summary lines; exits 1 when a message was lost or the
counts do not add up.

A message counts as lost when sesmail said it was sent (exit 0) and the
fake never took it, or when it is neither taken nor kept although its
sesmail was not killed, or was killed after it called SES (the spool
file comes first). A process killed before its spool file was complete
leaves nothing, and its caller saw the kill (exit -9) and still holds
the message: those are counted apart ("killed before kept").
"""

import argparse
import json
import os
import random
import re
import signal
import subprocess
import sys
import time

TAG = re.compile(rb"^X-Test-Tag:[ \t]*(soak-\d+)", re.M)


def message(i):
    return ("From: Soak <soak@example.com>\n"
            "To: soak-%d@example.org\n"
            "Subject: soak message %d\n"
            "X-Test-Tag: soak-%d\n"
            "\n"
            "Message %d of the soak test.\n" % (i, i, i, i)).encode()


def run_all(o, rng):
    """Run every message, J at a time; kill some. Returns {i: rc}."""
    rcs, running, i = {}, [], 0
    env = dict(os.environ)
    while i < o.messages or running:
        while i < o.messages and len(running) < o.jobs:
            p = subprocess.Popen([o.sesmail, "-C", o.conf, "--",
                                  "soak-%d@example.org" % i],
                                 stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, env=env)
            p.stdin.write(message(i))
            p.stdin.close()
            kill_at = (time.monotonic() + rng.uniform(0, o.kill_window)
                       if rng.random() < o.kill else None)
            running.append((i, p, kill_at))
            i += 1
        still = []
        for (n, p, kill_at) in running:
            if p.poll() is not None:
                rcs[n] = p.returncode
                continue
            if kill_at is not None and time.monotonic() >= kill_at:
                p.send_signal(signal.SIGKILL)
                p.wait()
                rcs[n] = p.returncode
                continue
            still.append((n, p, kill_at))
        running = still
        time.sleep(0.002)
    return rcs


def taken(record, accepted_only=True):
    """{tag number: times the fake took it (or, with accepted_only
    false, saw a call for it at all)}."""
    out = {}
    with open(record, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            tag = r.get("tag") or ""
            if (r.get("accepted") or not accepted_only) and \
                    tag.startswith("soak-"):
                n = int(tag[5:])
                out[n] = out.get(n, 0) + 1
    return out


def kept(spool):
    """{tag number: spool path} of the whole files in spool/<uid>/."""
    out = {}
    for d in os.listdir(spool):
        top = os.path.join(spool, d)
        if not os.path.isdir(top):
            continue
        for name in os.listdir(top):
            if not re.fullmatch(r"[0-9a-f]{12}", name):
                continue
            with open(os.path.join(top, name), "rb") as f:
                m = TAG.search(f.read())
            if m:
                out[int(m.group(1)[5:])] = os.path.join(top, name)
    return out


def requeue(o, spool):
    """Age the kept files past sesmail -q's one-minute rule, run -q."""
    old = time.time() - 120
    for path in kept(spool).values():
        os.utime(path, (old, old))
    return subprocess.run([o.sesmail, "-C", o.conf, "-q"],
                          stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode


def main():
    p = argparse.ArgumentParser()
    p.add_argument("sesmail")
    p.add_argument("conf")
    p.add_argument("spool")
    p.add_argument("record")
    p.add_argument("--messages", type=int, default=1000)
    p.add_argument("--jobs", type=int, default=8)
    p.add_argument("--kill", type=float, default=0.1)
    p.add_argument("--kill-window", type=float, default=0.05)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rounds", type=int, default=15)
    o = p.parse_args()
    rng = random.Random(o.seed)

    t0 = time.monotonic()
    rcs = run_all(o, rng)
    t1 = time.monotonic()
    got, keep = taken(o.record), kept(o.spool)
    seen = taken(o.record, False)
    killed = [n for n, rc in rcs.items() if rc == -signal.SIGKILL]
    lost, before = [], []
    for n in range(o.messages):
        if rcs[n] == 0 and n not in got:
            lost.append(n)
        elif n not in got and n not in keep:
            # Killed before it was kept: then SES never heard of it
            # either, since the spool comes before the first call.
            ok = rcs[n] == -signal.SIGKILL and n not in seen
            (before if ok else lost).append(n)
    exits = {}
    for rc in rcs.values():
        exits[rc] = exits.get(rc, 0) + 1
    print("# %d messages in %.1f s, %d killed; exit codes %s"
          % (o.messages, t1 - t0, len(killed),
             ", ".join("%s: %d" % (k if k >= 0 else "SIGKILL", v)
                       for k, v in sorted(exits.items()))))
    print("# after the run: %d taken by SES, %d kept in the spool, %d killed "
          "before kept, %d taken and kept (reply lost)"
          % (len(got), len(keep), len(before),
             len(set(got) & set(keep))))

    rounds = 0
    while keep and rounds < o.rounds:
        requeue(o, o.spool)
        rounds += 1
        keep = kept(o.spool)
    got = taken(o.record)
    dups = sum(c - 1 for c in got.values() if c > 1)
    print("# after %d sesmail -q run(s): %d taken, %d still kept" %
          (rounds, len(got), len(keep)))
    print("# sent twice (taken by SES, but the reply lost or the process "
          "killed before it could forget the message): %d" % dups)
    add_up = len(got) + len([n for n in keep if n not in got]) + len(before)
    print("# counts: %d taken + %d kept + %d killed before kept = %d of %d"
          % (len(got), len([n for n in keep if n not in got]), len(before),
             add_up, o.messages))
    print("# lost: %d%s" % (len(lost), (" " + str(lost[:10])) if lost else ""))
    ok = not lost and add_up == o.messages
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
