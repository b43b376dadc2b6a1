/*
 * test_address - RFC 5322 address-list parsing, one named case per table
 * row so that a failure says which input broke.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "address.h"

#define MAXADDR	4

struct want {
	const char	*spec;
	const char	*text;		/* input[off..off+len) */
	int		 has_domain;
	const char	*name;		/* input[name_off..), NULL: none */
};

struct ok_case {
	const char	*name;
	const char	*in;
	size_t		 n;
	struct want	 a[MAXADDR];
};

struct span_want {
	enum address_span_kind	 kind;
	const char		*text;	/* input[off..off+len) */
};

struct span_case {
	const char		*name;
	const char		*in;
	size_t			 n;
	struct span_want	 s[MAXADDR];
};

struct err_case {
	const char	*name;
	const char	*in;
	const char	*err;		/* substring of errstr */
	size_t		 n;		/* addresses kept before the error */
};

static const struct ok_case ok_cases[] = {
	{ "plain addr-spec", "jane@example.org", 1,
	  { { "jane@example.org", "jane@example.org", 1, NULL } } },
	{ "angle without display name", "<jane@example.org>", 1,
	  { { "jane@example.org", "jane@example.org", 1, NULL } } },
	{ "angle with display name", "Jane Doe <jane@example.org>", 1,
	  { { "jane@example.org", "jane@example.org", 1, "Jane Doe" } } },
	{ "quoted display names with commas",
	  "\"Doe, Jane\" <jane.doe@example.org>, "
	  "\"Roe, Richard\" <richard.roe@example.net>", 2,
	  { { "jane.doe@example.org", "jane.doe@example.org", 1,
	      "\"Doe, Jane\"" },
	    { "richard.roe@example.net", "richard.roe@example.net", 1,
	      "\"Roe, Richard\"" } } },
	{ "quoted pair in display name",
	  "\"Jane \\\"JD\\\" Doe, <x@y>\" <jd@example.org>", 1,
	  { { "jd@example.org", "jd@example.org", 1,
	      "\"Jane \\\"JD\\\" Doe, <x@y>\"" } } },
	{ "trailing comment", "jane@example.org (Jane Doe)", 1,
	  { { "jane@example.org", "jane@example.org", 1, NULL } } },
	{ "nested comment with comma and at",
	  "jane@example.org (Jane (x, y@z) Doe), bob@example.net", 2,
	  { { "jane@example.org", "jane@example.org", 1, NULL },
	    { "bob@example.net", "bob@example.net", 1, NULL } } },
	{ "comments everywhere",
	  "(a) jane (b) @ (c) example (d) . (e) org (f)", 1,
	  { { "jane@example.org", "jane (b) @ (c) example (d) . (e) org",
	      1, NULL } } },
	{ "comments inside angle brackets",
	  "Jane (x) <(c)jane@example.org(d)> (e)", 1,
	  { { "jane@example.org", "jane@example.org", 1, "Jane" } } },
	{ "quoted pair in comment", "jane@example.org (a \\) b, c@d)", 1,
	  { { "jane@example.org", "jane@example.org", 1, NULL } } },
	{ "empty group", "undisclosed-recipients:;", 0, { { NULL } } },
	{ "empty group with white space", "undisclosed-recipients: ; ", 0,
	  { { NULL } } },
	{ "group with members",
	  "Team: a@example.org, Bob <b@example.org>;", 2,
	  { { "a@example.org", "a@example.org", 1, NULL },
	    { "b@example.org", "b@example.org", 1, "Bob" } } },
	{ "group followed by more addresses",
	  "Team: a@example.org; , \"Roe, R\" <c@example.net>", 2,
	  { { "a@example.org", "a@example.org", 1, NULL },
	    { "c@example.net", "c@example.net", 1, "\"Roe, R\"" } } },
	{ "group with empty members", "Team: ,a@example.org,, ;", 1,
	  { { "a@example.org", "a@example.org", 1, NULL } } },
	{ "group without final semicolon", "Team: a@example.org", 1,
	  { { "a@example.org", "a@example.org", 1, NULL } } },
	{ "folded list",
	  "Jane Doe\r\n <jane@example.org>,\r\n\tbob@example.net", 2,
	  { { "jane@example.org", "jane@example.org", 1, "Jane Doe" },
	    { "bob@example.net", "bob@example.net", 1, NULL } } },
	{ "folded inside addr-spec", "jane@\r\n example.org", 1,
	  { { "jane@example.org", "jane@\r\n example.org", 1, NULL } } },
	{ "obsolete route dropped",
	  "<@relay.example.net,@hop.example.com:jane@example.org>", 1,
	  { { "jane@example.org", "jane@example.org", 1, NULL } } },
	{ "route with display name and empty hops",
	  "Jane <,@relay.example.net,,@[192.0.2.9]:jane@example.org>", 1,
	  { { "jane@example.org", "jane@example.org", 1, "Jane" } } },
	{ "obsolete bare local part", "root", 1,
	  { { "root", "root", 0, NULL } } },
	{ "bare local part with comment", "root (Cron Daemon)", 1,
	  { { "root", "root", 0, NULL } } },
	{ "bare local part in angle brackets", "Cron Daemon <root>", 1,
	  { { "root", "root", 0, "Cron Daemon" } } },
	{ "empty list elements", ",a@x.example,,b@y.example,", 2,
	  { { "a@x.example", "a@x.example", 1, NULL },
	    { "b@y.example", "b@y.example", 1, NULL } } },
	{ "cron trailing comma", "a@x.example,", 1,
	  { { "a@x.example", "a@x.example", 1, NULL } } },
	{ "empty input", "", 0, { { NULL } } },
	{ "only commas and white space", " , ,\t, ", 0, { { NULL } } },
	{ "quoted local part with space",
	  "\"john smith\"@example.com", 1,
	  { { "\"john smith\"@example.com", "\"john smith\"@example.com",
	      1, NULL } } },
	{ "quoted local part holding at and comma",
	  "Odd <\"a@b,c\"@example.com>, d@example.com", 2,
	  { { "\"a@b,c\"@example.com", "\"a@b,c\"@example.com", 1,
	      "Odd" },
	    { "d@example.com", "d@example.com", 1, NULL } } },
	{ "domain literal", "user@[192.0.2.1]", 1,
	  { { "user@[192.0.2.1]", "user@[192.0.2.1]", 1, NULL } } },
	{ "IPv6 domain literal", "<user@[IPv6:2001:db8::1]>", 1,
	  { { "user@[IPv6:2001:db8::1]", "user@[IPv6:2001:db8::1]",
	      1, NULL } } },
	{ "UTF-8 display name unquoted",
	  "J\xc3\xbcrgen Beispiel <juergen@example.org>", 1,
	  { { "juergen@example.org", "juergen@example.org", 1,
	      "J\xc3\xbcrgen Beispiel" } } },
	{ "UTF-8 display name quoted",
	  "\"\xc3\x89quipe Caf\xc3\xa9\" <support@example.com>", 1,
	  { { "support@example.com", "support@example.com", 1,
	      "\"\xc3\x89quipe Caf\xc3\xa9\"" } } },
	{ "obsolete local part with white space",
	  "john . smith @ example . org", 1,
	  { { "john.smith@example.org", "john . smith @ example . org",
	      1, NULL } } },
	{ "mixed quoted and atom local part", "\"j s\".doe@example.org", 1,
	  { { "\"j s\".doe@example.org", "\"j s\".doe@example.org", 1,
	      NULL } } },
	{ "obsolete dot in display name",
	  "John Q. Public <jqp@example.org>", 1,
	  { { "jqp@example.org", "jqp@example.org", 1,
	      "John Q. Public" } } },
	{ "mixed bare and qualified",
	  "root, Jane <jane@example.org>, ops@example.com (Ops)", 3,
	  { { "root", "root", 0, NULL },
	    { "jane@example.org", "jane@example.org", 1, "Jane" },
	    { "ops@example.com", "ops@example.com", 1, NULL } } },
	{ "folded display name", "Jane\r\n Doe <jane@example.org>", 1,
	  { { "jane@example.org", "jane@example.org", 1,
	      "Jane\r\n Doe" } } },
	{ "display name holding a comment",
	  "(a) Jane (J) Doe (b) <jane@example.org>", 1,
	  { { "jane@example.org", "jane@example.org", 1,
	      "Jane (J) Doe" } } },
	{ "display name right before angle", "\"Jane\"<jane@example.org>", 1,
	  { { "jane@example.org", "jane@example.org", 1, "\"Jane\"" } } },
	{ "display name of dots only is none", ". <jane@example.org>", 1,
	  { { "jane@example.org", "jane@example.org", 1, NULL } } },
	{ "atext specials in local part", "a+b/c=d!#$%&'*^_`{|}~@x.example",
	  1, { { "a+b/c=d!#$%&'*^_`{|}~@x.example",
	      "a+b/c=d!#$%&'*^_`{|}~@x.example", 1, NULL } } },
};

static const struct span_case span_cases[] = {
	{ "no spans", "\"Doe (not a comment)\" <jane@example.org>", 0,
	  { { ADDRESS_COMMENT, NULL } } },
	{ "comment after bare name", "root (Cron Daemon)", 1,
	  { { ADDRESS_COMMENT, "(Cron Daemon)" } } },
	{ "nested comment is one span",
	  "jane@example.org (Jane (x, y@z) Doe), bob@example.net", 1,
	  { { ADDRESS_COMMENT, "(Jane (x, y@z) Doe)" } } },
	{ "folded comment", "a@x.example (one\r\n two)", 1,
	  { { ADDRESS_COMMENT, "(one\r\n two)" } } },
	{ "comments inside angle brackets",
	  "<(c)jane@example.org(d\\))>", 2,
	  { { ADDRESS_COMMENT, "(c)" }, { ADDRESS_COMMENT, "(d\\))" } } },
	{ "empty group", "undisclosed-recipients:;", 1,
	  { { ADDRESS_GROUP_NAME, "undisclosed-recipients" } } },
	{ "group name with comment", "The (x) \"Team\": a@example.org;", 2,
	  { { ADDRESS_COMMENT, "(x)" },
	    { ADDRESS_GROUP_NAME, "The (x) \"Team\"" } } },
	{ "UTF-8 group name", "Empf\xc3\xa4nger:;", 1,
	  { { ADDRESS_GROUP_NAME, "Empf\xc3\xa4nger" } } },
};

static const struct err_case err_cases[] = {
	{ "unterminated quoted string", "\"Doe, Jane <jane@example.org>",
	  "quoted string", 0 },
	{ "quoted string ending in backslash", "\"abc\\", "quoted string",
	  0 },
	{ "unbalanced comment", "jane@example.org (Jane (Doe)", "'('", 0 },
	{ "stray closing parenthesis", "jane@example.org )", "')'", 0 },
	{ "unbalanced angle bracket", "Jane <jane@example.org", "'<'", 0 },
	{ "stray closing angle bracket", "jane@example.org>", "'>'", 1 },
	{ "lone closing angle bracket", "a@x.example, >", "'>'", 1 },
	{ "missing domain at end", "jane@", "missing domain", 0 },
	{ "missing domain before comma", "a@x.example, jane@, b@y.example",
	  "missing domain", 1 },
	{ "missing domain in angle", "Jane <jane@>", "missing domain", 0 },
	{ "missing local part", "@example.org", "local part", 0 },
	{ "double dot in domain", "jane@example..org", "domain", 0 },
	{ "trailing dot in domain", "jane@example.org.", "domain", 0 },
	{ "double dot in local part", "jane..doe@example.org", "local part",
	  0 },
	{ "display name without address", "John Smith", "display name", 0 },
	{ "two addresses without comma", "a@x.example b@y.example",
	  "expected ','", 1 },
	{ "group inside group", "A: B: c@x.example;;", "group", 0 },
	{ "group without name", ": a@x.example;", "group", 0 },
	{ "semicolon outside group", "a@x.example; b@y.example", "';'", 1 },
	{ "unterminated domain literal", "user@[192.0.2.1", "literal", 0 },
	{ "nested domain literal", "user@[1[2]]", "literal", 0 },
	{ "empty angle brackets", "<>", "empty", 0 },
	{ "backslash outside quotes", "a\\b@x.example", "invalid", 0 },
	{ "control character", "a\x01" "b@x.example", "invalid", 0 },
	{ "bare LF", "a@x.example,\nb@y.example", "line break", 1 },
	{ "CRLF not followed by white space", "a@x.example,\r\nb@y.example",
	  "line break", 1 },
	{ "malformed route", "<@relay.example.net jane@example.org>",
	  "route", 0 },
	{ "garbage after angle address", "<a@x.example> b", "expected ','",
	  1 },
};

/* check_ok - parse one ok_case and compare every address. */
static void
check_ok(void **state)
{
	const struct ok_case	*c = *state;
	struct address_list	 l = ADDRESS_LIST_INIT;
	const char		*err = NULL;
	size_t			 i;

	assert_int_equal(address_list_parse(c->in, strlen(c->in), &l, &err),
	    0);
	assert_null(err);
	assert_int_equal(l.n, c->n);
	for (i = 0; i < c->n; i++) {
		assert_string_equal(l.v[i].spec, c->a[i].spec);
		assert_int_equal(l.v[i].has_domain, c->a[i].has_domain);
		assert_int_equal(l.v[i].len, strlen(c->a[i].text));
		assert_true(l.v[i].off + l.v[i].len <= strlen(c->in));
		assert_memory_equal(c->in + l.v[i].off, c->a[i].text,
		    l.v[i].len);
		if (c->a[i].name == NULL) {
			assert_int_equal(l.v[i].name_off, 0);
			assert_int_equal(l.v[i].name_len, 0);
			continue;
		}
		assert_int_equal(l.v[i].name_len, strlen(c->a[i].name));
		assert_memory_equal(c->in + l.v[i].name_off, c->a[i].name,
		    l.v[i].name_len);
	}
	address_list_free(&l);
	assert_null(l.v);
	assert_int_equal(l.n, 0);
}

/* check_spans - parse one span_case and compare its group names, comments. */
static void
check_spans(void **state)
{
	const struct span_case	*c = *state;
	struct address_list	 l = ADDRESS_LIST_INIT;
	const char		*err = NULL;
	size_t			 i;

	assert_int_equal(address_list_parse(c->in, strlen(c->in), &l, &err),
	    0);
	assert_int_equal(l.nspans, c->n);
	for (i = 0; i < c->n; i++) {
		assert_int_equal(l.spans[i].kind, c->s[i].kind);
		assert_int_equal(l.spans[i].len, strlen(c->s[i].text));
		assert_memory_equal(c->in + l.spans[i].off, c->s[i].text,
		    l.spans[i].len);
	}
	address_list_free(&l);
	assert_null(l.spans);
	assert_int_equal(l.nspans, 0);
}

/* check_err - parse one err_case: -1, the right reason, partial output. */
static void
check_err(void **state)
{
	const struct err_case	*c = *state;
	struct address_list	 l = ADDRESS_LIST_INIT;
	const char		*err = NULL;

	assert_int_equal(address_list_parse(c->in, strlen(c->in), &l, &err),
	    -1);
	assert_non_null(err);
	if (strstr(err, c->err) == NULL)
		fail_msg("errstr \"%s\" lacks \"%s\"", err, c->err);
	assert_int_equal(l.n, c->n);
	address_list_free(&l);
}

/* test_length_bounds - only s[0..len) is read, not up to a NUL. */
static void
test_length_bounds(void **state)
{
	struct address_list	 l = ADDRESS_LIST_INIT;
	const char		*err = NULL;
	const char		 in[] = "a@x.example, b@y.example";

	(void)state;
	assert_int_equal(address_list_parse(in, 11, &l, &err), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.v[0].spec, "a@x.example");
	address_list_free(&l);

	/* A NUL inside the given length is not the end of the input. */
	assert_int_equal(address_list_parse("a@x.example\0b", 13, &l, &err),
	    -1);
	address_list_free(&l);
}

/* test_append - a second parse appends to the same list. */
static void
test_append(void **state)
{
	struct address_list	 l = ADDRESS_LIST_INIT;
	const char		*err = NULL;
	const char		*a = "a@x.example", *b = "Bee <b@y.example>";

	(void)state;
	assert_int_equal(address_list_parse(a, strlen(a), &l, &err), 0);
	assert_int_equal(address_list_parse(b, strlen(b), &l, &err), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[1].spec, "b@y.example");
	assert_int_equal(l.v[1].off, 5);
	address_list_free(&l);
}

/* test_many - the vector grows past its first allocation. */
static void
test_many(void **state)
{
	struct address_list	 l = ADDRESS_LIST_INIT;
	const char		*err = NULL;
	char			 in[2000];
	size_t			 i, n = 0;

	(void)state;
	for (i = 0; i < 100; i++)
		n += (size_t)snprintf(in + n, sizeof(in) - n,
		    "u%zu@x.example, ", i);
	assert_int_equal(address_list_parse(in, n, &l, &err), 0);
	assert_int_equal(l.n, 100);
	assert_string_equal(l.v[99].spec, "u99@x.example");
	address_list_free(&l);
}

static const struct {
	const char	*s;
	int		 valid;
} spec_cases[] = {
	{ "a@b", 1 },
	/* Specials outside a quoted local part, as a hostile -f gives. */
	{ "x@example.com>,<y", 0 },
	{ "a(b@example.com", 0 },
	{ "$(id)`id`;id|x@example.com", 0 },
	{ "a<b@example.com", 0 },
	{ "a,b@example.com", 0 },
	{ ".a@example.com", 0 },
	{ "a.@example.com", 0 },
	{ "a..b@example.com", 0 },
	{ "a@-example.com", 0 },
	{ "a@example-.com", 0 },
	{ "a@example..com", 0 },
	{ "a@example.com.", 0 },
	{ "a@exa_mple.com", 0 },
	{ "a@[192.0.2.1]", 1 },
	{ "a@[192.0.2.1", 0 },
	{ "o'brien+x=y@example.com", 1 },
	{ "x@xn--bcher-kva.example", 1 },
	{ "jane.doe@example.org", 1 },
	{ "a+tag@x.example", 1 },
	{ "\"a@b\"@example.com", 1 },
	{ "\"a\\\"b\"@example.com", 1 },
	{ "user@[192.0.2.1]", 1 },
	{ "", 0 },
	{ "root", 0 },
	{ "@example.org", 0 },
	{ "jane@", 0 },
	{ "a@b@c", 0 },
	{ "a b@c", 0 },
	{ "\"john smith\"@example.com", 0 },
	{ "j\xc3\xbcrgen@example.org", 0 },
	{ "jane@ex\tample.org", 0 },
	{ "jane\r@example.org", 0 },
	{ "jane@example.org\n", 0 },
	{ "jane\x7f@example.org", 0 },
	{ "\"a@b@example.com", 0 },
	{ "a@\"b\"", 0 },
	{ "\"a\\", 0 },
};

/* test_valid_spec - what may be handed to SES as an address. */
static void
test_valid_spec(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(spec_cases) / sizeof(spec_cases[0]); i++)
		if (address_is_valid_spec(spec_cases[i].s) !=
		    spec_cases[i].valid)
			fail_msg("address_is_valid_spec(\"%s\") != %d",
			    spec_cases[i].s, spec_cases[i].valid);
	assert_false(address_is_valid_spec(NULL));
}

int
main(void)
{
	static const struct CMUnitTest fixed[] = {
		cmocka_unit_test(test_length_bounds),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_valid_spec),
	};
	struct CMUnitTest	*t;
	size_t			 nok, nspan, nerr, nfix, i, n = 0;
	int			 rc;

	nok = sizeof(ok_cases) / sizeof(ok_cases[0]);
	nspan = sizeof(span_cases) / sizeof(span_cases[0]);
	nerr = sizeof(err_cases) / sizeof(err_cases[0]);
	nfix = sizeof(fixed) / sizeof(fixed[0]);
	t = calloc(nok + nspan + nerr + nfix, sizeof(*t));
	if (t == NULL)
		return 1;
	for (i = 0; i < nok; i++, n++) {
		t[n].name = ok_cases[i].name;
		t[n].test_func = check_ok;
		t[n].initial_state = (void *)(uintptr_t)&ok_cases[i];
	}
	for (i = 0; i < nspan; i++, n++) {
		t[n].name = span_cases[i].name;
		t[n].test_func = check_spans;
		t[n].initial_state = (void *)(uintptr_t)&span_cases[i];
	}
	for (i = 0; i < nerr; i++, n++) {
		t[n].name = err_cases[i].name;
		t[n].test_func = check_err;
		t[n].initial_state = (void *)(uintptr_t)&err_cases[i];
	}
	for (i = 0; i < nfix; i++, n++)
		t[n] = fixed[i];

	rc = _cmocka_run_group_tests("address", t, n, NULL, NULL);
	free(t);
	return rc;
}
