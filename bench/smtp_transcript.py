#!/usr/bin/python3
"""Write an SMTP session that sends one message COUNT times, for sesmail -bs.

  smtp_transcript.py MSG COUNT > session.smtp

The whole session is written at once (EHLO, then MAIL, RCPT, DATA and the
dot-stuffed message with CRLF line ends per message, then QUIT), as a
pipelining client that never waits would send it; sesmail reads it from
its standard input and answers on its standard output.  Sender and
recipient are the ones in the message's own From and To.
"""
import re, sys

msg, count = open(sys.argv[1], "rb").read(), int(sys.argv[2])
lines = msg.replace(b"\r\n", b"\n").split(b"\n")
if lines and lines[-1] == b"":
    lines.pop()
head = msg.split(b"\n\n", 1)[0]
sender = re.search(rb"^From:.*?([\w.+-]+@[\w.-]+)", head, re.M | re.I).group(1)
rcpt = re.search(rb"^To:.*?([\w.+-]+@[\w.-]+)", head, re.M | re.I).group(1)
data = b"".join((b"." + l if l.startswith(b".") else l) + b"\r\n" for l in lines)
one = b"MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n%s.\r\n" % (sender, rcpt, data)
out = sys.stdout.buffer
out.write(b"EHLO bench.example.com\r\n")
for _ in range(count):
    out.write(one)
out.write(b"QUIT\r\n")
