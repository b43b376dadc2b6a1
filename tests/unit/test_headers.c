/*
 * test_headers - qualifying bare names, IDNA domains and RFC 2047 encoding
 * of header fields. Rewritten fields are decoded here by a small RFC 2047
 * decoder of the test's own and compared with what the caller wrote.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "address.h"
#include "buf.h"
#include "headers.h"
#include "message.h"
#include "util.h"

#define DOMAIN	"example.com"

/* ------------------------------------------------------------------ */
/* Helpers                                                            */

/* load - parse text as a message read from stdin with -i. */
static void
load(struct message *msg, const char *text)
{
	assert_int_equal(message_parse(text, strlen(text), 0, msg), 0);
}

/* fix - headers_fix that must succeed. */
static void
fix(struct message *msg, const char *domain)
{
	char	 err[ERRLEN] = "";
	int	 rc;

	rc = headers_fix(msg, domain, err, sizeof(err));
	if (rc != 0)
		fail_msg("headers_fix: %d (%s)", rc, err);
}

/* field - the raw text of the n-th field called name. */
static const char *
field(const struct message *msg, const char *name, size_t n)
{
	long	 i;

	i = message_find(msg, name, n);
	if (i == -1)
		fail_msg("no field %s #%zu", name, n);
	assert_int_equal(strlen(msg->hdr[i].raw), msg->hdr[i].rawlen);
	return msg->hdr[i].raw;
}

/* check_one - load, fix, and compare the first field called name. */
static void
check_one(const char *text, const char *domain, const char *name,
    const char *want)
{
	struct message	 msg;

	load(&msg, text);
	fix(&msg, domain);
	assert_string_equal(field(&msg, name, 0), want);
	message_free(&msg);
}

/* header_section - everything before the empty line, as sent. */
static char *
header_section(const struct message *msg)
{
	struct buf	 b = BUF_INIT;
	char		*end;

	assert_int_equal(message_serialize(msg, &b), 0);
	end = strstr(b.data, "\r\n\r\n");
	assert_non_null(end);
	end[2] = '\0';
	return buf_steal(&b);
}

/* assert_ascii_lines - 7-bit printable, CRLF only, lines of at most max. */
static void
assert_ascii_lines(const char *s, size_t max)
{
	const unsigned char	*p;
	size_t			 col = 0;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '\r') {
			assert_int_equal(p[1], '\n');
			p++;
			col = 0;
			continue;
		}
		if ((*p < 0x20 && *p != '\t') || *p > 0x7e)
			fail_msg("byte 0x%02x in \"%s\"", *p, s);
		if (++col > max)
			fail_msg("line longer than %zu in \"%s\"", max, s);
	}
}

/* q_safe - what RFC 2047 §5 (3) lets a Q word in a phrase hold. */
static int
q_safe(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || strchr("!*+-/=_", c) != NULL;
}

/* decode_q - RFC 2047 §4.2 Q encoding of p[0..n) into out. */
static void
decode_q(const char *p, size_t n, struct buf *out)
{
	unsigned int	 v;
	size_t		 i;
	char		 hex[3];

	for (i = 0; i < n; i++) {
		if (!q_safe(p[i]))
			fail_msg("'%c' in a Q word", p[i]);
		if (p[i] == '_') {
			assert_int_equal(buf_appendc(out, ' '), 0);
		} else if (p[i] == '=') {
			assert_true(i + 2 < n);
			hex[0] = p[i + 1];
			hex[1] = p[i + 2];
			hex[2] = '\0';
			assert_int_equal(sscanf(hex, "%2x", &v), 1);
			assert_int_equal(buf_appendc(out, (char)v), 0);
			i += 2;
		} else
			assert_int_equal(buf_appendc(out, p[i]), 0);
	}
}

/* decode_b - RFC 2047 §4.1 B encoding of p[0..n) into out. */
static void
decode_b(const char *p, size_t n, struct buf *out)
{
	unsigned char	 bin[80];
	int		 len;

	assert_true(n % 4 == 0 && n / 4 * 3 <= sizeof(bin));
	len = EVP_DecodeBlock(bin, (const unsigned char *)p, (int)n);
	assert_true(len >= 0);
	if (n > 0 && p[n - 1] == '=')
		len--;
	if (n > 1 && p[n - 2] == '=')
		len--;
	assert_int_equal(buf_append(out, bin, (size_t)len), 0);
}

/*
 * decode_word - if s starts an encoded-word, decode it into out and
 * return its length; else 0. Words must be UTF-8 and at most 75 long.
 */
static size_t
decode_word(const char *s, struct buf *out)
{
	const char	*text, *end;
	size_t		 n;

	if (strncmp(s, "=?", 2) != 0 || strncasecmp(s + 2, "UTF-8?", 6) != 0)
		return 0;
	if ((s[8] != 'B' && s[8] != 'Q' && s[8] != 'b' && s[8] != 'q') ||
	    s[9] != '?')
		return 0;
	text = s + 10;
	end = strstr(text, "?=");
	if (end == NULL)
		return 0;
	n = (size_t)(end + 2 - s);
	if (n > 75)
		fail_msg("encoded-word of %zu characters", n);

	if (s[8] == 'B' || s[8] == 'b')
		decode_b(text, (size_t)(end - text), out);
	else
		decode_q(text, (size_t)(end - text), out);
	return n;
}

/*
 * decode - unfold s and decode its encoded-words; white space between two
 * adjacent encoded-words is dropped (RFC 2047 §6.2).
 */
static char *
decode(const char *s)
{
	struct buf	 out = BUF_INIT, ws = BUF_INIT;
	size_t		 i = 0, n;
	int		 after_word = 0;

	while (s[i] != '\0') {
		if (s[i] == '\r' || s[i] == '\n') {
			i++;
			continue;
		}
		if (s[i] == ' ' || s[i] == '\t') {
			assert_int_equal(buf_appendc(after_word ? &ws : &out,
			    s[i++]), 0);
			continue;
		}
		n = decode_word(s + i, &out);
		if (n > 0) {
			buf_reset(&ws);
			after_word = 1;
			i += n;
			continue;
		}
		assert_int_equal(buf_append(&out, ws.data, ws.len), 0);
		buf_reset(&ws);
		after_word = 0;
		assert_int_equal(buf_appendc(&out, s[i++]), 0);
	}
	assert_int_equal(buf_append(&out, ws.data, ws.len), 0);
	buf_free(&ws);
	return buf_steal(&out);
}

/* assert_decodes - field is ASCII, well folded, and decodes to want. */
static void
assert_decodes(const char *raw, const char *want)
{
	char	*got;

	assert_ascii_lines(raw, 76);
	got = decode(raw);
	assert_string_equal(got, want);
	free(got);
}

/* assert_parses - the value of raw is an address list with n members. */
static void
assert_parses(const char *raw, size_t n)
{
	struct address_list	 l = ADDRESS_LIST_INIT;
	const char		*err = NULL, *v;
	size_t			 i;

	v = strchr(raw, ':') + 1;
	if (address_list_parse(v, strlen(v), &l, &err) != 0)
		fail_msg("\"%s\" does not parse: %s", raw, err);
	assert_int_equal(l.n, n);
	for (i = 0; i < l.n; i++)
		assert_true(address_is_valid_spec(l.v[i].spec));
	address_list_free(&l);
}

/* ------------------------------------------------------------------ */
/* The cases of /work/shared/cases                                    */

static const char b05[] =
    "From: root (Cron Daemon)\n"
    "To: root\n"
    "Subject: Cron <root@web1> /usr/local/bin/rotate-logs\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=UTF-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "X-Cron-Env: <SHELL=/bin/sh>\n"
    "X-Cron-Env: <HOME=/root>\n"
    "X-Cron-Env: <PATH=/usr/bin:/bin>\n"
    "X-Cron-Env: <LOGNAME=root>\n"
    "\n"
    "rotate-logs: compressed 3 files\n";

/* test_b05 - cron's bare "root" is qualified; nothing else changes. */
static void
test_b05(void **state)
{
	struct message	 msg;

	(void)state;
	load(&msg, b05);
	fix(&msg, DOMAIN);
	assert_string_equal(field(&msg, "From", 0),
	    "From: root@example.com (Cron Daemon)");
	assert_string_equal(field(&msg, "To", 0), "To: root@example.com");
	assert_string_equal(field(&msg, "Subject", 0),
	    "Subject: Cron <root@web1> /usr/local/bin/rotate-logs");
	assert_string_equal(field(&msg, "X-Cron-Env", 0),
	    "X-Cron-Env: <SHELL=/bin/sh>");
	assert_string_equal(field(&msg, "X-Cron-Env", 3),
	    "X-Cron-Env: <LOGNAME=root>");
	assert_int_equal(msg.nhdr, 10);
	assert_string_equal(msg.hdr[0].name, "From");
	assert_string_equal(msg.hdr[1].name, "To");
	message_free(&msg);
}

/* test_b03 - commas in quoted display names qualify nothing: no change. */
static void
test_b03(void **state)
{
	static const char in[] =
	    "From: \"Reports, Nightly\" <reports@example.com>\n"
	    "To: \"Doe, Jane\" <jane.doe@example.org>, "
	    "\"Roe, Richard\" <richard.roe@example.net>\n"
	    "Subject: Weekly figures\n"
	    "\n"
	    "Figures are inline below.\n";
	struct message	 msg;
	char		*before, *after;

	(void)state;
	load(&msg, in);
	before = header_section(&msg);
	fix(&msg, DOMAIN);
	after = header_section(&msg);
	assert_string_equal(before, after);
	free(before);
	free(after);
	message_free(&msg);
}

/* test_b20 - raw UTF-8 names and Subject become encoded-words. */
static void
test_b20(void **state)
{
	static const char in[] =
	    "From: \xc3\x89quipe Caf\xc3\xa9 <support@example.com>\n"
	    "To: J\xc3\xbcrgen Beispiel <juergen@example.org>\n"
	    "Subject: \xc3\x9c" "berpr\xc3\xbc" "fung abgeschlossen "
	    "\xe2\x9c\x93\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=UTF-8\n"
	    "Content-Transfer-Encoding: 8bit\n"
	    "\n"
	    "Alle Pr\xc3\xbc" "fungen sind durchgelaufen.\n";
	struct message	 msg;
	char		*hs;

	(void)state;
	load(&msg, in);
	fix(&msg, DOMAIN);
	hs = header_section(&msg);
	assert_ascii_lines(hs, 76);
	free(hs);

	assert_decodes(field(&msg, "From", 0),
	    "From: \xc3\x89quipe Caf\xc3\xa9 <support@example.com>");
	assert_decodes(field(&msg, "To", 0),
	    "To: J\xc3\xbcrgen Beispiel <juergen@example.org>");
	assert_decodes(field(&msg, "Subject", 0),
	    "Subject: \xc3\x9c" "berpr\xc3\xbc" "fung abgeschlossen "
	    "\xe2\x9c\x93");
	assert_non_null(strstr(field(&msg, "From", 0),
	    " <support@example.com>"));
	assert_non_null(strstr(field(&msg, "To", 0),
	    " <juergen@example.org>"));
	assert_parses(field(&msg, "From", 0), 1);
	assert_parses(field(&msg, "To", 0), 1);
	assert_string_equal(field(&msg, "Content-Type", 0),
	    "Content-Type: text/plain; charset=UTF-8");
	message_free(&msg);
}

/* ------------------------------------------------------------------ */
/* Qualifying bare names                                              */

/* test_group_unchanged - an empty group names nobody to qualify. */
static void
test_group_unchanged(void **state)
{
	(void)state;
	check_one("To: undisclosed-recipients:;\n\n", DOMAIN, "To",
	    "To: undisclosed-recipients:;");
}

/* test_two_bare_names - each member of a list is qualified. */
static void
test_two_bare_names(void **state)
{
	(void)state;
	check_one("To: root, ops\n\n", DOMAIN, "To",
	    "To: root@example.com, ops@example.com");
}

/* test_angle_bare_name - "<root>" gets the domain inside the brackets. */
static void
test_angle_bare_name(void **state)
{
	(void)state;
	check_one("To: <root>\n\n", DOMAIN, "To", "To: <root@example.com>");
	check_one("From: Cron Daemon <root>\n\n", DOMAIN, "From",
	    "From: Cron Daemon <root@example.com>");
}

/* test_comment_with_at - an "@" in a comment is no address. */
static void
test_comment_with_at(void **state)
{
	(void)state;
	check_one("To: root (mail admin@example.org)\n\n", DOMAIN, "To",
	    "To: root@example.com (mail admin@example.org)");
	check_one("To: jane@example.org (or root, ops)\n\n", DOMAIN, "To",
	    "To: jane@example.org (or root, ops)");
}

/* test_mixed_list - only the bare member changes; names stay. */
static void
test_mixed_list(void **state)
{
	(void)state;
	check_one("Cc: \"Doe, Jane\" <jane@example.org>, root,"
	    " \"x\"@example.net\n\n", DOMAIN, "Cc",
	    "Cc: \"Doe, Jane\" <jane@example.org>, root@example.com,"
	    " \"x\"@example.net");
	check_one("To: \"john smith\"\n\n", DOMAIN, "To",
	    "To: \"john smith\"@example.com");
	check_one("To: Team: root, ops@example.org;\n\n", DOMAIN, "To",
	    "To: Team: root@example.com, ops@example.org;");
}

/* test_domain_null - without a domain, bare names stay bare. */
static void
test_domain_null(void **state)
{
	struct message	 msg;

	(void)state;
	load(&msg, "From: root (Cron Daemon)\nTo: root, <ops>\n\n");
	fix(&msg, NULL);
	assert_string_equal(field(&msg, "From", 0),
	    "From: root (Cron Daemon)");
	assert_string_equal(field(&msg, "To", 0), "To: root, <ops>");
	message_free(&msg);

	/* Names are still encoded. */
	load(&msg, "To: J\xc3\xbcrgen <root>\n\n");
	fix(&msg, NULL);
	assert_decodes(field(&msg, "To", 0), "To: J\xc3\xbcrgen <root>");
	message_free(&msg);
}

/* test_reply_and_resent - every address field is handled, not only To. */
static void
test_reply_and_resent(void **state)
{
	static const char in[] =
	    "Reply-To: root\n"
	    "Resent-To: ops, Jane <jane@example.org>\n"
	    "Resent-From: J\xc3\xbcrgen <root>\n"
	    "Sender: daemon\n"
	    "Disposition-Notification-To: root\n"
	    "In-Reply-To: <root>\n"
	    "\n";
	struct message	 msg;

	(void)state;
	load(&msg, in);
	fix(&msg, DOMAIN);
	assert_string_equal(field(&msg, "Reply-To", 0),
	    "Reply-To: root@example.com");
	assert_string_equal(field(&msg, "Resent-To", 0),
	    "Resent-To: ops@example.com, Jane <jane@example.org>");
	assert_decodes(field(&msg, "Resent-From", 0),
	    "Resent-From: J\xc3\xbcrgen <root@example.com>");
	assert_string_equal(field(&msg, "Sender", 0),
	    "Sender: daemon@example.com");
	assert_string_equal(field(&msg, "Disposition-Notification-To", 0),
	    "Disposition-Notification-To: root@example.com");
	assert_string_equal(field(&msg, "In-Reply-To", 0),
	    "In-Reply-To: <root>");
	message_free(&msg);
}

/* test_folded_to - a To over three lines keeps its folding. */
static void
test_folded_to(void **state)
{
	struct message	 msg;

	(void)state;
	load(&msg, "To: root,\n\tops (On\n call),\n jane@example.org\n"
	    "Subject: x\n\n");
	fix(&msg, DOMAIN);
	assert_string_equal(field(&msg, "To", 0),
	    "To: root@example.com,\r\n\tops@example.com (On\r\n call),\r\n"
	    " jane@example.org");
	assert_parses(field(&msg, "To", 0), 3);
	assert_string_equal(field(&msg, "Subject", 0), "Subject: x");
	message_free(&msg);
}

/* test_name_case_and_place - the field keeps its name and its place. */
static void
test_name_case_and_place(void **state)
{
	struct message	 msg;

	(void)state;
	load(&msg, "Subject: a\nto:root\nX-A: b\n\n");
	fix(&msg, DOMAIN);
	assert_int_equal(msg.nhdr, 3);
	assert_string_equal(msg.hdr[1].name, "to");
	assert_string_equal(msg.hdr[1].raw, "to:root@example.com");
	assert_string_equal(msg.hdr[2].raw, "X-A: b");
	message_free(&msg);
}

/* test_long_list_folds - a long qualified list is folded, not cut. */
static void
test_long_list_folds(void **state)
{
	struct message	 msg;
	struct buf	 in = BUF_INIT;
	const char	*raw;
	size_t		 i;

	(void)state;
	assert_int_equal(buf_appends(&in, "To: "), 0);
	for (i = 0; i < 60; i++)
		assert_int_equal(buf_printf(&in, "%suser%zu",
		    i > 0 ? ", " : "", i), 0);
	assert_int_equal(buf_appends(&in, "\n\n"), 0);
	load(&msg, in.data);
	fix(&msg, DOMAIN);
	raw = field(&msg, "To", 0);
	assert_ascii_lines(raw, 76);
	assert_parses(raw, 60);
	assert_non_null(strstr(raw, "user59@example.com"));
	message_free(&msg);
	buf_free(&in);
}

/* test_unparsable_left - what is no address list is left for SES. */
static void
test_unparsable_left(void **state)
{
	(void)state;
	check_one("To: J\xc3\xbcrgen Beispiel\n\n", DOMAIN, "To",
	    "To: J\xc3\xbcrgen Beispiel");
	check_one("To: root, <jane@\n\n", DOMAIN, "To", "To: root, <jane@");
}

/* ------------------------------------------------------------------ */
/* IDNA and non-ASCII addresses                                       */

/* test_punycode_domain - a UTF-8 domain becomes its xn-- form. */
static void
test_punycode_domain(void **state)
{
	struct message	 msg;

	(void)state;
	check_one("To: Jane <jane@b\xc3\xbc" "cher.example>, root\n\n",
	    DOMAIN, "To",
	    "To: Jane <jane@xn--bcher-kva.example>, root@example.com");
	check_one("Cc: jane@B\xc3\x9c" "CHER.example (x)\n\n", NULL, "Cc",
	    "Cc: jane@xn--bcher-kva.example (x)");

	load(&msg, "To: J\xc3\xbcrgen <j@b\xc3\xbc" "cher.example>\n\n");
	fix(&msg, DOMAIN);
	assert_decodes(field(&msg, "To", 0),
	    "To: J\xc3\xbcrgen <j@xn--bcher-kva.example>");
	message_free(&msg);
}

/* test_local_part_refused - 8 bits before "@" cannot be sent at all. */
static void
test_local_part_refused(void **state)
{
	struct message	 msg;
	char		 err[ERRLEN] = "";

	(void)state;
	load(&msg, "Subject: x\nFrom: J\xc3\xbcrgen <j\xc3\xbcrgen@example.org>"
	    "\n\n");
	assert_int_equal(headers_fix(&msg, DOMAIN, err, sizeof(err)),
	    EX_DATAERR);
	assert_string_equal(err,
	    "From: address with a non-ASCII local part; SES cannot send it");
	message_free(&msg);

	load(&msg, "To: ops, j\xc3\xbcrgen\n\n");
	assert_int_equal(headers_fix(&msg, DOMAIN, err, sizeof(err)),
	    EX_DATAERR);
	assert_non_null(strstr(err, "To: "));
	message_free(&msg);
}

/* test_bad_idn_refused - a domain IDNA refuses is a data error. */
static void
test_bad_idn_refused(void **state)
{
	struct message	 msg;
	char		 err[ERRLEN] = "";

	(void)state;
	load(&msg, "Cc: jane@\xff\xfe.example\n\n");
	assert_int_equal(headers_fix(&msg, DOMAIN, err, sizeof(err)),
	    EX_DATAERR);
	assert_true(strncmp(err, "Cc: ", 4) == 0);
	assert_null(strstr(err, "jane"));
	message_free(&msg);
}

/* test_configured_idn - the configured domain is used in ASCII form. */
static void
test_configured_idn(void **state)
{
	struct message	 msg;
	char		 err[ERRLEN] = "";

	(void)state;
	check_one("To: root\n\n", "b\xc3\xbc" "cher.example", "To",
	    "To: root@xn--bcher-kva.example");

	load(&msg, "To: root\n\n");
	assert_int_equal(headers_fix(&msg, "\xff.example", err, sizeof(err)),
	    EX_CONFIG);
	assert_non_null(strstr(err, "configured domain"));
	assert_string_equal(field(&msg, "To", 0), "To: root");
	message_free(&msg);

	/* Not needed, so not an error. */
	load(&msg, "To: root@example.org\n\n");
	fix(&msg, "\xff.example");
	message_free(&msg);
}

/* test_domain_to_ascii - ASCII kept, IDN converted, garbage refused. */
static void
test_domain_to_ascii(void **state)
{
	char	 err[ERRLEN] = "";
	char	*s;

	(void)state;
	s = headers_domain_to_ascii("Jane.Doe@Example.ORG", err, sizeof(err));
	assert_string_equal(s, "Jane.Doe@Example.ORG");
	free(s);
	s = headers_domain_to_ascii("root", err, sizeof(err));
	assert_string_equal(s, "root");
	free(s);
	s = headers_domain_to_ascii("j\xc3\xbcrgen@b\xc3\xbc" "cher.example",
	    err, sizeof(err));
	assert_string_equal(s, "j\xc3\xbcrgen@xn--bcher-kva.example");
	free(s);
	s = headers_domain_to_ascii("\"a@b\"@m\xc3\xbcnchen.example", err,
	    sizeof(err));
	assert_string_equal(s, "\"a@b\"@xn--mnchen-3ya.example");
	free(s);
	/* Non-transitional keeps U+00DF; transitional would make "fass". */
	s = headers_domain_to_ascii("x@fa\xc3\x9f.example", err, sizeof(err));
	assert_string_equal(s, "x@xn--fa-hia.example");
	free(s);

	s = headers_domain_to_ascii("a@\xff\xfe.example", err, sizeof(err));
	assert_null(s);
	assert_non_null(strstr(err, "IDNA"));
	err[0] = '\0';
	s = headers_domain_to_ascii("a@[\xc3\xbc]", err, sizeof(err));
	assert_null(s);
	assert_true(err[0] != '\0');
}

/* ------------------------------------------------------------------ */
/* RFC 2047 encoding                                                  */

/* test_name_as_written - quotes go, quoted pairs unescape, spacing stays. */
static void
test_name_as_written(void **state)
{
	struct message	 msg;

	(void)state;
	load(&msg, "From: \"Caf\\\"\xc3\xa9\\\"  Owner, Inc.\" <o@example.org>"
	    "\nTo: \"J\xc3\xbcrgen\"<j@example.org>,\"Ren\xc3\xa9\" (x) <root>"
	    "\n\n");
	fix(&msg, DOMAIN);
	assert_decodes(field(&msg, "From", 0),
	    "From: Caf\"\xc3\xa9\"  Owner, Inc. <o@example.org>");
	assert_decodes(field(&msg, "To", 0),
	    "To: J\xc3\xbcrgen <j@example.org>, Ren\xc3\xa9 (x) "
	    "<root@example.com>");
	assert_parses(field(&msg, "From", 0), 1);
	assert_parses(field(&msg, "To", 0), 2);
	message_free(&msg);
}

/* test_comment_and_group - comments and group names are text too. */
static void
test_comment_and_group(void **state)
{
	struct message	 msg;

	(void)state;
	load(&msg, "From: root (Cron D\xc3\xa6mon)\n"
	    "To: Empf\xc3\xa4nger:;\n"
	    "Cc: J\xc3\xbcrgen (Gesch\xc3\xa4" "ft) <j@example.org>\n"
	    "Bcc: J\xc3\xbcrgen (Gesch\xc3\xa4" "ft) M\xc3\xbcller"
	    " <m@example.org>\n\n");
	fix(&msg, DOMAIN);
	assert_decodes(field(&msg, "From", 0),
	    "From: root@example.com (Cron D\xc3\xa6mon)");
	assert_decodes(field(&msg, "To", 0), "To: Empf\xc3\xa4nger :;");
	assert_decodes(field(&msg, "Cc", 0),
	    "Cc: J\xc3\xbcrgen (Gesch\xc3\xa4" "ft) <j@example.org>");
	/* A comment inside an encoded name goes with the name. */
	assert_decodes(field(&msg, "Bcc", 0),
	    "Bcc: J\xc3\xbcrgen  M\xc3\xbcller <m@example.org>");
	assert_parses(field(&msg, "From", 0), 1);
	assert_parses(field(&msg, "To", 0), 0);
	assert_parses(field(&msg, "Cc", 0), 1);
	assert_parses(field(&msg, "Bcc", 0), 1);
	message_free(&msg);
}

/* test_subject_encoded - an 8-bit Subject decodes back to itself. */
static void
test_subject_encoded(void **state)
{
	struct message	 msg;

	(void)state;
	load(&msg, "Subject:  Gr\xc3\xbc\xc3\x9f" "e  aus\n K\xc3\xb6ln \n"
	    "Comments: na\xc3\xafve\nX-Note: \xe2\x82\xac 5\n\n");
	fix(&msg, DOMAIN);
	assert_decodes(field(&msg, "Subject", 0),
	    "Subject: Gr\xc3\xbc\xc3\x9f" "e  aus K\xc3\xb6ln ");
	assert_decodes(field(&msg, "Comments", 0),
	    "Comments: na\xc3\xafve");
	assert_decodes(field(&msg, "X-Note", 0), "X-Note: \xe2\x82\xac 5");
	message_free(&msg);
}

/* test_long_subject - long 8-bit text is folded between encoded-words. */
static void
test_long_subject(void **state)
{
	struct message	 msg;
	struct buf	 in = BUF_INIT, want = BUF_INIT;
	size_t		 i;

	(void)state;
	assert_int_equal(buf_appends(&in, "Subject: "), 0);
	for (i = 0; i < 120; i++)
		assert_int_equal(buf_appends(&in, "\xc3\xa9t\xc3\xa9 "), 0);
	assert_int_equal(buf_append(&want, in.data, in.len), 0);
	assert_int_equal(buf_appends(&in, "\n\n"), 0);
	load(&msg, in.data);
	fix(&msg, DOMAIN);
	assert_decodes(field(&msg, "Subject", 0), want.data);
	message_free(&msg);
	buf_free(&in);
	buf_free(&want);
}

/* test_ascii_untouched - ASCII fields are left byte for byte. */
static void
test_ascii_untouched(void **state)
{
	static const char in[] =
	    "Subject:   Weekly   figures  \n"
	    "X-Cron-Env: <SHELL=/bin/sh>\n"
	    "To: jane@example.org (Jane),\n\tbob@example.net\n"
	    "Comments: =?UTF-8?Q?already?=\n"
	    "\n";
	struct message	 msg;
	char		*before, *after;

	(void)state;
	load(&msg, in);
	before = header_section(&msg);
	fix(&msg, DOMAIN);
	after = header_section(&msg);
	assert_string_equal(before, after);
	free(before);
	free(after);
	message_free(&msg);
}

/* test_structured_untouched - no encoded-words where RFC 2047 forbids. */
static void
test_structured_untouched(void **state)
{
	static const char in[] =
	    "Content-Disposition: attachment; filename=\"\xc3\xa9.txt\"\n"
	    "Message-ID: <\xc3\xa9@example.org>\n"
	    "Received: from h\xc3\xa9 by x\n"
	    "ARC-Seal: i=1; \xc3\xa9\n"
	    "List-Id: Caf\xc3\xa9 <cafe.example.org>\n"
	    "\n";
	struct message	 msg;
	char		*before, *after;

	(void)state;
	load(&msg, in);
	before = header_section(&msg);
	fix(&msg, DOMAIN);
	after = header_section(&msg);
	assert_string_equal(before, after);
	free(before);
	free(after);
	message_free(&msg);
}

/* test_idempotent - a second pass over a fixed section changes nothing. */
static void
test_idempotent(void **state)
{
	static const char in[] =
	    "From: \xc3\x89quipe <root> (D\xc3\xa6mon)\n"
	    "To: root, J\xc3\xbcrgen <j@b\xc3\xbc" "cher.example>,\n"
	    " Empf\xc3\xa4nger:;\n"
	    "Subject: \xc3\x9c" "berpr\xc3\xbc" "fung\n"
	    "\n";
	struct message	 msg;
	char		*once, *twice;

	(void)state;
	load(&msg, in);
	fix(&msg, DOMAIN);
	once = header_section(&msg);
	assert_ascii_lines(once, 76);
	fix(&msg, DOMAIN);
	twice = header_section(&msg);
	assert_string_equal(once, twice);
	free(once);
	free(twice);
	message_free(&msg);
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b05),
		cmocka_unit_test(test_b03),
		cmocka_unit_test(test_b20),
		cmocka_unit_test(test_group_unchanged),
		cmocka_unit_test(test_two_bare_names),
		cmocka_unit_test(test_angle_bare_name),
		cmocka_unit_test(test_comment_with_at),
		cmocka_unit_test(test_mixed_list),
		cmocka_unit_test(test_domain_null),
		cmocka_unit_test(test_reply_and_resent),
		cmocka_unit_test(test_folded_to),
		cmocka_unit_test(test_name_case_and_place),
		cmocka_unit_test(test_long_list_folds),
		cmocka_unit_test(test_unparsable_left),
		cmocka_unit_test(test_punycode_domain),
		cmocka_unit_test(test_local_part_refused),
		cmocka_unit_test(test_bad_idn_refused),
		cmocka_unit_test(test_configured_idn),
		cmocka_unit_test(test_domain_to_ascii),
		cmocka_unit_test(test_name_as_written),
		cmocka_unit_test(test_comment_and_group),
		cmocka_unit_test(test_subject_encoded),
		cmocka_unit_test(test_long_subject),
		cmocka_unit_test(test_ascii_untouched),
		cmocka_unit_test(test_structured_untouched),
		cmocka_unit_test(test_idempotent),
	};

	return cmocka_run_group_tests_name("headers", tests, NULL, NULL);
}
