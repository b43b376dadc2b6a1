/*
 * smtp - sendmail -bs: an SMTP server on standard input and output.
 *
 * One session serves any number of transactions. Every reply is flushed
 * as soon as it is written: a pipelining client (RFC 2920) may be
 * waiting for the last reply of its group, and the server cannot see
 * how much more input stdio holds, so flushing each one is the simple
 * way never to sit on a reply while blocked reading.
 */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "buf.h"
#include "smtp.h"
#include "strlist.h"
#include "util.h"

/* RFC 5321 §4.5.3.1.4: a command line is at most 512 octets with CRLF. */
#define CMD_MAX		512

/*
 * RFC 5321 §4.5.3.1.8 asks for at least 100 recipients; Symfony puts
 * every To, Cc and Bcc address of a message into one transaction.
 */
#define RCPT_MAX	1000

/*
 * A reply line is at most 512 octets too (§4.5.3.1.5); this leaves room
 * for the code, the enhanced code and the CRLF around a remote reason.
 */
#define TEXT_MAX	440

/* Outcomes of read_line. */
#define LINE_OK		0
#define LINE_EOF	1	/* input ended, perhaps in mid-line */
#define LINE_ERROR	2	/* read error */
#define LINE_NOMEM	3	/* line consumed, but not all of it kept */

/* What became of the message text while it was read. */
#define DATA_KEPT	0
#define DATA_TOOBIG	1
#define DATA_NOMEM	2

struct session {
	const struct smtp_server *srv;
	FILE		*in;
	FILE		*out;
	size_t		 limit;		/* largest message kept */
	int		 done;		/* QUIT, or end of input */
	int		 mail;		/* MAIL accepted: transaction open */
	char		*sender;	/* NULL for the null sender <> */
	struct strlist	 rcpts;
	struct buf	 cmd;		/* the current command line */
	struct buf	 data;		/* the message, reused by each DATA */
};

struct command {
	const char	*name;
	int		(*fn)(struct session *, char *);
};

static int	reply(struct session *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static int	cmd_helo(struct session *, char *);
static int	cmd_ehlo(struct session *, char *);
static int	cmd_mail(struct session *, char *);
static int	cmd_rcpt(struct session *, char *);
static int	cmd_data(struct session *, char *);
static int	cmd_rset(struct session *, char *);
static int	cmd_noop(struct session *, char *);
static int	cmd_quit(struct session *, char *);
static int	cmd_vrfy(struct session *, char *);
static int	cmd_help(struct session *, char *);
static int	cmd_unimplemented(struct session *, char *);

static const struct command commands[] = {
	{ "HELO",	cmd_helo },
	{ "EHLO",	cmd_ehlo },
	{ "MAIL",	cmd_mail },
	{ "RCPT",	cmd_rcpt },
	{ "DATA",	cmd_data },
	{ "RSET",	cmd_rset },
	{ "NOOP",	cmd_noop },
	{ "QUIT",	cmd_quit },
	{ "VRFY",	cmd_vrfy },
	{ "HELP",	cmd_help },
	/* Known to RFC 5321 or its extensions, but not offered here. */
	{ "EXPN",	cmd_unimplemented },
	{ "TURN",	cmd_unimplemented },
	{ "ETRN",	cmd_unimplemented },
	{ "BDAT",	cmd_unimplemented },
	{ "AUTH",	cmd_unimplemented },
	{ "STARTTLS",	cmd_unimplemented },
};

/* reply - write one reply (lines joined by CRLF) and flush it. */
static int
reply(struct session *s, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vfprintf(s->out, fmt, ap);
	va_end(ap);
	if (n < 0 || fputs("\r\n", s->out) == EOF || fflush(s->out) == EOF)
		return EX_IOERR;
	return 0;
}

/* hostname - the name this server gives itself. */
static const char *
hostname(const struct session *s)
{
	return s->srv->hostname != NULL ? s->srv->hostname : "localhost";
}

/* txn_reset - forget the current transaction, keeping the buffers. */
static void
txn_reset(struct session *s)
{
	free(s->sender);
	s->sender = NULL;
	s->mail = 0;
	strlist_free(&s->rcpts);
	buf_reset(&s->data);
}

/* keep_octet - append c to b unless b is full or memory already ran out. */
static void
keep_octet(struct buf *b, size_t max, int c, int *nomem)
{
	if (b->len >= max || *nomem)
		return;
	if (buf_appendc(b, (char)c) == -1)
		*nomem = 1;
}

/*
 * read_line - consume one input line and append its octets, without the
 * line end, to b while b->len < max; *lenp gets the length of the whole
 * line, kept or not. Lines may end in CRLF or a bare LF; a CR elsewhere
 * is an ordinary octet. Reading stops at the LF, never beyond it, so
 * nothing waits for input the client has no reason to send yet. A
 * partial line at the end of input counts as no line (LINE_EOF). *crlf
 * says whether the line ended in CRLF rather than a bare LF.
 */
static int
read_line(FILE *in, struct buf *b, size_t max, size_t *lenp, int *crlf)
{
	size_t	 n = 0;
	int	 c, cr = 0, nomem = 0;

	for (;;) {
		c = getc(in);
		if (c == EOF)
			return ferror(in) ? LINE_ERROR : LINE_EOF;
		if (c == '\n')
			break;
		if (cr) {
			keep_octet(b, max, '\r', &nomem);
			n++;
		}
		cr = c == '\r';
		if (!cr) {
			keep_octet(b, max, c, &nomem);
			n++;
		}
	}

	*lenp = n;
	if (crlf != NULL)
		*crlf = cr;
	return nomem ? LINE_NOMEM : LINE_OK;
}

/*
 * keep_line - finish the text line just appended at start (n octets
 * long): un-stuff it and end it with CRLF. Returns the new data state.
 */
static int
keep_line(struct session *s, size_t start, size_t n)
{
	struct buf	*b = &s->data;

	/* Octets beyond the limit were dropped by read_line. */
	if (b->len - start < n)
		return DATA_TOOBIG;

	/* RFC 5321 §4.5.2: the client doubled a leading dot; drop one. */
	if (n > 0 && b->data[start] == '.') {
		memmove(b->data + start, b->data + start + 1, n - 1);
		b->len--;
	}

	/* RFC 1870 counts the message with CRLFs, without stuffed dots. */
	if (b->len + 2 > s->limit)
		return DATA_TOOBIG;
	if (buf_append(b, "\r\n", 2) == -1)
		return DATA_NOMEM;
	return DATA_KEPT;
}

/*
 * read_data - read the message up to the line holding only "." into
 * s->data. A message that is too big, or that memory cannot hold, is
 * still read to its end, so that the next command is read in step, but
 * nothing more of it is kept; *state says which. Returns 0, EX_PROTOCOL
 * when input ends first, EX_IOERR on a read error.
 */
static int
read_data(struct session *s, int *state)
{
	struct buf	*b = &s->data;
	size_t		 start, max, n;
	int		 rc, crlf, prev_crlf = 1;

	*state = DATA_KEPT;
	buf_reset(b);
	for (;;) {
		/*
		 * One more octet than the limit, for a stuffed dot; a line
		 * that is thrown away needs only enough to see ".".
		 */
		if (*state != DATA_KEPT)
			buf_reset(b);
		max = *state == DATA_KEPT ? s->limit + 1 : 2;
		start = b->len;
		rc = read_line(s->in, b, max, &n, &crlf);
		if (rc == LINE_EOF)
			return EX_PROTOCOL;
		if (rc == LINE_ERROR)
			return EX_IOERR;

		/*
		 * RFC 5321 §4.1.1.4: the end is CRLF "." CRLF, nothing
		 * else. A dot line with a bare LF on either side is data:
		 * taking it for the end would let text inside a message
		 * start a second one (SMTP smuggling).
		 */
		if (n == 1 && b->len == start + 1 && b->data[start] == '.' &&
		    crlf && prev_crlf)
			break;
		prev_crlf = crlf;
		if (*state == DATA_KEPT && rc == LINE_NOMEM)
			*state = DATA_NOMEM;
		if (*state == DATA_KEPT)
			*state = keep_line(s, start, n);
	}

	/* Drop the final "." itself. */
	b->len = start;
	b->data[start] = '\0';
	return 0;
}

/*
 * deliver - hand the message over and answer its DATA with the
 * outcome; the reason is remote text, so it is sanitised first.
 */
static int
deliver(struct session *s)
{
	const struct smtp_server *srv = s->srv;
	const char	*enhanced, *data;
	char		 text[ERRLEN];
	int		 ex, code;

	text[0] = '\0';
	data = s->data.data != NULL ? s->data.data : "";
	ex = srv->deliver(srv->ctx, s->sender, s->rcpts.v, s->rcpts.n, data,
	    s->data.len, text, sizeof(text));
	code = smtp_reply_code(ex, &enhanced);

	sanitize(text);
	if (ex == 0 && text[0] == '\0')
		return reply(s, "%d %s Ok", code, enhanced);
	if (ex == 0)
		return reply(s, "%d %s Ok: %.*s", code, enhanced, TEXT_MAX,
		    text);
	if (text[0] == '\0')
		return reply(s, "%d %s Error: delivery failed", code, enhanced);
	return reply(s, "%d %s %.*s", code, enhanced, TEXT_MAX, text);
}

/*
 * keyword - if *p starts with word (ignoring case), step past it and any
 * spaces after it. "MAIL FROM: <a@b>" is wrong by RFC 5321 §4.1.1.2 but
 * common enough that servers accept it.
 */
static int
keyword(char **p, const char *word)
{
	size_t	 n;

	n = strlen(word);
	if (strncasecmp(*p, word, n) != 0)
		return -1;
	*p += n;
	*p += strspn(*p, " ");
	return 0;
}

/*
 * path_end - the end of an address inside angle brackets: the closing
 * ">", skipping quoted strings and quoted pairs (RFC 5321 §4.1.2).
 * Returns NULL when there is none.
 */
static char *
path_end(char *p)
{
	int	 quoted = 0;

	for (; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (*p == '>' && !quoted)
			return p;
	}
	return NULL;
}

/*
 * path_ok - may addr go on as an address? Only printable ASCII: no
 * SMTPUTF8 was offered. Spaces only inside a quoted local part.
 */
static int
path_ok(const char *addr)
{
	const unsigned char	*p;
	int			 quoted = 0;

	for (p = (const unsigned char *)addr; *p != '\0'; p++) {
		if (*p < 0x20 || *p >= 0x7f)
			return 0;
		if (*p == '"')
			quoted = !quoted;
		if (*p == ' ' && !quoted)
			return 0;
	}
	return 1;
}

/*
 * parse_path - take the address at *p: "<addr>", or a bare address as
 * lax clients send, which Postfix and Sendmail accept too. An RFC 5321
 * §4.1.2 source route ("<@relay:a@b>") is dropped, as §3.6.1 advises.
 * Sets *addr (inside the line; "" for "<>") and steps *p to the
 * parameters. Returns 0, or -1 on bad syntax.
 */
static int
parse_path(char **p, char **addr)
{
	char	*a, *end;

	a = *p;
	if (*a == '<') {
		a++;
		end = path_end(a);
		if (end == NULL)
			return -1;
	} else {
		end = a + strcspn(a, " ");
		if (end == a)
			return -1;
	}
	if (*end != '\0')
		*end++ = '\0';
	end += strspn(end, " ");

	if (*a == '@') {
		a = strchr(a, ':');
		if (a == NULL)
			return -1;
		a++;
	}
	if (!path_ok(a))
		return -1;
	*addr = a;
	*p = end;
	return 0;
}

/*
 * next_param - split the next space-separated "KEY[=VALUE]" off *p.
 * Returns 0, or -1 when there is none left.
 */
static int
next_param(char **p, char **key, char **value)
{
	char	*k, *end, *eq;

	k = *p + strspn(*p, " ");
	if (*k == '\0')
		return -1;
	end = k + strcspn(k, " ");
	if (*end != '\0')
		*end++ = '\0';
	*p = end;

	eq = strchr(k, '=');
	if (eq != NULL)
		*eq++ = '\0';
	*key = k;
	*value = eq;
	return 0;
}

/* size_param - check SIZE= (RFC 1870) against the limit. */
static const char *
size_param(const struct session *s, const char *value)
{
	long	 n;

	if (value == NULL || *value == '\0' ||
	    value[strspn(value, "0123456789")] != '\0')
		return "501 5.5.4 Error: bad SIZE parameter";
	/* Only digits, so a number too big to parse is simply too big. */
	if (parse_long(value, 0, LONG_MAX, &n) == -1 ||
	    (unsigned long)n > s->limit)
		return "552 5.3.4 Error: message size exceeds fixed limit";
	return NULL;
}

/*
 * mail_params - check the MAIL parameters. Returns NULL, or the
 * reply that refuses them.
 */
static const char *
mail_params(const struct session *s, char *p)
{
	const char	*err;
	char		*key, *value;

	while (next_param(&p, &key, &value) == 0) {
		/* RFC 6152: 8BITMIME data goes to SES as it came. */
		if (strcasecmp(key, "BODY") == 0) {
			if (value == NULL || (strcasecmp(value, "7BIT") != 0 &&
			    strcasecmp(value, "8BITMIME") != 0))
				return "501 5.5.4 Error: bad BODY parameter";
		} else if (strcasecmp(key, "SIZE") == 0) {
			err = size_param(s, value);
			if (err != NULL)
				return err;
		} else
			return "555 5.5.4 Error: unsupported parameter";
	}
	return NULL;
}

/* cmd_helo - HELO domain (RFC 5321 §4.1.1.1). */
static int
cmd_helo(struct session *s, char *arg)
{
	if (*arg == '\0')
		return reply(s, "501 5.5.4 Syntax: HELO hostname");

	/* §4.1.4: a HELO or EHLO ends any transaction in progress. */
	txn_reset(s);
	return reply(s, "250 %s", hostname(s));
}

/* cmd_ehlo - EHLO domain, listing the extensions offered. */
static int
cmd_ehlo(struct session *s, char *arg)
{
	if (*arg == '\0')
		return reply(s, "501 5.5.4 Syntax: EHLO hostname");

	txn_reset(s);
	/* RFC 1870: SIZE 0 means no fixed limit. */
	return reply(s, "250-%s\r\n250-PIPELINING\r\n250-8BITMIME\r\n"
	    "250-SIZE %zu\r\n250-ENHANCEDSTATUSCODES\r\n250 HELP",
	    hostname(s), s->srv->max_size);
}

/* cmd_mail - MAIL FROM:<reverse-path> [BODY=...] [SIZE=n]. */
static int
cmd_mail(struct session *s, char *arg)
{
	const char	*err;
	char		*addr;

	if (s->mail)
		return reply(s, "503 5.5.1 Error: nested MAIL command");
	if (keyword(&arg, "FROM:") == -1)
		return reply(s, "501 5.5.4 Syntax: MAIL FROM:<address>");
	if (parse_path(&arg, &addr) == -1)
		return reply(s, "501 5.1.7 Error: bad sender address syntax");
	err = mail_params(s, arg);
	if (err != NULL)
		return reply(s, "%s", err);

	if (*addr != '\0') {
		s->sender = strdup(addr);
		if (s->sender == NULL)
			return reply(s, "452 4.3.1 Error: out of memory");
	}
	s->mail = 1;
	return reply(s, "250 2.1.0 Ok");
}

/*
 * check_reply - the RCPT reply for a check_rcpt refusal: 553 for bad
 * syntax, else 550 or 451 as the class of the failure says.
 */
static int
check_reply(struct session *s, int ex, char *text)
{
	const char	*enhanced;
	int		 code;

	code = smtp_reply_code(ex, &enhanced);
	if (ex == EX_DATAERR || ex == EX_USAGE) {
		code = 553;
		enhanced = "5.1.3";
	} else if (code >= 500)
		code = 550;

	sanitize(text);
	if (text[0] == '\0')
		return reply(s, "%d %s Error: recipient address rejected",
		    code, enhanced);
	return reply(s, "%d %s %.*s", code, enhanced, TEXT_MAX, text);
}

/* cmd_rcpt - RCPT TO:<forward-path>. */
static int
cmd_rcpt(struct session *s, char *arg)
{
	const struct smtp_server *srv = s->srv;
	char		 text[ERRLEN];
	char		*addr;
	int		 ex;

	if (!s->mail)
		return reply(s, "503 5.5.1 Error: need MAIL command");
	if (keyword(&arg, "TO:") == -1)
		return reply(s, "501 5.5.4 Syntax: RCPT TO:<address>");
	if (parse_path(&arg, &addr) == -1 || *addr == '\0')
		return reply(s, "501 5.1.3 Error: bad recipient address "
		    "syntax");
	if (*arg != '\0')
		return reply(s, "555 5.5.4 Error: unsupported parameter");
	/* §4.5.3.1.10: the client sends the rest in another transaction. */
	if (s->rcpts.n >= RCPT_MAX)
		return reply(s, "452 4.5.3 Error: too many recipients");

	if (srv->check_rcpt != NULL) {
		text[0] = '\0';
		ex = srv->check_rcpt(srv->ctx, addr, text, sizeof(text));
		if (ex != 0)
			return check_reply(s, ex, text);
	}
	if (strlist_add(&s->rcpts, addr) == -1)
		return reply(s, "452 4.3.1 Error: out of memory");
	return reply(s, "250 2.1.5 Ok");
}

/*
 * cmd_data - DATA: read the message, hand it over, and only then answer,
 * so that 250 means SES has it. The transaction ends either way.
 */
static int
cmd_data(struct session *s, char *arg)
{
	int	 rc, state;

	if (*arg != '\0')
		return reply(s, "501 5.5.4 Syntax: DATA");
	if (!s->mail)
		return reply(s, "503 5.5.1 Error: need MAIL command");
	if (s->rcpts.n == 0)
		return reply(s, "554 5.5.1 Error: no valid recipients");

	rc = reply(s, "354 End data with <CR><LF>.<CR><LF>");
	if (rc != 0)
		return rc;
	rc = read_data(s, &state);
	if (rc != 0)
		return rc;

	if (state == DATA_TOOBIG)
		rc = reply(s, "552 5.3.4 Error: message size exceeds fixed "
		    "limit");
	else if (state == DATA_NOMEM)
		rc = reply(s, "452 4.3.1 Error: out of memory");
	else
		rc = deliver(s);
	txn_reset(s);
	return rc;
}

/* cmd_rset - RSET: abandon the transaction. */
static int
cmd_rset(struct session *s, char *arg)
{
	if (*arg != '\0')
		return reply(s, "501 5.5.4 Syntax: RSET");
	txn_reset(s);
	return reply(s, "250 2.0.0 Ok");
}

/* cmd_noop - NOOP [string]; Symfony sends it to keep an idle session. */
static int
cmd_noop(struct session *s, char *arg)
{
	(void)arg;
	return reply(s, "250 2.0.0 Ok");
}

/* cmd_quit - QUIT: say goodbye; the session ends with status 0. */
static int
cmd_quit(struct session *s, char *arg)
{
	(void)arg;
	s->done = 1;
	return reply(s, "221 2.0.0 Bye");
}

/*
 * cmd_vrfy - VRFY: nothing can be verified before SES sees the message;
 * 252 is the answer RFC 5321 §3.5.3 gives for that. Its enhanced code
 * is 2.0.0: RFC 3463 X.5.2 means a syntax error.
 */
static int
cmd_vrfy(struct session *s, char *arg)
{
	(void)arg;
	return reply(s, "252 2.0.0 Cannot VRFY; send mail to find out");
}

/* cmd_help - HELP: list the commands. */
static int
cmd_help(struct session *s, char *arg)
{
	(void)arg;
	return reply(s, "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA RSET "
	    "NOOP QUIT VRFY HELP");
}

/* cmd_unimplemented - a command that exists but is not offered here. */
static int
cmd_unimplemented(struct session *s, char *arg)
{
	(void)arg;
	return reply(s, "502 5.5.1 Error: command not implemented");
}

/* dispatch - run one command line. */
static int
dispatch(struct session *s, char *line)
{
	const struct command	*c;
	char			*arg;
	size_t			 len, i;

	/* Some clients end a command with a space. */
	len = strlen(line);
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		line[--len] = '\0';

	len = strcspn(line, " ");
	arg = line + len + strspn(line + len, " ");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		c = &commands[i];
		if (strlen(c->name) == len &&
		    strncasecmp(line, c->name, len) == 0)
			return c->fn(s, arg);
	}
	return reply(s, "500 5.5.2 Error: command not recognized");
}

/*
 * next_command - read and run one command. A line over the RFC 5321
 * §4.5.3.1.4 limit is read to its end and refused, so the session stays
 * in step; §4.2.2 lists "command line too long" under 500.
 */
static int
next_command(struct session *s)
{
	size_t	 n;
	int	 rc;

	buf_reset(&s->cmd);
	rc = read_line(s->in, &s->cmd, CMD_MAX, &n, NULL);
	if (rc == LINE_EOF) {
		s->done = 1;
		return s->mail ? EX_PROTOCOL : 0;
	}
	if (rc == LINE_ERROR)
		return EX_IOERR;

	if (n > CMD_MAX - 2)
		return reply(s, "500 5.5.2 Error: line too long");
	if (rc == LINE_NOMEM)
		return reply(s, "452 4.3.1 Error: out of memory");
	if (s->cmd.data == NULL)
		return reply(s, "500 5.5.2 Error: command not recognized");
	/* A NUL would cut the line short without anyone noticing. */
	if (strlen(s->cmd.data) != n)
		return reply(s, "500 5.5.2 Error: NUL in command");
	return dispatch(s, s->cmd.data);
}

int
smtp_serve(const struct smtp_server *srv, FILE *in, FILE *out)
{
	struct session	 s;
	int		 rc;

	memset(&s, 0, sizeof(s));
	s.srv = srv;
	s.in = in;
	s.out = out;
	/* RFC 1870: 0 means no fixed limit; keep room for CRLF sums. */
	s.limit = srv->max_size > 0 ? srv->max_size : SIZE_MAX / 2;
	strlist_init(&s.rcpts);
	buf_init(&s.cmd);
	buf_init(&s.data);

	/* RFC 5321 §4.2: the greeting names the host first. */
	rc = reply(&s, "220 %s ESMTP sesmail", hostname(&s));
	while (rc == 0 && !s.done)
		rc = next_command(&s);

	txn_reset(&s);
	buf_free(&s.cmd);
	buf_free(&s.data);
	return rc;
}

int
smtp_reply_code(int exitcode, const char **enhanced)
{
	switch (exitcode) {
	case EX_OK:
		*enhanced = "2.0.0";
		return 250;
	case EX_NOUSER:
		*enhanced = "5.1.1";
		return 550;
	case EX_NOHOST:
		*enhanced = "5.1.2";
		return 550;
	case EX_NOPERM:
		*enhanced = "5.7.1";
		return 554;
	case EX_DATAERR:
		*enhanced = "5.6.0";
		return 554;
	case EX_USAGE:
	case EX_UNAVAILABLE:
		*enhanced = "5.0.0";
		return 554;
	case EX_CONFIG:
		*enhanced = "4.3.5";
		return 451;
	default:
		/*
		 * EX_TEMPFAIL, and anything unexpected: a client that retries
		 * a message that cannot go loses less than one that drops a
		 * message that could.
		 */
		*enhanced = "4.3.0";
		return 451;
	}
}
