/*
 * test_smtp - the -bs server, driven by whole client scripts.
 *
 * Each test feeds a script through a memory stream, then checks the
 * reply codes in order, the reply text where it matters, and what the
 * fake deliver callback was given.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "smtp.h"
#include "strlist.h"
#include "util.h"

/* What the fakes were asked, and what they are to answer. */
struct rec {
	int		 calls;		/* deliver calls */
	int		 null_sender;	/* last sender was NULL */
	char		*sender;
	struct strlist	 rcpts;
	struct buf	 data;
	int		 fail_calls;	/* fail this many first calls */
	int		 fail_rc;
	const char	*reason;
	int		 checks;	/* check_rcpt calls */
};

static struct rec	 rec;

/* fake_deliver - record the message; succeed or fail as told. */
static int
fake_deliver(void *ctx, const char *sender, char *const *rcpts,
    size_t nrcpt, const char *data, size_t len, char *reply, size_t replylen)
{
	struct rec	*r = ctx;
	size_t		 i;

	r->calls++;
	free(r->sender);
	r->sender = sender != NULL ? strdup(sender) : NULL;
	r->null_sender = sender == NULL;
	strlist_free(&r->rcpts);
	for (i = 0; i < nrcpt; i++)
		assert_int_equal(strlist_add(&r->rcpts, rcpts[i]), 0);
	buf_reset(&r->data);
	assert_int_equal(buf_append(&r->data, data, len), 0);

	if (r->calls <= r->fail_calls) {
		snprintf(reply, replylen, "%s", r->reason);
		return r->fail_rc;
	}
	snprintf(reply, replylen, "0100018f-msg-%d", r->calls);
	return 0;
}

/* fake_check - refuse recipients by their local part. */
static int
fake_check(void *ctx, const char *rcpt, char *reply, size_t replylen)
{
	struct rec	*r = ctx;

	r->checks++;
	if (strncmp(rcpt, "nouser@", 7) == 0) {
		snprintf(reply, replylen, "no such user");
		return EX_NOUSER;
	}
	if (strncmp(rcpt, "syntax@", 7) == 0) {
		snprintf(reply, replylen, "bad\taddress");
		return EX_DATAERR;
	}
	if (strncmp(rcpt, "later@", 6) == 0)
		return EX_TEMPFAIL;
	return 0;
}

/* setup - an empty record for each test. */
static int
setup(void **state)
{
	memset(&rec, 0, sizeof(rec));
	strlist_init(&rec.rcpts);
	buf_init(&rec.data);
	*state = &rec;
	return 0;
}

/* teardown - free what the fakes kept. */
static int
teardown(void **state)
{
	struct rec	*r = *state;

	free(r->sender);
	strlist_free(&r->rcpts);
	buf_free(&r->data);
	return 0;
}

/* server - the server under test, with the given size limit. */
static struct smtp_server
server(size_t max_size)
{
	struct smtp_server	 srv;

	memset(&srv, 0, sizeof(srv));
	srv.hostname = "mx.example.net";
	srv.max_size = max_size;
	srv.deliver = fake_deliver;
	srv.ctx = &rec;
	return srv;
}

/*
 * serve_len - run one session on len octets of script; *out gets all
 * the replies (the caller frees it). Returns what smtp_serve returned.
 */
static int
serve_len(const struct smtp_server *srv, const char *script, size_t len,
    char **out)
{
	FILE	*in, *o;
	char	*copy;
	size_t	 outlen;
	int	 rc;

	/* fmemopen wants a writable buffer even for reading. */
	copy = malloc(len + 1);
	assert_non_null(copy);
	memcpy(copy, script, len);
	in = fmemopen(copy, len, "r");
	assert_non_null(in);
	o = open_memstream(out, &outlen);
	assert_non_null(o);

	rc = smtp_serve(srv, in, o);

	fclose(in);
	fclose(o);
	free(copy);
	return rc;
}

/* serve - run a session on a C-string script with a 1 MB limit. */
static int
serve(const char *script, char **out)
{
	struct smtp_server	 srv = server(1048576);

	return serve_len(&srv, script, strlen(script), out);
}

/*
 * codes - the codes of the final line of each reply, space-separated;
 * also checks that every line ends in CRLF.
 */
static void
codes(const char *out, char *buf, size_t len)
{
	const char	*p, *eol;
	size_t		 n = 0;

	buf[0] = '\0';
	for (p = out; *p != '\0'; p = eol + 2) {
		eol = strstr(p, "\r\n");
		assert_non_null(eol);
		assert_null(memchr(p, '\n', (size_t)(eol - p)));
		if (eol - p >= 4 && p[3] == '-')
			continue;
		assert_true(n + 5 < len);
		if (n > 0)
			buf[n++] = ' ';
		memcpy(buf + n, p, 3);
		n += 3;
		buf[n] = '\0';
	}
}

/* assert_codes - the replies in out have exactly these codes. */
static void
assert_codes(const char *out, const char *want)
{
	char	 got[8192];

	codes(out, got, sizeof(got));
	if (strcmp(got, want) != 0)
		fail_msg("reply codes \"%s\", want \"%s\"\n%s", got, want, out);
}

/* assert_reply - out holds this whole reply line. */
static void
assert_reply(const char *out, const char *line)
{
	char	 want[1024];

	snprintf(want, sizeof(want), "%s\r\n", line);
	if (strstr(out, want) == NULL)
		fail_msg("no reply \"%s\" in:\n%s", line, out);
}

/* assert_data - deliver got exactly this message. */
static void
assert_data(const char *want)
{
	assert_int_equal(rec.data.len, strlen(want));
	assert_memory_equal(rec.data.data, want, rec.data.len);
}

static void
test_b12_dialogue(void **state)
{
	struct smtp_server	 srv = server(1048576);
	char			*script, *out;
	size_t			 len;

	(void)state;
	script = read_file(TESTDATA "/cases/B12/stdin.eml", 65536, &len);
	assert_non_null(script);
	assert_int_equal(serve_len(&srv, script, len, &out), 0);
	assert_codes(out, "220 250 250 250 354 250 221");
	assert_non_null(strstr(out, "220 mx.example.net"));
	assert_int_equal(rec.calls, 1);
	assert_string_equal(rec.sender, "app@example.com");
	assert_int_equal(rec.rcpts.n, 1);
	assert_string_equal(rec.rcpts.v[0], "user@example.org");
	assert_non_null(strstr(rec.data.data,
	    "\r\n.htaccess\r\n.\r\nend of list\r\n"));
	assert_null(strstr(rec.data.data, "..htaccess"));
	assert_reply(out, "250 2.0.0 Ok: 0100018f-msg-1");
	free(script);
	free(out);
}

static void
test_ehlo_extensions(void **state)
{
	char	*out;

	(void)state;
	assert_int_equal(serve("EHLO client.example.com\r\nQUIT\r\n", &out),
	    0);
	assert_non_null(strstr(out, "220 mx.example.net ESMTP sesmail\r\n"
	    "250-mx.example.net\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
	    "250-SIZE 1048576\r\n250-ENHANCEDSTATUSCODES\r\n250 HELP\r\n"
	    "221 2.0.0 "));
	free(out);
}

static void
test_symfony_helo(void **state)
{
	char	*out;

	(void)state;
	assert_int_equal(serve("HELO [127.0.0.1]\r\n"
	    "MAIL FROM:<app@example.com>\r\n"
	    "RCPT TO:<to@example.org>\r\n"
	    "RCPT TO:<cc@example.org>\r\n"
	    "RCPT TO:<bcc@example.org>\r\n"
	    "DATA\r\n"
	    "Subject: hi\r\n\r\nbody\r\n.\r\n"
	    "QUIT\r\n", &out), 0);
	assert_codes(out, "220 250 250 250 250 250 354 250 221");
	assert_reply(out, "250 mx.example.net");
	assert_int_equal(rec.rcpts.n, 3);
	assert_string_equal(rec.rcpts.v[2], "bcc@example.org");
	assert_data("Subject: hi\r\n\r\nbody\r\n");
	free(out);
}

static void
test_pipelining(void **state)
{
	char	*out;

	(void)state;
	assert_int_equal(serve("EHLO c\r\n"
	    "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
	    "RCPT TO:<c@example.org>\r\nDATA\r\n"
	    "x\r\n.\r\nQUIT\r\n", &out), 0);
	assert_codes(out, "220 250 250 250 250 354 250 221");
	assert_int_equal(rec.calls, 1);
	assert_int_equal(rec.rcpts.n, 2);
	assert_data("x\r\n");
	free(out);
}

/*
 * test_flush_per_reply - over real pipes, each reply arrives before
 * the client sends more: the server must neither hold a reply in its
 * buffer nor read ahead. An alarm turns a hang into a failure.
 */
static void
test_flush_per_reply(void **state)
{
	struct smtp_server	 srv = server(1000);
	char			 got[512];
	int			 to[2], from[2], status;
	FILE			*in, *o, *rd;
	pid_t			 pid;

	(void)state;
	assert_int_equal(pipe(to), 0);
	assert_int_equal(pipe(from), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(to[1]);
		close(from[0]);
		alarm(10);
		in = fdopen(to[0], "r");
		o = fdopen(from[1], "w");
		_exit(smtp_serve(&srv, in, o));
	}
	close(to[0]);
	close(from[1]);
	alarm(10);
	rd = fdopen(from[0], "r");
	assert_non_null(rd);

	assert_non_null(fgets(got, sizeof(got), rd));
	assert_memory_equal(got, "220 ", 4);
	assert_true(write(to[1], "NOOP\r\n", 6) == 6);
	assert_non_null(fgets(got, sizeof(got), rd));
	assert_string_equal(got, "250 2.0.0 Ok\r\n");
	assert_true(write(to[1], "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n",
	    38) == 38);
	assert_non_null(fgets(got, sizeof(got), rd));
	assert_non_null(fgets(got, sizeof(got), rd));
	assert_non_null(fgets(got, sizeof(got), rd));
	assert_memory_equal(got, "354 ", 4);
	assert_true(write(to[1], "x\r\n.\r\n", 6) == 6);
	assert_non_null(fgets(got, sizeof(got), rd));
	assert_memory_equal(got, "250 2.0.0 Ok: ", 14);
	assert_true(write(to[1], "QUIT\r\n", 6) == 6);
	assert_non_null(fgets(got, sizeof(got), rd));
	assert_string_equal(got, "221 2.0.0 Bye\r\n");

	close(to[1]);
	fclose(rd);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	alarm(0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_two_transactions(void **state)
{
	char	*out;

	(void)state;
	assert_int_equal(serve("EHLO c\r\n"
	    "MAIL FROM:<one@example.com>\r\nRCPT TO:<x@example.org>\r\n"
	    "DATA\r\nfirst\r\n.\r\n"
	    "MAIL FROM:<two@example.com>\r\nRCPT TO:<y@example.org>\r\n"
	    "DATA\r\nsecond\r\n.\r\n"
	    "QUIT\r\n", &out), 0);
	assert_codes(out, "220 250 250 250 354 250 250 250 354 250 221");
	assert_reply(out, "250 2.0.0 Ok: 0100018f-msg-2");
	assert_int_equal(rec.calls, 2);
	assert_string_equal(rec.sender, "two@example.com");
	assert_int_equal(rec.rcpts.n, 1);
	assert_string_equal(rec.rcpts.v[0], "y@example.org");
	assert_data("second\r\n");
	free(out);
}

static void
test_rset_between(void **state)
{
	char	*out;

	(void)state;
	assert_int_equal(serve("EHLO c\r\n"
	    "MAIL FROM:<old@example.com>\r\nRCPT TO:<old@example.org>\r\n"
	    "RSET\r\n"
	    "MAIL FROM:<new@example.com>\r\nRCPT TO:<new@example.org>\r\n"
	    "DATA\r\nm\r\n.\r\nQUIT\r\n", &out), 0);
	assert_codes(out, "220 250 250 250 250 250 250 354 250 221");
	assert_int_equal(rec.calls, 1);
	assert_string_equal(rec.sender, "new@example.com");
	assert_int_equal(rec.rcpts.n, 1);
	assert_string_equal(rec.rcpts.v[0], "new@example.org");
	free(out);
}

static void
test_null_sender(void **state)
{
	char	*out;

	(void)state;
	assert_int_equal(serve("EHLO c\r\nMAIL FROM:<>\r\n"
	    "RCPT TO:<b@example.org>\r\nDATA\r\nbounce\r\n.\r\nQUIT\r\n",
	    &out), 0);
	assert_codes(out, "220 250 250 250 354 250 221");
	assert_int_equal(rec.calls, 1);
	assert_true(rec.null_sender);
	free(out);
}

static void
test_mail_size_over_limit(void **state)
{
	struct smtp_server	 srv = server(1000);
	const char		*script;
	char			*out;

	(void)state;
	script = "EHLO c\r\n"
	    "MAIL FROM:<a@example.com> SIZE=1001\r\n"
	    "MAIL FROM:<a@example.com> SIZE=99999999999999999999999\r\n"
	    "MAIL FROM:<a@example.com> SIZE=12x\r\n"
	    "MAIL FROM:<a@example.com> SIZE=1000\r\n"
	    "QUIT\r\n";
	assert_int_equal(serve_len(&srv, script, strlen(script), &out), 0);
	assert_codes(out, "220 250 552 552 501 250 221");
	assert_reply(out, "552 5.3.4 Error: message size exceeds fixed limit");
	assert_non_null(strstr(out, "250-SIZE 1000\r\n"));
	free(out);
}

/*
 * test_data_over_limit - a message over the limit is read to its end,
 * refused with 552, and the session goes on in step.
 */
static void
test_data_over_limit(void **state)
{
	struct smtp_server	 srv = server(20);
	const char		*script;
	char			*out;

	(void)state;
	script = "EHLO c\r\n"
	    "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
	    "DATA\r\n0123456789\r\n0123456789\r\n..\r\n.\r\n"
	    "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
	    "DATA\r\n012345678901234567\r\n.\r\n"
	    "QUIT\r\n";
	assert_int_equal(serve_len(&srv, script, strlen(script), &out), 0);
	assert_codes(out, "220 250 250 250 354 552 250 250 354 250 221");
	assert_int_equal(rec.calls, 1);
	/* 18 octets and CRLF is 20: exactly the limit, so it is kept. */
	assert_data("012345678901234567\r\n");
	free(out);
}

static void
test_body_8bitmime(void **state)
{
	char	*out;

	(void)state;
	assert_int_equal(serve("EHLO c\r\n"
	    "MAIL FROM:<a@example.com> BODY=8BITMIME SIZE=40\r\n"
	    "RCPT TO:<b@example.org>\r\n"
	    "DATA\r\nCaf\xc3\xa9 cr\xc3\xa8me\r\n.\r\n"
	    "MAIL FROM:<a@example.com> body=7bit\r\n"
	    "RSET\r\n"
	    "MAIL FROM:<a@example.com> BODY=BINARYMIME\r\n"
	    "QUIT\r\n", &out), 0);
	assert_codes(out, "220 250 250 250 354 250 250 250 501 221");
	assert_data("Caf\xc3\xa9 cr\xc3\xa8me\r\n");
	free(out);
}

static void
test_unknown_parameter(void **state)
{
	char	*out;

	(void)state;
	assert_int_equal(serve("EHLO c\r\n"
	    "MAIL FROM:<a@example.com> SMTPUTF8\r\n"
	    "MAIL FROM:<a@example.com> RET=HDRS\r\n"
	    "MAIL FROM:<a@example.com>\r\n"
	    "RCPT TO:<b@example.org> NOTIFY=NEVER\r\n"
	    "QUIT\r\n", &out), 0);
	assert_codes(out, "220 250 555 555 250 555 221");
	assert_reply(out, "555 5.5.4 Error: unsupported parameter");
	free(out);
}

static void
test_rcpt_before_mail(void **state)
{
	char	*out;

	(void)state;
	assert_int_equal(serve("EHLO c\r\nRCPT TO:<b@example.org>\r\n"
	    "QUIT\r\n", &out), 0);
	assert_codes(out, "220 250 503 221");
	assert_reply(out, "503 5.5.1 Error: need MAIL command");
	free(out);
}

static void
test_data_out_of_order(void **state)
{
	char	*out;

	(void)state;
	assert_int_equal(serve("EHLO c\r\nDATA\r\n"
	    "MAIL FROM:<a@example.com>\r\nDATA\r\n"
	    "MAIL FROM:<a@example.com>\r\n"
	    "QUIT\r\n", &out), 0);
	/* No 354, so nothing was read as message text. */
	assert_codes(out, "220 250 503 250 554 503 221");
	assert_reply(out, "554 5.5.1 Error: no valid recipients");
	assert_reply(out, "503 5.5.1 Error: nested MAIL command");
	assert_int_equal(rec.calls, 0);
	free(out);
}

static void
test_bare_lf(void **state)
{
	char	*out;

	(void)state;
	assert_int_equal(serve("EHLO c\n"
	    "MAIL FROM:<a@example.com>\nRCPT TO:<b@example.org>\nDATA\n"
	    "Subject: lf\n\nline\r\n..dot\nlast\r\r\n.\r\n"
	    "QUIT\n", &out), 0);
	assert_codes(out, "220 250 250 250 354 250 221");
	/* A CR not before LF is an ordinary octet and stays. */
	assert_data("Subject: lf\r\n\r\nline\r\n.dot\r\nlast\r\r\n");
	free(out);
}

static void
test_no_smuggling(void **state)
{
	char	*out;

	/* A dot line with a bare LF on either side is data, not the end:
	   the text after it must not become a second message. */
	(void)state;
	assert_int_equal(serve("EHLO c\r\n"
	    "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
	    "DATA\r\nSubject: s\r\n\r\nbody\n.\r\n"
	    "MAIL FROM:<x@example.com>\r\nRCPT TO:<victim@example.org>\r\n"
	    "DATA\r\nevil\r\n.\nend\r\n.\r\nQUIT\r\n", &out), 0);
	assert_codes(out, "220 250 250 250 354 250 221");
	assert_int_equal(rec.calls, 1);
	assert_non_null(memmem(rec.data.data, rec.data.len,
	    "RCPT TO:<victim@example.org>", 28));
	free(out);
}

static void
test_long_command_line(void **state)
{
	struct buf	 script = BUF_INIT;
	char		*out;
	int		 i;

	(void)state;
	assert_int_equal(buf_appends(&script, "EHLO c\r\nNOOP "), 0);
	for (i = 0; i < 600; i++)
		assert_int_equal(buf_appendc(&script, 'x'), 0);
	/* 510 octets and CRLF is the most RFC 5321 §4.5.3.1.4 allows. */
	assert_int_equal(buf_appends(&script, "\r\nNOOP\r\nNOOP "), 0);
	for (i = 0; i < 505; i++)
		assert_int_equal(buf_appendc(&script, 'y'), 0);
	assert_int_equal(buf_appends(&script, "\r\nQUIT\r\n"), 0);

	assert_int_equal(serve(script.data, &out), 0);
	assert_codes(out, "220 250 500 250 250 221");
	assert_reply(out, "500 5.5.2 Error: line too long");
	buf_free(&script);
	free(out);
}

/*
 * test_deliver_tempfail - 451 with the reason; the session goes on and
 * the client's next transaction is delivered.
 */
static void
test_deliver_tempfail(void **state)
{
	char	*out;

	(void)state;
	rec.fail_calls = 1;
	rec.fail_rc = EX_TEMPFAIL;
	rec.reason = "Throttling: Maximum sending rate exceeded.";
	assert_int_equal(serve("EHLO c\r\n"
	    "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
	    "DATA\r\none\r\n.\r\n"
	    "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
	    "DATA\r\ntwo\r\n.\r\n"
	    "QUIT\r\n", &out), 0);
	assert_codes(out, "220 250 250 250 354 451 250 250 354 250 221");
	assert_reply(out,
	    "451 4.3.0 Throttling: Maximum sending rate exceeded.");
	assert_int_equal(rec.calls, 2);
	assert_data("two\r\n");
	free(out);
}

static void
test_deliver_unavailable(void **state)
{
	char	*out;

	(void)state;
	rec.fail_calls = 1;
	rec.fail_rc = EX_UNAVAILABLE;
	rec.reason = "MessageRejected: Email address is not verified.";
	assert_int_equal(serve("EHLO c\r\n"
	    "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
	    "DATA\r\none\r\n.\r\n"
	    "NOOP\r\nQUIT\r\n", &out), 0);
	assert_codes(out, "220 250 250 250 354 554 250 221");
	assert_reply(out,
	    "554 5.0.0 MessageRejected: Email address is not verified.");
	free(out);
}

static void
test_reason_sanitised(void **state)
{
	char	*out;

	(void)state;
	rec.fail_calls = 1;
	rec.fail_rc = EX_NOPERM;
	rec.reason = "denied\r\n250 2.0.0 forged\x1b[0m\xff";
	assert_int_equal(serve("EHLO c\r\n"
	    "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
	    "DATA\r\none\r\n.\r\nQUIT\r\n", &out), 0);
	/* codes() also proves no stray CR or LF split the reply. */
	assert_codes(out, "220 250 250 250 354 554 221");
	assert_reply(out, "554 5.7.1 denied??250 2.0.0 forged?[0m?");
	free(out);
}

static void
test_eof_in_data(void **state)
{
	char	*out;

	(void)state;
	assert_int_equal(serve("EHLO c\r\n"
	    "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
	    "DATA\r\nhalf a message\r\n.", &out), EX_PROTOCOL);
	assert_codes(out, "220 250 250 250 354");
	assert_int_equal(rec.calls, 0);
	free(out);
}

static void
test_eof_in_transaction(void **state)
{
	char	*out;

	(void)state;
	assert_int_equal(serve("EHLO c\r\nMAIL FROM:<a@example.com>\r\n",
	    &out), EX_PROTOCOL);
	free(out);
	assert_int_equal(serve("EHLO c\r\nMAIL FROM:<a@example.com>\r\n"
	    "RSET\r\n", &out), 0);
	free(out);
	assert_int_equal(rec.calls, 0);
}

static void
test_eof_when_idle(void **state)
{
	char	*out;

	(void)state;
	assert_int_equal(serve("EHLO c\r\n"
	    "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
	    "DATA\r\nm\r\n.\r\n", &out), 0);
	assert_codes(out, "220 250 250 250 354 250");
	assert_int_equal(rec.calls, 1);
	free(out);
	/* A command cut off by the end of input is not run. */
	assert_int_equal(serve("EHLO c\r\nNOOP", &out), 0);
	assert_codes(out, "220 250");
	free(out);
}

static void
test_case_insensitive(void **state)
{
	char	*out;

	(void)state;
	assert_int_equal(serve("ehlo c\r\n"
	    "mail from:<a@example.com>\r\nRcPt To:<b@example.org>\r\n"
	    "data\r\nm\r\n.\r\nnoop\r\nrset\r\nQuit\r\n", &out), 0);
	assert_codes(out, "220 250 250 250 354 250 250 250 221");
	assert_int_equal(rec.calls, 1);
	free(out);
}

static void
test_space_after_colon(void **state)
{
	char	*out;

	(void)state;
	assert_int_equal(serve("EHLO c\r\n"
	    "MAIL FROM: <a@example.com> SIZE=10\r\n"
	    "RCPT TO: <b@example.org>\r\n"
	    "RCPT TO:c@example.org\r\n"
	    "DATA \r\nm\r\n.\r\nQUIT\r\n", &out), 0);
	assert_codes(out, "220 250 250 250 250 354 250 221");
	assert_string_equal(rec.sender, "a@example.com");
	assert_int_equal(rec.rcpts.n, 2);
	assert_string_equal(rec.rcpts.v[0], "b@example.org");
	assert_string_equal(rec.rcpts.v[1], "c@example.org");
	free(out);
}

static void
test_bad_addresses(void **state)
{
	char	*out;

	(void)state;
	assert_int_equal(serve("EHLO c\r\n"
	    "MAIL FROM:<a@example.com\r\n"
	    "MAIL FROM:\r\n"
	    "MAIL TO:<a@example.com>\r\n"
	    "MAIL FROM:<@relay.example:a@example.com>\r\n"
	    "RCPT TO:<>\r\n"
	    "RCPT TO:<b c@example.org>\r\n"
	    "RCPT TO:<\"b c\"@example.org>\r\n"
	    "RCPT TO:<\"x>y\"@example.org>\r\n"
	    "RCPT TO:<Postmaster>\r\n"
	    "DATA\r\nm\r\n.\r\nQUIT\r\n", &out), 0);
	assert_codes(out, "220 250 501 501 501 250 501 501 250 250 250 354 "
	    "250 221");
	assert_reply(out, "501 5.1.7 Error: bad sender address syntax");
	assert_reply(out, "501 5.1.3 Error: bad recipient address syntax");
	/* The source route is dropped (RFC 5321 §3.6.1). */
	assert_string_equal(rec.sender, "a@example.com");
	assert_int_equal(rec.rcpts.n, 3);
	assert_string_equal(rec.rcpts.v[0], "\"b c\"@example.org");
	assert_string_equal(rec.rcpts.v[1], "\"x>y\"@example.org");
	assert_string_equal(rec.rcpts.v[2], "Postmaster");
	free(out);
}

static void
test_vrfy_help_noop(void **state)
{
	char	*out;

	(void)state;
	assert_int_equal(serve("VRFY root\r\nHELP\r\nNOOP hello\r\n"
	    "QUIT\r\n", &out), 0);
	assert_codes(out, "220 252 214 250 221");
	assert_non_null(strstr(out, "\r\n252 2.0.0 "));
	free(out);
}

static void
test_unknown_command(void **state)
{
	char	*out;

	(void)state;
	assert_int_equal(serve("EHLO c\r\nFOO bar\r\nEXPN staff\r\n"
	    "STARTTLS\r\nMAILFROM:<a@b>\r\n\r\nHELO\r\nQUIT\r\n", &out), 0);
	assert_codes(out, "220 250 500 502 502 500 500 501 221");
	assert_reply(out, "500 5.5.2 Error: command not recognized");
	assert_reply(out, "502 5.5.1 Error: command not implemented");
	free(out);
}

static void
test_nul_in_command(void **state)
{
	static const char	 script[] = "EHLO c\r\nNOOP\0x\r\nQUIT\r\n";
	struct smtp_server	 srv = server(1000);
	char			*out;

	(void)state;
	assert_int_equal(serve_len(&srv, script, sizeof(script) - 1, &out),
	    0);
	assert_codes(out, "220 250 500 221");
	free(out);
}

/* test_helo_resets - RFC 5321 §4.1.4: EHLO ends the transaction. */
static void
test_helo_resets(void **state)
{
	char	*out;

	(void)state;
	assert_int_equal(serve("EHLO c\r\n"
	    "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
	    "EHLO c\r\nDATA\r\nQUIT\r\n", &out), 0);
	assert_codes(out, "220 250 250 250 250 503 221");
	free(out);
}

static void
test_too_many_recipients(void **state)
{
	struct buf	 script = BUF_INIT;
	char		 want[8192];
	char		*out;
	size_t		 n = 0;
	int		 i;

	(void)state;
	assert_int_equal(buf_appends(&script,
	    "EHLO c\r\nMAIL FROM:<a@example.com>\r\n"), 0);
	for (i = 0; i < 1001; i++)
		assert_int_equal(buf_printf(&script,
		    "RCPT TO:<r%d@example.org>\r\n", i), 0);
	assert_int_equal(buf_appends(&script, "DATA\r\nm\r\n.\r\nQUIT\r\n"),
	    0);

	n += (size_t)snprintf(want, sizeof(want), "220 250 250");
	for (i = 0; i < 1000; i++)
		n += (size_t)snprintf(want + n, sizeof(want) - n, " 250");
	snprintf(want + n, sizeof(want) - n, " 452 354 250 221");

	assert_int_equal(serve(script.data, &out), 0);
	assert_codes(out, want);
	assert_reply(out, "452 4.5.3 Error: too many recipients");
	assert_int_equal(rec.rcpts.n, 1000);
	buf_free(&script);
	free(out);
}

static void
test_check_rcpt(void **state)
{
	struct smtp_server	 srv = server(1000);
	const char		*script;
	char			*out;

	(void)state;
	srv.check_rcpt = fake_check;
	script = "EHLO c\r\nMAIL FROM:<a@example.com>\r\n"
	    "RCPT TO:<nouser@example.org>\r\n"
	    "RCPT TO:<syntax@example.org>\r\n"
	    "RCPT TO:<later@example.org>\r\n"
	    "RCPT TO:<fine@example.org>\r\n"
	    "DATA\r\nm\r\n.\r\nQUIT\r\n";
	assert_int_equal(serve_len(&srv, script, strlen(script), &out), 0);
	assert_codes(out, "220 250 250 550 553 451 250 354 250 221");
	assert_reply(out, "550 5.1.1 no such user");
	assert_reply(out, "553 5.1.3 bad?address");
	assert_reply(out, "451 4.3.0 Error: recipient address rejected");
	assert_int_equal(rec.checks, 4);
	assert_int_equal(rec.rcpts.n, 1);
	assert_string_equal(rec.rcpts.v[0], "fine@example.org");
	free(out);
}

static void
test_dots(void **state)
{
	char	*out;

	(void)state;
	assert_int_equal(serve("EHLO c\r\n"
	    "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
	    "DATA\r\n...\r\n. \r\n.x\r\n\r\n.\r\nQUIT\r\n", &out), 0);
	assert_codes(out, "220 250 250 250 354 250 221");
	/* Exactly one leading dot goes (RFC 5321 §4.5.2). */
	assert_data("..\r\n \r\nx\r\n\r\n");
	free(out);
	/* An empty message is handed over too; SES will judge it. */
	assert_int_equal(serve("MAIL FROM:<a@example.com>\r\n"
	    "RCPT TO:<b@example.org>\r\nDATA\r\n.\r\nQUIT\r\n", &out), 0);
	assert_int_equal(rec.calls, 2);
	assert_int_equal(rec.data.len, 0);
	free(out);
}

static void
test_write_error(void **state)
{
	struct smtp_server	 srv = server(1000);
	FILE			*in, *o;
	char			 script[] = "NOOP\r\nQUIT\r\n";

	(void)state;
	in = fmemopen(script, strlen(script), "r");
	assert_non_null(in);
	o = fopen("/dev/full", "w");
	if (o == NULL) {
		fclose(in);
		skip();
	}
	assert_int_equal(smtp_serve(&srv, in, o), EX_IOERR);
	fclose(in);
	fclose(o);
}

static void
test_reply_code_table(void **state)
{
	static const struct {
		int		 ex;
		int		 code;
		const char	*enhanced;
	} t[] = {
		{ 0,			250, "2.0.0" },
		{ EX_TEMPFAIL,		451, "4.3.0" },
		{ EX_OSERR,		451, "4.3.0" },
		{ EX_IOERR,		451, "4.3.0" },
		{ EX_SOFTWARE,		451, "4.3.0" },
		{ EX_PROTOCOL,		451, "4.3.0" },
		{ EX_CONFIG,		451, "4.3.5" },
		{ 1,			451, "4.3.0" },
		{ EX_UNAVAILABLE,	554, "5.0.0" },
		{ EX_USAGE,		554, "5.0.0" },
		{ EX_DATAERR,		554, "5.6.0" },
		{ EX_NOPERM,		554, "5.7.1" },
		{ EX_NOUSER,		550, "5.1.1" },
		{ EX_NOHOST,		550, "5.1.2" },
	};
	const char	*enhanced;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enhanced = NULL;
		assert_int_equal(smtp_reply_code(t[i].ex, &enhanced),
		    t[i].code);
		assert_non_null(enhanced);
		assert_string_equal(enhanced, t[i].enhanced);
		/* The enhanced code's class agrees with the reply's. */
		assert_int_equal(enhanced[0] - '0', t[i].code / 100);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_b12_dialogue),
		T(test_ehlo_extensions),
		T(test_symfony_helo),
		T(test_pipelining),
		T(test_flush_per_reply),
		T(test_two_transactions),
		T(test_rset_between),
		T(test_null_sender),
		T(test_mail_size_over_limit),
		T(test_data_over_limit),
		T(test_body_8bitmime),
		T(test_unknown_parameter),
		T(test_rcpt_before_mail),
		T(test_data_out_of_order),
		T(test_bare_lf),
		T(test_no_smuggling),
		T(test_long_command_line),
		T(test_deliver_tempfail),
		T(test_deliver_unavailable),
		T(test_reason_sanitised),
		T(test_eof_in_data),
		T(test_eof_in_transaction),
		T(test_eof_when_idle),
		T(test_case_insensitive),
		T(test_space_after_colon),
		T(test_bad_addresses),
		T(test_vrfy_help_noop),
		T(test_unknown_command),
		T(test_nul_in_command),
		T(test_helo_resets),
		T(test_too_many_recipients),
		T(test_check_rcpt),
		T(test_dots),
		T(test_write_error),
		T(test_reply_code_table),
#undef T
	};

	/* A failed fork-based test must not kill the runner with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
