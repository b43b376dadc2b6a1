/*
 * test_message - reading a message like sendmail and editing its header
 * section. Parsing is table-driven, one named case per row. A message
 * kept in a file (message_spill, message_parse_fd) is checked against
 * the same bytes read whole, over random and hand-made inputs.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include "crlf.h"
#include "message.h"
#include "mime.h"
#include "util.h"

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
	/* The NUL is the dot line's, not the message's: not counted. */
	{ "NUL does not hide a dot", S("S: s\n\n.\0\nb\n"), MSG_DOT_ENDS,
	  { "S: s" }, S(""), 1, 0 },
	{ "NUL in the message before a dot counted",
	  S("S: s\n\na\0\n.\0\r\0\n"), MSG_DOT_ENDS, { "S: s" },
	  S("a\r\n"), 1, 1 },
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

/* --- a message kept in a file: message_spill, message_parse_fd ------- */

/*
 * Standard input beyond MSG_SPILL_AT stays in a file and only its
 * header section is parsed; the body is read through crlf.c as it is
 * sent. Whatever the input, that must come to exactly the message that
 * message_read_raw and message_parse make of it in memory: the same
 * fields, the same serialized bytes, the same end and counters. These
 * tests make such inputs at random (seeded: a failure names its seed)
 * and by hand at the places where the file path reads in pieces: the
 * 256 KB read chunks, the 64 KB first look at the header section.
 */

static uint32_t	rng;
static uint32_t	seed;		/* that made the input, for messages */

/* rnd - the next number of a xorshift generator: reproducible. */
static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* The line ends callers write, PHP's and NUL-laden ones included. */
static const char *const	ends[] = {
	"\n", "\r\n", "\n", "\r\r\n", "\r\0\n", "\r\0\r\n", "\r", "\n"
};
static const size_t		endlen[] = { 1, 2, 1, 3, 3, 4, 1, 1 };

#define NENDS	(sizeof(ends) / sizeof(ends[0]))

/* add_end - a random line end onto b. */
static void
add_end(struct buf *b)
{
	size_t	 k = rnd() % NENDS;

	assert_int_equal(buf_append(b, ends[k], endlen[k]), 0);
}

/*
 * add_text - n bytes of line text onto b: no dot (dots are placed on
 * purpose, so that a lone one does not end a message by chance), but
 * NULs, colons, white space and now and then a CR.
 */
static void
add_text(struct buf *b, size_t n)
{
	static const char	 text[] = {
		'a', 'b', 'c', 'a', ' ', ':', '\t', 'z', '\0', 'q', '\r'
	};
	char			 ch;

	while (n-- > 0) {
		ch = text[rnd() % sizeof(text)];
		if (ch == '\r' && rnd() % 8 != 0)
			ch = 'r';
		assert_int_equal(buf_append(b, &ch, 1), 0);
	}
}

/* add_head - a random header section, its end included (or not). */
static void
add_head(struct buf *b)
{
	static const char *const names[] = {
		"Subject: ", "To: ", "From: ", "X-Junk: ", "Received: ",
		"Bcc : "
	};
	static const char *const seps[] = {
		"\n", "\r\n", "\r\r\n", "\r\0\n", "\0\n", ""
	};
	static const size_t	 seplen[] = { 1, 2, 3, 4, 2, 0 };
	size_t			 i, k, nf = rnd() % 12;

	if (rnd() % 6 == 0) {
		assert_int_equal(buf_appends(b, "From sender@example.org Mon "
		    "Jan  6 09:00:00 2025"), 0);
		add_end(b);
	}
	for (i = 0; i < nf; i++) {
		assert_int_equal(buf_appends(b, names[rnd() % 6]), 0);
		add_text(b, rnd() % 60);
		add_end(b);
		if (rnd() % 4 == 0) {
			assert_int_equal(buf_appends(b, " folded"), 0);
			add_end(b);
		}
	}
	k = rnd() % (sizeof(seps) / sizeof(seps[0]));
	assert_int_equal(buf_append(b, seps[k], seplen[k]), 0);
	if (seplen[k] == 0) {
		/* No empty line: a line that is no field starts the body. */
		assert_int_equal(buf_appends(b, "<html>"), 0);
		add_end(b);
	}
}

/* add_dot - a line that ends the input with MSG_DOT_ENDS. */
static void
add_dot(struct buf *b)
{
	static const char *const dots[] = {
		".\n", ".\r\n", ".\0\r\n", "\0.\n", ".\r", ".\r\0\n"
	};
	static const size_t	 dotlen[] = { 2, 3, 4, 3, 2, 4 };
	size_t			 k = rnd() % 6;

	assert_int_equal(buf_append(b, dots[k], dotlen[k]), 0);
}

/* add_body - lines up to size bytes, a lone dot in them or not. */
static void
add_body(struct buf *b, size_t size)
{
	static const char *const starts[] = { "..", ".x", ". ", "\0.." };
	size_t			 dot_at = SIZE_MAX;

	if (rnd() % 2 == 0)
		dot_at = b->len + rnd() % (size + 1);
	while (b->len < size) {
		if (b->len >= dot_at) {
			add_dot(b);
			dot_at = SIZE_MAX;
		}
		if (rnd() % 8 == 0)
			assert_int_equal(buf_append(b, starts[rnd() % 4],
			    2 + (rnd() % 2)), 0);
		add_text(b, rnd() % 32 == 0 ? 900 + rnd() % 2000 :
		    rnd() % 100);
		add_end(b);
	}
	/* A last line without its end, now and then. */
	if (rnd() % 4 == 0)
		add_text(b, 1 + rnd() % 5);
}

/* gen_msg - a random message of about size bytes into b. */
static void
gen_msg(struct buf *b, size_t size)
{
	buf_reset(b);
	add_head(b);
	add_body(b, size);
}

/* file_with - a temporary regular file holding p[0..n), at offset 0. */
static int
file_with(const char *p, size_t n)
{
	int	 fd;

	fd = tmp_open();
	assert_true(fd >= 0);
	if (n > 0)
		assert_int_equal(write(fd, p, n), (ssize_t)n);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/*
 * pipe_with - a pipe that a child writes p[0..n) into, in odd-sized
 * pieces, so that reads end anywhere. The child gives up quietly when
 * the reader stops early (at a lone dot). Returns the child.
 */
static pid_t
pipe_with(const char *p, size_t n, int *fd)
{
	static const size_t	 pieces[] = { 1, 4093, 7, 65537, 3, 100000,
	    13 };
	size_t			 off = 0, k, i = 0;
	ssize_t			 w;
	pid_t			 pid;
	int			 fds[2];

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		signal(SIGPIPE, SIG_IGN);
		close(fds[0]);
		while (off < n) {
			k = pieces[i++ % (sizeof(pieces) / sizeof(pieces[0]))];
			w = write(fds[1], p + off, k < n - off ? k : n - off);
			if (w <= 0)
				_exit(0);
			off += (size_t)w;
		}
		_exit(0);
	}
	close(fds[1]);
	*fd = fds[0];
	return pid;
}

/* reap - the writer of pipe_with is done. */
static void
reap(pid_t pid)
{
	int	 status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* serialized - message_serialize's bytes of msg into out. */
static void
serialized(const struct message *msg, struct buf *out)
{
	buf_reset(out);
	assert_int_equal(message_serialize(msg, out), 0);
}

/* same_msg - got is the message want is, fields, bytes and counters. */
static void
same_msg(const struct message *want, const struct message *got,
    const char *how)
{
	struct buf	 a = BUF_INIT, b = BUF_INIT;
	size_t		 i;

	if (got->nhdr != want->nhdr)
		fail_msg("seed %u, %s: %zu fields, not %zu", seed, how,
		    got->nhdr, want->nhdr);
	for (i = 0; i < want->nhdr; i++) {
		assert_string_equal(got->hdr[i].name, want->hdr[i].name);
		assert_int_equal(got->hdr[i].rawlen, want->hdr[i].rawlen);
		assert_memory_equal(got->hdr[i].raw, want->hdr[i].raw,
		    want->hdr[i].rawlen);
	}
	assert_int_equal(got->had_separator, want->had_separator);
	if (message_body_len(got) != want->body.len)
		fail_msg("seed %u, %s: body of %zu bytes, not %zu", seed, how,
		    message_body_len(got), want->body.len);
	if (got->nul_dropped != want->nul_dropped)
		fail_msg("seed %u, %s: %zu NULs dropped, not %zu", seed, how,
		    got->nul_dropped, want->nul_dropped);
	assert_int_equal(got->input_end, want->input_end);
	serialized(want, &a);
	serialized(got, &b);
	if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
		fail_msg("seed %u, %s: serialized messages differ", seed, how);
	buf_free(&a);
	buf_free(&b);
}

/*
 * body_figures - a body in a file says what it comes to: its length
 * and NULs exactly; its longest line exactly or, when taken from the
 * spill's figures for the whole message, on the same side of
 * MIME_MAX_LINE, which is all that is asked of it.
 */
static void
body_figures(const struct message *want, const struct message *got)
{
	const char	*p = want->body.data;
	size_t		 i, start = 0, most = 0;

	if (got->src == NULL)
		return;
	for (i = 0; i + 1 < want->body.len; i++) {
		if (p[i] != '\r' || p[i + 1] != '\n')
			continue;
		if (i - start > most)
			most = i - start;
		start = i + 2;
	}
	assert_int_equal(got->src_st.len, want->body.len);
	assert_true(got->src_st.longest >= most);
	assert_int_equal(got->src_st.longest > MIME_MAX_LINE,
	    most > MIME_MAX_LINE);
}

/* spill_stats - the spill counted what its file measures to. */
static void
spill_stats(const struct spill *s)
{
	struct crlf		 c;
	struct crlf_stats	 st;

	if (s->fd == -1 || s->st.longest == SIZE_MAX)
		return;
	crlf_init(&c, s->fd, 0, s->end);
	assert_int_equal(crlf_measure(&c, &st), 0);
	if (st.len != s->st.len || st.nuls != s->st.nuls ||
	    st.longest != s->st.longest)
		fail_msg("seed %u: spill counted %zu/%zu/%zu, not %zu/%zu/%zu",
		    seed, s->st.len, s->st.nuls, s->st.longest, st.len, st.nuls,
		    st.longest);
	crlf_free(&c);
}

/*
 * kept_as_read - the spill holds the first s->end input bytes as they
 * came, in memory or in its file.
 */
static void
kept_as_read(const struct spill *s, const char *p)
{
	struct buf	 b = BUF_INIT;
	ssize_t		 n;

	if (s->fd == -1) {
		assert_int_equal(s->mem.len, s->end);
		if (s->end > 0)
			assert_memory_equal(s->mem.data, p, s->end);
		return;
	}
	assert_int_equal(buf_reserve(&b, s->end), 0);
	n = pread(s->fd, b.data, s->end, 0);
	assert_int_equal(n, (ssize_t)s->end);
	if (s->end > 0)
		assert_memory_equal(b.data, p, s->end);
	buf_free(&b);
}

/* parse_spill - what main.c makes of a spill. */
static void
parse_spill(const struct spill *s, int flags, struct message *msg)
{
	if (s->fd == -1)
		assert_int_equal(message_parse(s->mem.data != NULL ?
		    s->mem.data : "", s->mem.len, flags, msg), 0);
	else if (message_parse_fd(s->fd, 0, s->end, &s->st, msg) == -1)
		fail_msg("seed %u: message_parse_fd: %s", seed,
		    strerror(errno));
}

/*
 * as_queued - the message as -q reads it back: behind a spool head,
 * with nothing known of it beforehand.
 */
static void
as_queued(const char *p, size_t end, const struct message *want)
{
	static const char	 head[] = "sesmail-spool 1\nsize 0\n\n";
	struct message		 msg;
	struct buf		 b = BUF_INIT;
	int			 fd;

	assert_int_equal(buf_appends(&b, head), 0);
	assert_int_equal(buf_append(&b, p, end), 0);
	fd = file_with(b.data, b.len);
	assert_int_equal(message_parse_fd(fd, sizeof(head) - 1, end, NULL,
	    &msg), 0);
	same_msg(want, &msg, "read back from a spool file");
	body_figures(want, &msg);
	message_free(&msg);
	close(fd);
	buf_free(&b);
}

/*
 * check_spill - p[0..n) read as standard input (from a regular file, or
 * a pipe written in pieces) against message_read_raw and message_parse
 * of the same bytes. Returns what the spill counted, for the tests that
 * ask more of it.
 */
static struct crlf_stats
check_spill(const char *p, size_t n, int flags, int piped)
{
	struct spill		 s;
	struct message		 want, got;
	struct buf		 raw = BUF_INIT;
	struct crlf_stats	 st;
	pid_t			 pid = -1;
	int			 fd;

	fd = file_with(p, n);
	assert_int_equal(message_read_raw(fd, flags, SIZE_MAX, &raw), 0);
	close(fd);
	assert_int_equal(message_parse(raw.data != NULL ? raw.data : "",
	    raw.len, flags, &want), 0);

	if (piped)
		pid = pipe_with(p, n, &fd);
	else
		fd = file_with(p, n);
	if (message_spill(fd, flags, SIZE_MAX, &s) == -1)
		fail_msg("seed %u: message_spill: %s", seed, strerror(errno));
	close(fd);
	if (pid != -1)
		reap(pid);
	if (s.end != want.input_end)
		fail_msg("seed %u: spill ends at %zu, the message at %zu",
		    seed, s.end, want.input_end);
	assert_true(s.end <= s.size && s.size <= n);
	if (want.input_end == n)
		assert_int_equal(s.size, n);
	/* A file, and only then, once more than MSG_SPILL_AT came. */
	assert_int_equal(s.fd != -1, s.size > MSG_SPILL_AT);
	kept_as_read(&s, p);
	spill_stats(&s);

	parse_spill(&s, flags, &got);
	same_msg(&want, &got, s.fd == -1 ? "spilled to memory" :
	    "spilled to a file");
	body_figures(&want, &got);
	as_queued(p, s.end, &want);

	st = s.st;
	message_free(&got);
	message_free(&want);
	message_spill_free(&s);
	buf_free(&raw);
	return st;
}

/* check_all_ways - check_spill with and without -i, file and pipe. */
static void
check_all_ways(const char *p, size_t n)
{
	check_spill(p, n, 0, 0);
	check_spill(p, n, MSG_DOT_ENDS, 0);
	check_spill(p, n, 0, 1);
	check_spill(p, n, MSG_DOT_ENDS, 1);
}

/* fuzz_msgs - count random messages of least to most bytes. */
static void
fuzz_msgs(uint32_t base, size_t count, size_t least, size_t most)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	for (i = 0; i < count; i++) {
		seed = base + (uint32_t)i * 2654435761u;
		rng = seed != 0 ? seed : 1;
		gen_msg(&b, least + rnd() % (most - least + 1));
		check_all_ways(b.data, b.len);
	}
	buf_free(&b);
}

/* Small messages: the memory path, and -q's file path, many times. */
static void
test_spill_fuzz_small(void **state)
{
	(void)state;
	fuzz_msgs(11, 500, 0, 3000);
}

/* Messages around and over MSG_SPILL_AT: the file path proper. */
static void
test_spill_fuzz_large(void **state)
{
	(void)state;
	fuzz_msgs(12, 24, MSG_SPILL_AT - 2000, 3 * MSG_SPILL_AT);
}

/*
 * body_to - b (a header section) with body lines up to size bytes:
 * 79 letters and LF, or CRLF when crlf is set.
 */
static void
body_to(struct buf *b, size_t size, int crlf)
{
	size_t	 i;
	char	 ch;

	while (b->len + 81 < size) {
		for (i = 0; i < 79; i++) {
			ch = (char)('a' + (b->len + i) % 26);
			assert_int_equal(buf_append(b, &ch, 1), 0);
		}
		assert_int_equal(buf_appends(b, crlf ? "\r\n" : "\n"), 0);
	}
	while (b->len < size)
		assert_int_equal(buf_append(b, "x", 1), 0);
}

/*
 * A lone dot read in two chunks: "." the last byte of the first 256 KB
 * read, its line end the first of the next (with NULs around). The
 * spill has then counted the dot as body and cannot take it back: it
 * must say that it does not know (longest SIZE_MAX), so that
 * message_parse_fd measures. Also a dot just after the boundary, where
 * the figures are known, and one at the very end without a line end.
 */
static void
test_spill_dot_straddles(void **state)
{
	static const struct {
		const char	*before, *after;
		size_t		 blen, alen;
		int		 unknown;	/* 1, 0, or -1: either */
	} cut[] = {
		{ "\n.", "\nafter\n", 2, 7, 1 },
		{ "\n.", "\r\nafter\n", 2, 8, 1 },
		{ "\n.", "\r\0\nafter\n", 2, 9, 1 },
		{ "\n.\0", "\0\nafter\n", 3, 8, 1 },
		{ "\n\0", ".\nafter\n", 2, 8, 1 },
		{ "\r\n", "\0.\0\r\nafter\n", 2, 11, 0 },
		{ "\n", ".\nafter\n", 1, 8, 0 },
		{ "\r", ".\nafter\n", 1, 8, 0 },
		{ "\r", "\n.\nafter\n", 1, 9, 0 },
		{ "\n.", "", 2, 0, -1 },
		{ "\n.", "\0", 2, 1, -1 },
		{ "\n", ".", 1, 1, -1 },
	};
	struct crlf_stats	 st;
	struct buf		 b = BUF_INIT;
	size_t			 i, chunk = 256 * 1024;

	(void)state;
	seed = rng = 13;
	for (i = 0; i < sizeof(cut) / sizeof(cut[0]); i++) {
		buf_reset(&b);
		assert_int_equal(buf_appends(&b, "Subject: dot\n\n"), 0);
		body_to(&b, chunk - cut[i].blen, i % 2);
		assert_int_equal(buf_append(&b, cut[i].before, cut[i].blen),
		    0);
		assert_int_equal(b.len, chunk);
		assert_int_equal(buf_append(&b, cut[i].after, cut[i].alen),
		    0);
		body_to(&b, b.len + 5000, 0);
		if (cut[i].alen <= 1)
			b.len = chunk + cut[i].alen;
		st = check_spill(b.data, b.len, MSG_DOT_ENDS, 0);
		if (cut[i].unknown == 1 && st.longest != SIZE_MAX)
			fail_msg("cut %zu: the spill claims to know", i);
		if (cut[i].unknown == 0 && st.longest == SIZE_MAX)
			fail_msg("cut %zu: the spill does not know", i);
		check_spill(b.data, b.len, 0, 0);
	}
	buf_free(&b);
}

/*
 * The header section is first looked for in its first 64 KB: an end
 * of it (a separator of every kind) right at that boundary, on either
 * side, must not be taken for a shorter one. The body is large, so the
 * spill's figures are used too.
 */
static void
test_parse_fd_head_edge(void **state)
{
	static const char *const seps[] = {
		"\n\n", "\r\n\r\n", "\n\r\r\n", "\n\r\0\n", "\n\r\0\r\n",
		"\n\0\n", "\r\r", "\n\r\0\0\n", "\n<p>"
	};
	static const size_t	 seplen[] = { 2, 4, 4, 4, 5, 3, 2, 5, 4 };
	struct buf		 b = BUF_INIT;
	size_t			 i, at, edge = 64 * 1024;

	(void)state;
	seed = rng = 14;
	for (i = 0; i < sizeof(seps) / sizeof(seps[0]); i++) {
		for (at = edge - seplen[i] - 1; at <= edge + 1; at++) {
			buf_reset(&b);
			assert_int_equal(buf_appends(&b, "Subject: "), 0);
			while (b.len < at - 30)
				assert_int_equal(buf_appends(&b, "word "), 0);
			assert_int_equal(buf_appends(&b, "\nX-Last: "), 0);
			while (b.len < at)
				assert_int_equal(buf_append(&b, "v", 1), 0);
			assert_int_equal(buf_append(&b, seps[i], seplen[i]),
			    0);
			body_to(&b, MSG_SPILL_AT + 1000, 0);
			check_spill(b.data, b.len, 0, 0);
			check_spill(b.data, b.len, MSG_DOT_ENDS, 0);
		}
	}
	buf_free(&b);
}

/*
 * Header sections over 64 KB (read again in a larger piece): many
 * fields, one field folded very often, one line of 200 KB; and
 * messages that are all header, with or without the empty line.
 */
static void
test_parse_fd_long_head(void **state)
{
	struct buf	 b = BUF_INIT;
	size_t		 i, kind;

	(void)state;
	seed = rng = 15;
	for (kind = 0; kind < 6; kind++) {
		buf_reset(&b);
		for (i = 0; kind == 0 && i < 4000; i++)
			assert_int_equal(buf_printf(&b, "X-Field-%zu: value "
			    "%zu\r\n", i, i), 0);
		if (kind == 1) {
			assert_int_equal(buf_appends(&b, "Subject: s"), 0);
			for (i = 0; i < 20000; i++)
				assert_int_equal(buf_appends(&b, "\n folded"),
				    0);
			assert_int_equal(buf_appends(&b, "\n"), 0);
		}
		if (kind >= 2) {
			assert_int_equal(buf_appends(&b, "X-Long: "), 0);
			for (i = 0; i < (kind == 2 ? 200000 : 300000); i++)
				assert_int_equal(buf_append(&b, "y", 1), 0);
		}
		if (kind < 3) {
			assert_int_equal(buf_appends(&b, "\n\n"), 0);
			body_to(&b, b.len + (kind == 0 ? 300000 : 100), 1);
		} else if (kind == 4) {
			assert_int_equal(buf_appends(&b, "\r\n"), 0);
		} else if (kind == 5) {
			/* The empty line, then no body at all. */
			assert_int_equal(buf_appends(&b, "\n\n"), 0);
		}
		check_all_ways(b.data, b.len);
	}
	buf_free(&b);
}

/* An mbox "From " line at the top, dropped on either path. */
static void
test_parse_fd_mbox(void **state)
{
	struct buf	 b = BUF_INIT;
	size_t		 size;

	(void)state;
	seed = rng = 16;
	for (size = 100; size < 2 * MSG_SPILL_AT; size += MSG_SPILL_AT) {
		buf_reset(&b);
		assert_int_equal(buf_appends(&b, "From alice@example.org Mon "
		    "Jan  6 09:00:00 2025\r\nSubject: s\r\nTo: b\r\n\r\n"), 0);
		body_to(&b, size, 1);
		check_all_ways(b.data, b.len);
	}
	buf_free(&b);
}

/*
 * Without the empty line, the first line that is no field starts the
 * body: its NULs are dropped once, not once for the header section
 * and again for the body.
 */
static void
test_parse_fd_no_separator(void **state)
{
	struct buf	 b = BUF_INIT;
	size_t		 size;

	(void)state;
	seed = rng = 17;
	for (size = 100; size < 2 * MSG_SPILL_AT; size += MSG_SPILL_AT) {
		buf_reset(&b);
		assert_int_equal(buf_append(&b, S("Subject: s\r\n"
		    "<ht\0ml>\r\0\n")), 0);
		body_to(&b, size, 0);
		check_all_ways(b.data, b.len);
	}
	buf_free(&b);
}

/* too_big - both ways of parsing refuse data[0..len) with E2BIG. */
static void
too_big(const char *data, size_t len)
{
	struct message	 msg;
	int		 fd;

	errno = 0;
	assert_int_equal(message_parse(data, len, 0, &msg), -1);
	assert_int_equal(errno, E2BIG);
	fd = file_with(data, len);
	errno = 0;
	assert_int_equal(message_parse_fd(fd, 0, len, NULL, &msg), -1);
	assert_int_equal(errno, E2BIG);
	close(fd);
}

/* fields_to - "X: y" fields into b until it holds exactly end bytes. */
static void
fields_to(struct buf *b, size_t end)
{
	while (b->len + 12 + 5 <= end)
		assert_int_equal(buf_appends(b, "X: yyyyyyy\r\n"), 0);
	assert_int_equal(buf_appends(b, "X: "), 0);
	while (b->len + 2 < end)
		assert_int_equal(buf_append(b, "y", 1), 0);
	assert_int_equal(buf_appends(b, "\r\n"), 0);
	assert_int_equal(b->len, end);
}

/*
 * The header section may reach MSG_HEAD_MAX, not pass it: by many
 * fields, one long field or a fold; a body line past it (no empty line
 * before) is the body's and is taken, even one longer than the window
 * a file's header section is looked for in.
 */
static void
test_head_limit(void **state)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	(void)state;
	seed = rng = 19;
	fields_to(&b, MSG_HEAD_MAX);
	assert_int_equal(buf_appends(&b, "\r\nbody\r\n"), 0);
	check_all_ways(b.data, b.len);

	buf_reset(&b);
	fields_to(&b, MSG_HEAD_MAX + 1);
	assert_int_equal(buf_appends(&b, "\r\nbody\r\n"), 0);
	too_big(b.data, b.len);

	buf_reset(&b);
	assert_int_equal(buf_appends(&b, "Subject: s\n"), 0);
	for (i = 0; i < 150000; i++)
		assert_int_equal(buf_appends(&b, " folded"), 0);
	assert_int_equal(buf_appends(&b, "\n\nbody\n"), 0);
	too_big(b.data, b.len);

	for (i = 0; i < 2; i++) {
		buf_reset(&b);
		assert_int_equal(buf_appends(&b, "To: a@example.org\n"), 0);
		assert_int_equal(buf_appends(&b, i == 0 ? "X-Long: " :
		    "no field, the body's first line "), 0);
		while (b.len < 2 * MSG_HEAD_MAX)
			assert_int_equal(buf_appends(&b, "yyyyyyyy"), 0);
		assert_int_equal(buf_appends(&b, "\n\nmore\n"), 0);
		if (i == 0)
			too_big(b.data, b.len);
		else
			check_all_ways(b.data, b.len);
	}
	buf_free(&b);
}

/* spilled - big's message as main.c reads it from a spill file. */
static void
spilled(const struct buf *big, struct spill *s, struct message *msg)
{
	int	 fd;

	fd = file_with(big->data, big->len);
	assert_int_equal(message_spill(fd, 0, SIZE_MAX, s), 0);
	close(fd);
	assert_true(s->fd != -1);
	parse_spill(s, 0, msg);
	assert_non_null(msg->src);
}

/*
 * A body line over 998 octets: the body left in the file says so, and
 * mime_fix_long_lines brings it into memory (message_body_load) to
 * re-encode it exactly as it does a message read whole. A body without
 * one stays in its file.
 */
static void
test_parse_fd_long_line(void **state)
{
	struct message	 want, got;
	struct spill	 s;
	struct buf	 b = BUF_INIT, x = BUF_INIT, y = BUF_INIT;
	size_t		 i, cw, cg;

	(void)state;
	seed = rng = 18;
	assert_int_equal(buf_appends(&b, "Subject: long\n\nshort\n"), 0);
	for (i = 0; i < 5000; i++)
		assert_int_equal(buf_append(&b, "L", 1), 0);
	assert_int_equal(buf_appends(&b, "\n"), 0);
	body_to(&b, MSG_SPILL_AT + 70000, 0);
	check_all_ways(b.data, b.len);

	assert_int_equal(message_parse(b.data, b.len, 0, &want), 0);
	spilled(&b, &s, &got);
	assert_true(got.src_st.longest > MIME_MAX_LINE);
	assert_int_equal(message_body_load(&got), 0);
	assert_null(got.src);
	assert_int_equal(got.body.len, want.body.len);
	assert_memory_equal(got.body.data, want.body.data, want.body.len);
	message_free(&got);

	parse_spill(&s, 0, &got);
	assert_int_equal(mime_fix_long_lines(&want, &cw), 0);
	assert_int_equal(mime_fix_long_lines(&got, &cg), 0);
	assert_true(cw > 0);
	assert_int_equal(cg, cw);
	assert_null(got.src);
	serialized(&want, &x);
	serialized(&got, &y);
	assert_int_equal(x.len, y.len);
	assert_memory_equal(x.data, y.data, x.len);
	message_free(&got);
	message_free(&want);
	message_spill_free(&s);

	/* No long line: nothing to change, nothing read in. */
	buf_reset(&b);
	assert_int_equal(buf_appends(&b, "Subject: short\n\n"), 0);
	body_to(&b, MSG_SPILL_AT + 70000, 0);
	spilled(&b, &s, &got);
	assert_int_equal(mime_fix_long_lines(&got, &cg), 0);
	assert_int_equal(cg, 0);
	assert_non_null(got.src);
	message_free(&got);
	message_spill_free(&s);
	buf_free(&b);
	buf_free(&x);
	buf_free(&y);
}

/*
 * No file can be made (TMPDIR names no directory): the message stays
 * in memory, whole, and reads as it would have.
 */
static void
test_spill_no_tmpdir(void **state)
{
	struct spill	 s;
	struct message	 want, got;
	struct buf	 b = BUF_INIT;
	const char	*old = getenv("TMPDIR");
	char		*saved = old != NULL ? strdup(old) : NULL;
	int		 fd;

	(void)state;
	seed = rng = 19;
	assert_int_equal(buf_appends(&b, "Subject: no tmp\n\n"), 0);
	body_to(&b, 3 * MSG_SPILL_AT, 0);
	fd = file_with(b.data, b.len);
	assert_int_equal(setenv("TMPDIR", "/nonexistent/sesmail-test", 1), 0);
	assert_int_equal(message_spill(fd, MSG_DOT_ENDS, SIZE_MAX, &s), 0);
	if (saved != NULL)
		assert_int_equal(setenv("TMPDIR", saved, 1), 0);
	else
		assert_int_equal(unsetenv("TMPDIR"), 0);
	free(saved);
	close(fd);
	assert_int_equal(s.fd, -1);
	assert_int_equal(s.size, b.len);
	assert_int_equal(s.end, b.len);
	kept_as_read(&s, b.data);
	assert_int_equal(message_parse(b.data, b.len, MSG_DOT_ENDS, &want),
	    0);
	parse_spill(&s, MSG_DOT_ENDS, &got);
	same_msg(&want, &got, "kept in memory");
	message_free(&want);
	message_free(&got);
	message_spill_free(&s);
	buf_free(&b);
}

/* More than max bytes: EFBIG, in memory and once in a file. */
static void
test_spill_too_big(void **state)
{
	struct spill	 s;
	struct buf	 b = BUF_INIT;
	size_t		 size;
	int		 fd;

	(void)state;
	for (size = 1000; size < 3 * MSG_SPILL_AT; size += MSG_SPILL_AT) {
		buf_reset(&b);
		assert_int_equal(buf_appends(&b, "Subject: big\n\n"), 0);
		body_to(&b, size, 0);
		fd = file_with(b.data, b.len);
		errno = 0;
		assert_int_equal(message_spill(fd, 0, b.len - 1, &s), -1);
		assert_int_equal(errno, EFBIG);
		message_spill_free(&s);
		assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
		assert_int_equal(message_spill(fd, 0, b.len, &s), 0);
		assert_int_equal(s.size, b.len);
		message_spill_free(&s);
		close(fd);
	}
	buf_free(&b);
}

/* drained - how far message_spill read fd, with MSG_DRAIN past max. */
static off_t
drained(int fd, int flags, size_t max)
{
	struct spill	 s;

	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	errno = 0;
	assert_int_equal(message_spill(fd, flags, max, &s), -1);
	assert_int_equal(errno, EFBIG);
	message_spill_free(&s);
	return lseek(fd, 0, SEEK_CUR);
}

/*
 * More than max bytes with MSG_DRAIN: still EFBIG, but read to the end
 * (a writer through a pipe must not die of SIGPIPE), or, with
 * MSG_DOT_ENDS, to the lone dot, as a message within max would be.
 */
static void
test_spill_drain(void **state)
{
	struct buf	 b = BUF_INIT;
	off_t		 at;
	size_t		 dot;
	int		 fd;

	(void)state;
	assert_int_equal(buf_appends(&b, "Subject: big\n\n"), 0);
	body_to(&b, 4 * MSG_SPILL_AT, 0);
	assert_int_equal(buf_appends(&b, "\n.\n"), 0);
	dot = b.len;
	body_to(&b, 12 * MSG_SPILL_AT, 0);
	fd = file_with(b.data, b.len);

	assert_true(drained(fd, 0, MSG_SPILL_AT) < (off_t)dot);
	assert_int_equal(drained(fd, MSG_DRAIN, MSG_SPILL_AT), b.len);
	at = drained(fd, MSG_DRAIN | MSG_DOT_ENDS, MSG_SPILL_AT);
	assert_true(at >= (off_t)dot && at < (off_t)b.len);
	close(fd);
	buf_free(&b);
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
		cmocka_unit_test(test_spill_fuzz_small),
		cmocka_unit_test(test_spill_fuzz_large),
		cmocka_unit_test(test_spill_dot_straddles),
		cmocka_unit_test(test_parse_fd_head_edge),
		cmocka_unit_test(test_parse_fd_long_head),
		cmocka_unit_test(test_parse_fd_mbox),
		cmocka_unit_test(test_parse_fd_no_separator),
		cmocka_unit_test(test_head_limit),
		cmocka_unit_test(test_parse_fd_long_line),
		cmocka_unit_test(test_spill_no_tmpdir),
		cmocka_unit_test(test_spill_too_big),
		cmocka_unit_test(test_spill_drain),
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
