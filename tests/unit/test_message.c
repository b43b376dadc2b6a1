/*
 * test_message - reading a message like sendmail and editing its header
 * section. Parsing is table-driven, one named case per row.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include "message.h"

/* A string literal and its length, NULs inside included. */
#define S(x)	x, sizeof(x) - 1

#define MAXHDR	6

struct parse_case {
	const char	*name;
	const char	*in;
	size_t		 inlen;
	int		 flags;
	const char	*hdr[MAXHDR];	/* raw fields, NULL-terminated */
	const char	*body;
	size_t		 bodylen;
	int		 sep;
	size_t		 nuls;
};

static const struct parse_case parse_cases[] = {
	{ "LF line ends", S("Subject: hi\nTo: a@x.example\n\nbody\n"), 0,
	  { "Subject: hi", "To: a@x.example" }, S("body\r\n"), 1, 0 },
	{ "CRLF line ends",
	  S("Subject: hi\r\nTo: a@x.example\r\n\r\nbody\r\n"), 0,
	  { "Subject: hi", "To: a@x.example" }, S("body\r\n"), 1, 0 },
	{ "mixed line ends",
	  S("Subject: hi\r\nTo: a@x.example\n\r\nline1\nline2\r\n"), 0,
	  { "Subject: hi", "To: a@x.example" }, S("line1\r\nline2\r\n"),
	  1, 0 },
	{ "CR CR LF is one line end",
	  S("Subject: hi\r\r\n\r\r\nbody\r\r\nend\r\r\r\n"), 0,
	  { "Subject: hi" }, S("body\r\nend\r\n"), 1, 0 },
	{ "lone CR", S("Subject: hi\rTo: a@x.example\r\rbody\rmore\r"), 0,
	  { "Subject: hi", "To: a@x.example" }, S("body\r\nmore\r\n"), 1,
	  0 },
	{ "two lone CRs are two line ends", S("S: s\r\ra\r\rb"), 0,
	  { "S: s" }, S("a\r\n\r\nb\r\n"), 1, 0 },
	{ "missing final newline", S("Subject: hi\n\nno newline"), 0,
	  { "Subject: hi" }, S("no newline\r\n"), 1, 0 },
	{ "no separator, header-like line later in body",
	  S("From: News <news@x.example>\nTo: r@y.example\n"
	  "Content-Type: text/html\n<!DOCTYPE html PUBLIC \"x\">\n"
	  "<html><body><p>Hello: two</p></body></html>\n"), 0,
	  { "From: News <news@x.example>", "To: r@y.example",
	    "Content-Type: text/html" },
	  S("<!DOCTYPE html PUBLIC \"x\">\r\n"
	  "<html><body><p>Hello: two</p></body></html>\r\n"), 0, 0 },
	{ "no separator, later valid field stays in body",
	  S("Subject: s\nnot a header line\nX-Later: looks like one\n"), 0,
	  { "Subject: s" },
	  S("not a header line\r\nX-Later: looks like one\r\n"), 0, 0 },
	{ "header-only input", S("Subject: s\nTo: a@x.example\n"), 0,
	  { "Subject: s", "To: a@x.example" }, S(""), 0, 0 },
	{ "header-only without final newline", S("Subject: s"), 0,
	  { "Subject: s" }, S(""), 0, 0 },
	{ "no headers at all", S("Hello world\nSecond: line\n"), 0,
	  { NULL }, S("Hello world\r\nSecond: line\r\n"), 0, 0 },
	{ "empty input", S(""), 0, { NULL }, S(""), 0, 0 },
	{ "leading empty line", S("\nSubject: body text\n"), 0, { NULL },
	  S("Subject: body text\r\n"), 1, 0 },
	{ "folded field kept as written",
	  S("Subject: a\n  folded\n\tmore\nTo: x@y.example\n\nb\n"), 0,
	  { "Subject: a\r\n  folded\r\n\tmore", "To: x@y.example" },
	  S("b\r\n"), 1, 0 },
	{ "continuation before any field is body",
	  S(" indented\nSubject: x\n"), 0, { NULL },
	  S(" indented\r\nSubject: x\r\n"), 0, 0 },
	{ "space before colon is an obsolete field",
	  S("Subject : x\nTo: y\n"), 0,
	  { "Subject: x", "To: y" }, S(""), 0, 0 },
	{ "space inside a name is not a field", S("Sub ject: x\nTo: y\n"),
	  0, { NULL }, S("Sub ject: x\r\nTo: y\r\n"), 0, 0 },
	{ "8-bit field name is not a field",
	  S("X: 1\nS\xc3\xbc" "bject: x\n"), 0, { "X: 1" },
	  S("S\xc3\xbc" "bject: x\r\n"), 0, 0 },
	{ "empty field name is not a field", S(": x\n"), 0, { NULL },
	  S(": x\r\n"), 0, 0 },
	{ "mbox From line at the top dropped",
	  S("From alice@x.example Mon Jan  6 09:00:00 2025\nSubject: s\n\n"
	  "b\n"), 0, { "Subject: s" }, S("b\r\n"), 1, 0 },
	{ "From in the body kept",
	  S("Subject: s\n\nFrom the desk of\nFrom me\n"), 0, { "Subject: s" },
	  S("From the desk of\r\nFrom me\r\n"), 1, 0 },
	{ "From: as first line is a field", S("From: x@y.example\n\nb\n"), 0,
	  { "From: x@y.example" }, S("b\r\n"), 1, 0 },
	{ "lower-case from line is body", S("from x\nSubject: s\n"), 0,
	  { NULL }, S("from x\r\nSubject: s\r\n"), 0, 0 },
	{ "From line after the first ends the headers",
	  S("Subject: s\nFrom x\n"), 0, { "Subject: s" }, S("From x\r\n"), 0,
	  0 },
	{ "dots without MSG_DOT_ENDS",
	  S("S: s\n\na\n.\nb\n..\n.x\n"), 0, { "S: s" },
	  S("a\r\n.\r\nb\r\n..\r\n.x\r\n"), 1, 0 },
	{ "lone dot ends input with MSG_DOT_ENDS",
	  S("S: s\n\na\n..\n.x\n.\nb\n"), MSG_DOT_ENDS, { "S: s" },
	  S("a\r\n..\r\n.x\r\n"), 1, 0 },
	{ "lone dot with CRLF and MSG_DOT_ENDS",
	  S("S: s\r\n\r\na\r\n.\r\nafter\r\n"), MSG_DOT_ENDS, { "S: s" },
	  S("a\r\n"), 1, 0 },
	{ "final dot without newline, MSG_DOT_ENDS",
	  S("S: s\n\na\n."), MSG_DOT_ENDS, { "S: s" }, S("a\r\n"), 1, 0 },
	{ "final dot without newline, no flag",
	  S("S: s\n\na\n."), 0, { "S: s" }, S("a\r\n.\r\n"), 1, 0 },
	{ "dot in the header section with MSG_DOT_ENDS",
	  S("S: s\n.\nT: t\n"), MSG_DOT_ENDS, { "S: s" }, S(""), 0, 0 },
	{ "dot and space is text", S("S: s\n\n. \n.\t\n"), MSG_DOT_ENDS,
	  { "S: s" }, S(". \r\n.\t\r\n"), 1, 0 },
	{ "NUL dropped in body, text after kept",
	  S("Subject: s\n\nchunk\0garbage\nExit status: 3\n"), 0,
	  { "Subject: s" }, S("chunkgarbage\r\nExit status: 3\r\n"), 1, 1 },
	{ "NUL dropped in field name",
	  S("Sub\0ject: s\0\0x\n\nb\n"), 0, { "Subject: sx" }, S("b\r\n"), 1,
	  3 },
	{ "NUL between CR and LF", S("S: s\r\0\n\r\nb\0\0\r\0\r\n"), 0,
	  { "S: s" }, S("b\r\n"), 1, 4 },
	{ "NUL-only line is the separator", S("S: s\n\0\nbody\n"), 0,
	  { "S: s" }, S("body\r\n"), 1, 1 },
	{ "NUL does not hide a dot", S("S: s\n\n.\0\nb\n"), MSG_DOT_ENDS,
	  { "S: s" }, S(""), 1, 1 },
};

/* check_body_crlf - every line of b ends in CRLF; no bare CR or LF. */
static void
check_crlf(const char *p, size_t n)
{
	size_t	 i;

	if (n > 0 && (n < 2 || p[n - 2] != '\r' || p[n - 1] != '\n'))
		fail_msg("text does not end in CRLF");
	for (i = 0; i < n; i++) {
		if (p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n'))
			fail_msg("bare CR at %zu", i);
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			fail_msg("bare LF at %zu", i);
	}
}

/* check_parse - parse one case and compare fields, body and counters. */
static void
check_parse(void **state)
{
	const struct parse_case	*c = *state;
	struct message		 msg;
	size_t			 i, n = 0;

	while (n < MAXHDR && c->hdr[n] != NULL)
		n++;
	assert_int_equal(message_parse(c->in, c->inlen, c->flags, &msg), 0);

	assert_int_equal(msg.nhdr, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(msg.hdr[i].rawlen, strlen(c->hdr[i]));
		assert_memory_equal(msg.hdr[i].raw, c->hdr[i],
		    msg.hdr[i].rawlen);
		assert_int_equal(strlen(msg.hdr[i].name),
		    strcspn(c->hdr[i], ":"));
		assert_memory_equal(msg.hdr[i].name, c->hdr[i],
		    strlen(msg.hdr[i].name));
	}
	assert_int_equal(msg.body.len, c->bodylen);
	if (c->bodylen > 0)
		assert_memory_equal(msg.body.data, c->body, c->bodylen);
	check_crlf(msg.body.data, msg.body.len);
	assert_int_equal(msg.had_separator, c->sep);
	assert_int_equal(msg.nul_dropped, c->nuls);
	assert_int_equal(msg.input_size, c->inlen);
	message_free(&msg);
	assert_int_equal(msg.nhdr, 0);
	assert_null(msg.hdr);
}

/* parse_str - parse a C string, failing the test on error. */
static void
parse_str(const char *s, int flags, struct message *msg)
{
	assert_int_equal(message_parse(s, strlen(s), flags, msg), 0);
}

/* serialize_str - the whole message as a NUL-terminated string. */
static char *
serialize_str(const struct message *msg)
{
	struct buf	 b = BUF_INIT;

	assert_int_equal(message_serialize(msg, &b), 0);
	check_crlf(b.data, b.len);
	return buf_steal(&b);
}

/* test_find_count - names compare ignoring ASCII case. */
static void
test_find_count(void **state)
{
	struct message	 msg;

	(void)state;
	parse_str("To: a\nCC: b\nto: c\nX-To: d\nTO: e\n\n", 0, &msg);
	assert_int_equal(message_count(&msg, "To"), 3);
	assert_int_equal(message_count(&msg, "cc"), 1);
	assert_int_equal(message_count(&msg, "Bcc"), 0);
	assert_int_equal(message_find(&msg, "to", 0), 0);
	assert_int_equal(message_find(&msg, "to", 1), 2);
	assert_int_equal(message_find(&msg, "to", 2), 4);
	assert_int_equal(message_find(&msg, "to", 3), -1);
	assert_int_equal(message_find(&msg, "T", 0), -1);
	message_free(&msg);
}

/* test_value - unfolded, leading white space gone, CRLF removed. */
static void
test_value(void **state)
{
	struct message	 msg;
	char		*v;

	(void)state;
	parse_str("Subject: \tHello\n  world\n\tagain\nX-Empty:\n"
	    "X-Tight:value\nX-Fold:\n next line\n\n", 0, &msg);
	v = message_value(&msg, 0);
	assert_string_equal(v, "Hello  world\tagain");
	free(v);
	v = message_value(&msg, 1);
	assert_string_equal(v, "");
	free(v);
	v = message_value(&msg, 2);
	assert_string_equal(v, "value");
	free(v);
	v = message_value(&msg, 3);
	assert_string_equal(v, "next line");
	free(v);
	message_free(&msg);
}

/* test_remove_bcc - every spelling, folded values entirely. */
static void
test_remove_bcc(void **state)
{
	struct message	 msg;
	char		*out;

	(void)state;
	parse_str("To: a@x.example\nbcc: hidden1@y.example\nSubject: s\n"
	    "BCC: hidden2@y.example,\n  hidden3@y.example\nBcc: \n"
	    "Resent-Bcc: r@y.example\nX-Bcc-Note: kept\n\nbody\n", 0, &msg);
	assert_int_equal(message_remove(&msg, "Bcc"), 3);
	assert_int_equal(message_count(&msg, "bcc"), 0);
	assert_int_equal(msg.nhdr, 4);
	assert_int_equal(message_remove(&msg, "Bcc"), 0);

	out = serialize_str(&msg);
	assert_null(strstr(out, "hidden"));
	assert_string_equal(out, "To: a@x.example\r\nSubject: s\r\n"
	    "Resent-Bcc: r@y.example\r\nX-Bcc-Note: kept\r\n\r\nbody\r\n");
	free(out);

	message_remove_at(&msg, 0);
	assert_int_equal(msg.nhdr, 3);
	assert_string_equal(msg.hdr[0].name, "Subject");
	message_remove_at(&msg, 2);
	assert_int_equal(msg.nhdr, 2);
	assert_string_equal(msg.hdr[1].name, "Resent-Bcc");
	message_free(&msg);
}

/* test_add - appended at the end; injection refused. */
static void
test_space_before_colon(void **state)
{
	const char	*in = "To: a@example.org\nBcc : secret@example.org\n"
	    "Subject\t: hi\n\nbody\n";
	struct message	 m;
	struct buf	 out = BUF_INIT;
	char		*v;

	(void)state;
	message_init(&m);
	assert_int_equal(message_parse(in, strlen(in), 0, &m), 0);
	assert_int_equal(m.nhdr, 3);
	assert_true(m.had_separator);
	v = message_value(&m, 2);
	assert_string_equal(v, "hi");
	free(v);
	assert_int_equal(message_remove(&m, "Bcc"), 1);
	assert_int_equal(message_serialize(&m, &out), 0);
	assert_string_equal(out.data,
	    "To: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n");
	buf_free(&out);
	message_free(&m);
}

static void
test_add(void **state)
{
	struct message	 msg;
	char		*out;

	(void)state;
	parse_str("Subject: s\n\nbody\n", 0, &msg);
	assert_int_equal(message_add(&msg, "Date",
	    "Mon, 06 Jan 2025 09:00:00 +0000"), 0);
	assert_int_equal(message_add(&msg, "X-Empty", ""), 0);
	assert_int_equal(msg.nhdr, 3);
	assert_string_equal(msg.hdr[1].name, "Date");
	assert_int_equal(msg.hdr[1].rawlen, strlen(msg.hdr[1].raw));

	errno = 0;
	assert_int_equal(message_add(&msg, "X-Evil", "a\r\nBcc: v@x"), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(message_add(&msg, "X-Evil", "a\nb"), -1);
	assert_int_equal(message_add(&msg, "Bad Name", "v"), -1);
	assert_int_equal(message_add(&msg, "Bad:Name", "v"), -1);
	assert_int_equal(message_add(&msg, "", "v"), -1);
	assert_int_equal(msg.nhdr, 3);

	out = serialize_str(&msg);
	assert_string_equal(out, "Subject: s\r\n"
	    "Date: Mon, 06 Jan 2025 09:00:00 +0000\r\nX-Empty: \r\n\r\n"
	    "body\r\n");
	free(out);

	/* A message with no fields at all takes one too. */
	message_free(&msg);
	parse_str("", 0, &msg);
	assert_int_equal(message_add(&msg, "From", "a@x.example"), 0);
	out = serialize_str(&msg);
	assert_string_equal(out, "From: a@x.example\r\n\r\n");
	free(out);
	message_free(&msg);
}

/* test_dedupe - first of each singleton kept; repeatable fields all. */
static void
test_dedupe(void **state)
{
	struct message	 msg;
	char		*out;

	(void)state;
	parse_str("Received: r1\nSubject: one\nMessage-ID: <1@x>\n"
	    "X-Cron-Env: <A=1>\nsubject: two\nmessage-id: <2@x>\n"
	    "Date: d1\nDATE: d2\nX-Cron-Env: <B=2>\nReceived: r2\n"
	    "To: a\nTo: b\nMIME-Version: 1.0\n\nbody\n", 0, &msg);
	assert_int_equal(message_dedupe_singletons(&msg), 3);
	out = serialize_str(&msg);
	assert_string_equal(out, "Received: r1\r\nSubject: one\r\n"
	    "Message-ID: <1@x>\r\nX-Cron-Env: <A=1>\r\nDate: d1\r\n"
	    "X-Cron-Env: <B=2>\r\nReceived: r2\r\nTo: a\r\nTo: b\r\n"
	    "MIME-Version: 1.0\r\n\r\nbody\r\n");
	free(out);
	assert_int_equal(message_dedupe_singletons(&msg), 0);
	message_free(&msg);
}

/*
 * The SES "header fields" page's once-only list, kept here apart from
 * message.c so that a name missing there, or a table bsearch cannot
 * walk (not sorted), fails this test.
 */
static const char *const ses_once[] = {
	"Accept-Language", "acceptLanguage", "Archived-At",
	"Auto-Submitted", "Bounces-to", "Comments", "Content-Alternative",
	"Content-Base", "Content-Class", "Content-Description",
	"Content-Disposition", "Content-Duration", "Content-ID",
	"Content-Language", "Content-Length", "Content-Location",
	"Content-MD5", "Content-Transfer-Encoding", "Content-Type", "Date",
	"Delivered-To", "Disposition-Notification-Options",
	"Disposition-Notification-To", "DKIM-Signature",
	"DomainKey-Signature", "Errors-To", "From", "Importance",
	"In-Reply-To", "Keywords", "List-Archive", "List-Help", "List-Id",
	"List-Owner", "List-Post", "List-Subscribe", "List-Unsubscribe",
	"List-Unsubscribe-Post", "Message-Context", "Message-ID",
	"MIME-Version", "Organization", "Original-From",
	"Original-Message-ID", "Original-Recipient", "Original-Subject",
	"Precedence", "Priority", "References", "Reply-To", "Return-Path",
	"Return-Receipt-To", "Sender", "Solicitation", "Sensitivity",
	"Subject", "Thread-Index", "Thread-Topic", "User-Agent", "VBR-Info",
};

/* test_dedupe_all - each of the 60 names, twice in other cases. */
static void
test_dedupe_all(void **state)
{
	struct message	 msg;
	char		 upper[64];
	size_t		 i, j, n = sizeof(ses_once) / sizeof(ses_once[0]);

	(void)state;
	assert_int_equal(n, 60);
	message_init(&msg);
	for (i = 0; i < n; i++) {
		assert_true(strlen(ses_once[i]) < sizeof(upper));
		for (j = 0; ses_once[i][j] != '\0'; j++) {
			upper[j] = ses_once[i][j];
			if (upper[j] >= 'a' && upper[j] <= 'z')
				upper[j] = (char)(upper[j] - 'a' + 'A');
		}
		upper[j] = '\0';
		assert_int_equal(message_add(&msg, ses_once[i], "first"), 0);
		assert_int_equal(message_add(&msg, upper, "second"), 0);
	}
	assert_int_equal(message_add(&msg, "To", "a"), 0);
	assert_int_equal(message_add(&msg, "To", "b"), 0);
	assert_int_equal(message_dedupe_singletons(&msg), n);
	assert_int_equal(msg.nhdr, n + 2);
	for (i = 0; i < n; i++) {
		assert_string_equal(msg.hdr[i].name, ses_once[i]);
		assert_int_equal(message_count(&msg, ses_once[i]), 1);
	}
	message_free(&msg);
}

/* test_serialize_roundtrip - CRLF only, separator always, idempotent. */
static void
test_serialize_roundtrip(void **state)
{
	static const char in[] = "From x Mon Jan  6 09:00:00 2025\r\n"
	    "Subject: a\r\r\n folded\nTo: t@x.example\r"
	    "Content-Type: text/plain\n<p>body starts: here</p>\r\r\n"
	    "bare\rcr\n\n\r\n.\n..\nlast";
	struct message	 msg, again;
	char		*out, *out2;

	(void)state;
	assert_int_equal(message_parse(in, sizeof(in) - 1, 0, &msg), 0);
	out = serialize_str(&msg);
	assert_string_equal(out, "Subject: a\r\n folded\r\n"
	    "To: t@x.example\r\nContent-Type: text/plain\r\n\r\n"
	    "<p>body starts: here</p>\r\nbare\r\ncr\r\n\r\n\r\n.\r\n..\r\n"
	    "last\r\n");
	assert_null(strstr(out, "\r\r"));

	/* Parsing the output gives the same message back. */
	parse_str(out, 0, &again);
	out2 = serialize_str(&again);
	assert_string_equal(out, out2);
	assert_int_equal(again.had_separator, 1);
	free(out);
	free(out2);
	message_free(&again);
	message_free(&msg);

	/* An empty message is just the separator. */
	parse_str("", 0, &msg);
	out = serialize_str(&msg);
	assert_string_equal(out, "\r\n");
	free(out);
	message_free(&msg);
}

/* big_input - n bytes of LF-ended 79-byte lines after a small header. */
static char *
big_input(size_t target, size_t *lenp, size_t *nlines)
{
	static const char head[] = "Subject: big\nTo: a@x.example\n\n";
	char	*p;
	size_t	 len, i;

	p = malloc(sizeof(head) + target + 80);
	assert_non_null(p);
	memcpy(p, head, sizeof(head) - 1);
	len = sizeof(head) - 1;
	for (*nlines = 0; len < sizeof(head) - 1 + target; (*nlines)++) {
		for (i = 0; i < 79; i++)
			p[len + i] = (char)('a' + (*nlines + i) % 26);
		p[len + 79] = '\n';
		len += 80;
	}
	*lenp = len;
	return p;
}

/* test_large_parse - 20 MB in memory, body size exact (linear time). */
static void
test_large_parse(void **state)
{
	struct message	 msg;
	char		*in;
	size_t		 len, nlines;

	(void)state;
	in = big_input(20 * 1024 * 1024, &len, &nlines);
	assert_int_equal(message_parse(in, len, MSG_DOT_ENDS, &msg), 0);
	assert_int_equal(msg.nhdr, 2);
	assert_int_equal(msg.body.len, nlines * 81);
	assert_int_equal(msg.input_size, len);
	assert_memory_equal(msg.body.data + msg.body.len - 2, "\r\n", 2);
	message_free(&msg);
	free(in);
}

/* test_large_read_fd - 20 MB through a pipe, in pieces. */
static void
test_large_read_fd(void **state)
{
	struct message	 msg;
	char		*in;
	size_t		 len, nlines, off;
	ssize_t		 n;
	pid_t		 pid;
	int		 fds[2], status;

	(void)state;
	in = big_input(20 * 1024 * 1024, &len, &nlines);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(fds[0]);
		for (off = 0; off < len; off += (size_t)n) {
			n = write(fds[1], in + off, len - off);
			if (n <= 0)
				_exit(1);
		}
		_exit(0);
	}
	close(fds[1]);
	assert_int_equal(message_read_fd(fds[0], 0, SIZE_MAX, &msg), 0);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	assert_int_equal(msg.input_size, len);
	assert_int_equal(msg.body.len, nlines * 81);
	message_free(&msg);
	free(in);
}

/* test_read_fd_file - a regular file, read to its end. */
static void
test_read_fd_file(void **state)
{
	static const char in[] = "Subject: s\n\nline\0one\n.\nafter\n";
	struct message	 msg;
	FILE		*f;

	(void)state;
	f = tmpfile();
	assert_non_null(f);
	assert_int_equal(fwrite(in, 1, sizeof(in) - 1, f), sizeof(in) - 1);
	assert_int_equal(fflush(f), 0);
	rewind(f);
	assert_int_equal(message_read_fd(fileno(f), 0, SIZE_MAX, &msg), 0);
	assert_int_equal(msg.input_size, sizeof(in) - 1);
	assert_int_equal(msg.nul_dropped, 1);
	assert_string_equal(msg.body.data, "lineone\r\n.\r\nafter\r\n");
	message_free(&msg);
	fclose(f);
}

/*
 * test_read_fd_stops_at_dot - with MSG_DOT_ENDS, reading stops at the
 * dot although the writer keeps the pipe open, as a user at a terminal
 * does. Without the stop this test would block; the alarm fails it.
 */
static void
test_read_fd_stops_at_dot(void **state)
{
	static const char in[] = "Subject: s\r\n\r\nhello\r\n.\r";
	struct message	 msg;
	int		 fds[2];

	(void)state;
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], in, sizeof(in) - 1),
	    (ssize_t)(sizeof(in) - 1));
	alarm(10);
	assert_int_equal(message_read_fd(fds[0], MSG_DOT_ENDS, SIZE_MAX, &msg),
	    0);
	alarm(0);
	assert_int_equal(msg.nhdr, 1);
	assert_string_equal(msg.body.data, "hello\r\n");
	message_free(&msg);
	close(fds[0]);
	close(fds[1]);
}

/* test_read_fd_errors - a bad descriptor; an empty input. */
static void
test_read_fd_errors(void **state)
{
	struct message	 msg;
	int		 fds[2];

	(void)state;
	errno = 0;
	assert_int_equal(message_read_fd(-1, 0, SIZE_MAX, &msg), -1);
	assert_int_equal(errno, EBADF);
	assert_int_equal(msg.nhdr, 0);

	assert_int_equal(pipe(fds), 0);
	close(fds[1]);
	assert_int_equal(message_read_fd(fds[0], MSG_DOT_ENDS, SIZE_MAX, &msg),
	    0);
	close(fds[0]);
	assert_int_equal(msg.nhdr, 0);
	assert_int_equal(msg.body.len, 0);
	assert_int_equal(msg.input_size, 0);
	message_free(&msg);
}

/*
 * test_raw_and_input_end - the bytes as read are kept for the spool, and
 * input_end says where the message ends: before a lone dot (what comes
 * after it is not the message), else at the end. Parsed again without
 * MSG_DOT_ENDS, those bytes give the same message.
 */
static void
test_raw_and_input_end(void **state)
{
	static const char in[] = "From x\r\nSubject: s\r\n\r\na\r\n..\r\n"
	    ".\r\nafter\r\n";
	struct message	 a, b;
	struct buf	 raw = BUF_INIT, sa = BUF_INIT, sb = BUF_INIT;
	FILE		*f;

	(void)state;
	f = tmpfile();
	assert_non_null(f);
	assert_int_equal(fwrite(in, 1, sizeof(in) - 1, f), sizeof(in) - 1);
	rewind(f);
	assert_int_equal(message_read_raw(fileno(f), MSG_DOT_ENDS, 1 << 20,
	    &raw), 0);
	fclose(f);
	assert_int_equal(raw.len, sizeof(in) - 1);
	assert_memory_equal(raw.data, in, raw.len);

	assert_int_equal(message_parse(raw.data, raw.len, MSG_DOT_ENDS, &a),
	    0);
	assert_int_equal(a.input_end, strlen("From x\r\nSubject: s\r\n\r\n"
	    "a\r\n..\r\n"));
	assert_int_equal(message_parse(raw.data, a.input_end, 0, &b), 0);
	assert_int_equal(message_serialize(&a, &sa), 0);
	assert_int_equal(message_serialize(&b, &sb), 0);
	assert_int_equal(sa.len, sb.len);
	assert_memory_equal(sa.data, sb.data, sa.len);
	message_free(&b);

	/* No dot: the whole input. */
	assert_int_equal(message_parse(in, 20, 0, &b), 0);
	assert_int_equal(b.input_end, 20);
	message_free(&a);
	message_free(&b);
	buf_free(&raw);
	buf_free(&sa);
	buf_free(&sb);
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_raw_and_input_end),
		cmocka_unit_test(test_find_count),
		cmocka_unit_test(test_value),
		cmocka_unit_test(test_remove_bcc),
		cmocka_unit_test(test_space_before_colon),
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_dedupe),
		cmocka_unit_test(test_dedupe_all),
		cmocka_unit_test(test_serialize_roundtrip),
		cmocka_unit_test(test_large_parse),
		cmocka_unit_test(test_large_read_fd),
		cmocka_unit_test(test_read_fd_file),
		cmocka_unit_test(test_read_fd_stops_at_dot),
		cmocka_unit_test(test_read_fd_errors),
	};
	struct CMUnitTest	*t;
	size_t			 np, nfix, i, n = 0;
	int			 rc;

	np = sizeof(parse_cases) / sizeof(parse_cases[0]);
	nfix = sizeof(fixed) / sizeof(fixed[0]);
	t = calloc(np + nfix, sizeof(*t));
	if (t == NULL)
		return 1;
	for (i = 0; i < np; i++, n++) {
		t[n].name = parse_cases[i].name;
		t[n].test_func = check_parse;
		t[n].initial_state = (void *)(uintptr_t)&parse_cases[i];
	}
	for (i = 0; i < nfix; i++, n++)
		t[n] = fixed[i];

	rc = _cmocka_run_group_tests("message", t, n, NULL, NULL);
	free(t);
	return rc;
}
