#!/usr/bin/python3
"""sesmail against the curl floor and the other tools, with issue 7's targets.

  ratios.py RUN_DIR MSGS_DIR

Reads what run_anchors.sh (results.tsv, machine.txt) and extras.sh (bs.tsv,
ca.tsv, callgrind-*.txt) wrote and prints Markdown: the machine, one table
of sesmail ("shim" in results.tsv) against the curl floor with the ratios,
one of the other tools against sesmail, the -bs session, the CA store, and
every target with PASS or FAIL.  Exit status 0 whatever the verdicts: this
is a benchmark, not a test.
"""
import csv, os, sys

run, msgs = sys.argv[1], sys.argv[2]
MIB = 1024 * 1024
V1_MAX, V2_MAX = 10000000, 40000000   # encoded bytes, as sesmail reads them


def table(name):
    path = os.path.join(run, name)
    if not os.path.exists(path):
        return []
    return list(csv.DictReader(open(path), delimiter="\t"))


rows = table("results.tsv")
get = {(r["size"], r["peer"]): r for r in rows}
sizes = list(dict.fromkeys(r["size"] for r in rows))
machine = open(os.path.join(run, "machine.txt")).read().splitlines()


def size_of(s):
    return os.path.getsize(os.path.join(msgs, s + ".eml"))


def encoded_of(s):
    """Base64 length of the message once its line ends are CRLF."""
    data = open(os.path.join(msgs, s + ".eml"), "rb").read()
    n = len(data) + data.count(b"\n") - data.count(b"\r\n")
    return (n + 2) // 3 * 4


def ms(x):
    return "%.1f" % (float(x) * 1e3)


def mib(kib):
    return "%.1f" % (float(kib) / 1024)


def ratio(a, b):
    return float(a) / float(b) if float(b) else float("inf")


def ok(r):
    """All runs succeeded and the fake got every message."""
    return (int(r["fails"]) + int(r["loop_fails"]) == 0 and
            int(r["seen"]) == int(r["expected"]))


def bound(s):
    return 1.3 * size_of(s) + 8 * MIB


verdicts = []


def target(what, passed, detail):
    verdicts.append("| %s | %s | %s |" % (what, detail, "PASS" if passed else "**FAIL**"))


out = ["# sesmail against the curl floor", "",
       "Measured %s on %s CPU(s) (%s), kernel %s. Medians of %s whole-process runs "
       "after one warm-up; the fakes share the machine." % (
           machine[0], machine[1], machine[2].strip(), machine[3],
           rows[0]["runs"] if rows else "?"), ""]

out += ["## sesmail / curl", "",
        "| size | bytes | encoded | API | wall ms sesmail / curl | ratio | cpu ms sesmail / curl "
        "| ratio | peak RSS MiB sesmail / curl | ratio | RSS bound MiB | sent |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|"]
for s in sizes:
    sh, cu = get.get((s, "shim")), get.get((s, "curl"))
    if not sh or not cu:
        continue
    enc = encoded_of(s)
    api = "v1" if enc <= V1_MAX else "v2" if enc <= V2_MAX else "none (over v2)"
    if int(sh["fails"]) == int(sh["runs"]):
        # Refused (exit 65 before any call): its times are not a send's.
        out.append("| %s | %d | %d | %s | refused / %s | - | - / %s | - | - / %s | - | %.1f | %s/%s |" % (
            s, size_of(s), enc, api, ms(cu["wall_med"]), ms(cu["cpu_med"]), mib(cu["peak_kib"]),
            bound(s) / MIB, sh["seen"], sh["expected"]))
        continue
    out.append("| %s | %d | %d | %s | %s / %s | %.2f | %s / %s | %.2f | %s / %s | %.2f | %.1f | %s |" % (
        s, size_of(s), enc, api, ms(sh["wall_med"]), ms(cu["wall_med"]),
        ratio(sh["wall_med"], cu["wall_med"]), ms(sh["cpu_med"]), ms(cu["cpu_med"]),
        ratio(sh["cpu_med"], cu["cpu_med"]), mib(sh["peak_kib"]), mib(cu["peak_kib"]),
        ratio(sh["peak_kib"], cu["peak_kib"]), bound(s) / MIB,
        "%s/%s" % (sh["seen"], sh["expected"])))
out.append("")

others = [p for p in ("msmtp", "boto3", "awscli") if any((s, p) in get for s in sizes)]
if others:
    out += ["## The other tools, wall ms (and how many times sesmail's)", "",
            "| size | sesmail | " + " | ".join(others) + " |",
            "|---|---|" + "---|" * len(others)]
    for s in sizes:
        sh = get.get((s, "shim"))
        if not sh or int(sh["fails"]) == int(sh["runs"]):
            continue
        cells = []
        for p in others:
            r = get.get((s, p))
            cells.append("%s (%.1fx)" % (ms(r["wall_med"]), ratio(r["wall_med"], sh["wall_med"]))
                         if r else "")
        out.append("| %s | %s | %s |" % (s, ms(sh["wall_med"]), " | ".join(cells)))
    out.append("")

# --- targets of issue 7 -------------------------------------------------------
sh, cu = get.get(("1k", "shim")), get.get(("1k", "curl"))
if sh and cu:
    w, c = ratio(sh["wall_med"], cu["wall_med"]), ratio(sh["cpu_med"], cu["cpu_med"])
    target("1 KB: wall <= 1.10x curl", w <= 1.10 and ok(sh), "%.2fx" % w)
    target("1 KB: cpu <= 1.2x curl", c <= 1.2 and ok(sh), "%.2fx" % c)
    m = get.get(("1k", "msmtp"))
    if m:
        target("1 KB: at least as fast as msmtp", float(sh["wall_med"]) <= float(m["wall_med"]),
               "%s ms vs %s ms" % (ms(sh["wall_med"]), ms(m["wall_med"])))
    a = get.get(("1k", "awscli"))
    if a:
        f = ratio(a["wall_med"], sh["wall_med"])
        target("1 KB: >= 20x faster than aws ses send-raw-email", f >= 20, "%.1fx" % f)
for s in ("7m",):
    sh, cu = get.get((s, "shim")), get.get((s, "curl"))
    if sh and cu:
        w = ratio(sh["wall_med"], cu["wall_med"])
        target("7 MB: wall <= 1.3x curl", w <= 1.3 and ok(sh), "%.2fx" % w)
        peak = float(sh["peak_kib"]) * 1024
        target("7 MB: peak RSS <= 1.3x size + 8 MiB", peak <= bound(s) and ok(sh),
               "%.1f MiB, bound %.1f MiB" % (peak / MIB, bound(s) / MIB))
for s in sizes:
    sh = get.get((s, "shim"))
    enc = encoded_of(s)
    if not sh or enc <= V1_MAX:
        continue
    if enc <= V2_MAX:
        peak = float(sh["peak_kib"]) * 1024
        target("%s (v2): sent, peak RSS <= 1.3x size + 8 MiB" % s, peak <= bound(s) and ok(sh),
               "%.1f MiB, bound %.1f MiB, sent %s/%s" % (peak / MIB, bound(s) / MIB,
                                                         sh["seen"], sh["expected"]))
    else:
        refused = int(sh["fails"]) == int(sh["runs"]) and int(sh["seen"]) == 0
        target("%s (over the v2 limit): refused before any call" % s, refused,
               "%d encoded bytes; %s of %s runs failed, the fake got %s" % (
                   enc, sh["fails"], sh["runs"], sh["seen"]))

bs = {r["kind"]: r for r in table("bs.tsv")}
if "session" in bs and "processes" in bs:
    se, pr = bs["session"], bs["processes"]
    n, runs = int(se["n"]), int(se["runs"])
    f = ratio(pr["wall_med"], se["wall_med"])
    out += ["## -bs: one session against separate processes", "",
            "| way | messages | wall ms | cpu ms | peak RSS MiB | ms per message | messages / connections seen |",
            "|---|---|---|---|---|---|---|"]
    for kind, r, want in (("one `sesmail -bs`", se, (runs + 1) * n),
                          ("`sesmail -t` per message", pr, runs * n)):
        out.append("| %s | %d | %s | %s | %s | %.2f | %s/%d, %s connections |" % (
            kind, n, ms(r["wall_med"]), ms(r["cpu_med"]), mib(r["peak_kib"]),
            float(r["wall_med"]) * 1e3 / n, r["messages"], want, r["connections"]))
    out += ["", "The last column counts every run of a way: %d timed, and "
            "for -bs one more, untimed, session before them whose replies "
            "are checked." % runs, ""]
    good = (int(se["messages"]) == (runs + 1) * n and se["replies"] == str(n) and
            int(se["connections"]) == runs + 1)
    target("-bs, %d messages: >= 3x faster than %d processes" % (n, n), f >= 3 and good,
           "%.1fx; %s connection(s) per session; %s of %d DATA answered 250" % (
               f, int(se["connections"]) / (runs + 1), se["replies"], n))

ca = {r["variant"]: r for r in table("ca.tsv")}
if ca:
    out += ["## CA store at start-up (1 KB send)", "",
            "| variant | certificates | wall ms | cpu ms | peak RSS MiB | instructions |",
            "|---|---|---|---|---|---|"]
    for name, r in ca.items():
        if r["runs"] == "unsupported":
            out.append("| %s | %s | not supported by this build | | | |" % (name, r["certs"]))
            continue
        out.append("| %s | %s | %s | %s | %s | %s |" % (
            name, r["certs"], ms(r["wall_med"]), ms(r["cpu_med"]), mib(r["peak_kib"]),
            "{:,}".format(int(r["instructions"])) if r["instructions"].isdigit() else "-"))
    out.append("")
    # The store sesmail uses when ca_file is unset: the hashed directory in
    # builds that take one (CURLOPT_CAPATH), else libcurl's bundle file.
    one = ca.get("sesmail-one")
    dflt = ca.get("sesmail-dir")
    if not dflt or dflt["runs"] == "unsupported":
        dflt = ca.get("sesmail-bundle")
    if one and dflt and one["runs"] != "unsupported":
        key = "instructions" if one["instructions"].isdigit() and dflt["instructions"].isdigit() \
            else "cpu_med"
        share = 1 - ratio(one[key], dflt[key])
        target("start-up: CA store (%s) does not dominate a 1 KB send" % dflt["variant"],
               share < 0.25, "%.0f%% of the send's %s" % (
                   100 * max(share, 0), "instructions" if key == "instructions" else "cpu"))

out += ["## Targets", "", "| target | measured | verdict |", "|---|---|---|"]
out += verdicts + [""]

for s in ("1k", "1m"):
    path = os.path.join(run, "callgrind-%s.txt" % s)
    if os.path.exists(path):
        out += ["Callgrind profile of a %s send: %s" % (s, path)]
print("\n".join(out))
