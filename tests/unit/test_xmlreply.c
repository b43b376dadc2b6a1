/*
 * test_xmlreply - the Query-reply reader on its own: the path a selector
 * sees, direct text only, DOCTYPEs, the two ways of treating long text,
 * secrets, and elements nested deeper than the path holds.
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

#include "buf.h"
#include "xmlreply.h"

/* What the test selector fills, and the last path it was shown. */
struct fields {
	char	*id;		/* <Id> anywhere */
	char	*key;		/* <Key> anywhere, a secret */
	char	*inner;		/* <B> only as a child of the outermost <A> */
	char	*err;		/* <Code> only inside an <Error> */
	char	 seen[512];	/* "/a/b/c" of the last element offered */
	size_t	 offered;
};

/* pick - the test selector. */
static char **
pick(void *arg, const char *const *path, size_t n, int *secret)
{
	struct fields	*f = arg;
	const char	*name = path[n - 1];
	size_t		 i, len = 0;

	f->offered++;
	f->seen[0] = '\0';
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(f->seen + len, sizeof(f->seen) - len,
		    "/%s", path[i]);
	if (strcmp(name, "Id") == 0)
		return &f->id;
	if (strcmp(name, "Key") == 0) {
		*secret = 1;
		return &f->key;
	}
	if (strcmp(name, "B") == 0 && xmlreply_child_of(path, n, "A"))
		return &f->inner;
	if (strcmp(name, "Code") == 0 && xmlreply_inside(path, n, "Error"))
		return &f->err;
	return NULL;
}

static void
fields_free(struct fields *f)
{
	free(f->id);
	free(f->key);
	free(f->inner);
	free(f->err);
	memset(f, 0, sizeof(*f));
}

/* parse - xml into fresh fields, with text_max max. */
static int
parse(const char *xml, size_t max, struct fields *f)
{
	const struct xmlreply_opts	 opts = {
		.text_max = max,
		.select = pick,
		.arg = f
	};

	return xmlreply_parse(xml, strlen(xml), &opts);
}

static void
test_nesting(void **state)
{
	struct fields	 f = { 0 };

	(void)state;
	/* The selector sees local names, root first, the element last. */
	assert_int_equal(parse("<p:R xmlns:p=\"urn:x\"><p:S><p:Q/></p:S></p:R>",
	    64, &f), 0);
	assert_string_equal(f.seen, "/R/S/Q");
	assert_int_equal(f.offered, 3);
	fields_free(&f);

	/* Only direct text counts; what is inside it is not offered. */
	assert_int_equal(parse("<R><Id> a<Id>b</Id><Key>k</Key>c </Id></R>",
	    64, &f), 0);
	assert_string_equal(f.id, "ac");
	assert_null(f.key);
	assert_int_equal(f.offered, 2);
	fields_free(&f);

	/* B counts under the outermost A only; Code anywhere in Error. */
	assert_int_equal(parse("<R><B>0</B><A><B>1</B><A><B>2</B></A></A>"
	    "<Error><X><Code>E</Code></X></Error><Code>no</Code></R>", 64,
	    &f), 0);
	assert_string_equal(f.inner, "1");
	assert_string_equal(f.err, "E");
	fields_free(&f);

	/* Empty text leaves a field as it was; a later one replaces it. */
	assert_int_equal(parse("<R><Id>x</Id><Id> \r\n\t</Id></R>", 64,
	    &f), 0);
	assert_string_equal(f.id, "x");
	fields_free(&f);
	assert_int_equal(parse("<R><Id>x</Id><Id>y</Id></R>", 64,
	    &f), 0);
	assert_string_equal(f.id, "y");
	fields_free(&f);
}

static void
test_refused(void **state)
{
	static const char *const bad[] = {
		"<!DOCTYPE R><R><Id>x</Id></R>",
		"<!DOCTYPE R SYSTEM \"file:///etc/passwd\"><R/>",
		"<!DOCTYPE R [<!ENTITY e \"x\">]><R><Id>&e;</Id></R>",
		"", "<R><Id>x</R>", "<R/><R/>", "<p:R/>",
		NULL
	};
	struct fields	 f = { 0 };
	size_t		 i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++) {
		if (parse(bad[i], 64, &f) != -1)
			fail_msg("accepted: %s", bad[i]);
		fields_free(&f);
	}
	assert_int_equal(xmlreply_parse(NULL, 0, &(struct xmlreply_opts){
	    .text_max = 64, .select = pick,
	    .arg = &f }), -1);
	assert_int_equal(xmlreply_parse("<R/>", (size_t)INT32_MAX + 1,
	    &(struct xmlreply_opts){ .text_max = 64, .select = pick,
	    .arg = &f }), -1);
	assert_int_equal(f.offered, 0);
}

/* One reply read with the test selector, and what must come of it. */
struct text_case {
	const char		*xml;
	size_t			 max;
	int			 rc;
	const char		*id;	/* with rc 0; NULL: left unset */
	const char		*key;
};

static const struct text_case text_cases[] = {
	/* A long text is cut: the first bytes are kept, then trimmed. */
	{ "<R><Id>  abcdefghij</Id></R>", 8, 0, "abcdef", NULL },
	/* Also when the text comes in pieces (an entity splits it). */
	{ "<R><Id>abcd&amp;efgh&amp;ij</Id></R>", 8, 0, "abcd&efg", NULL },
	/* A long secret is refused with the whole reply, not cut... */
	{ "<R><Id>a</Id><Key>abcdefghi</Key></R>", 8, -1, NULL, NULL },
	{ "<R><Key>abcd&amp;efgh</Key></R>", 8, -1, NULL, NULL },
	/* ...but exactly text_max is fine. */
	{ "<R><Id>abcdefghij</Id><Key>abcdefgh</Key></R>", 8, 0,
	    "abcdefgh", "abcdefgh" },
	/* Text the selector did not ask for is not counted. */
	{ "<R>abcdefghijkl<X>abcdefghijkl</X><Key>a</Key></R>", 8, 0,
	    NULL, "a" },
	/* A secret is kept byte for byte, other text made printable. */
	{ "<R><Key> caf\xc3\xa9 </Key><Id>caf\xc3\xa9" "&#x7f;</Id></R>", 64,
	    0, "caf???", "caf\xc3\xa9" },
	/* A control byte inside a secret refuses the reply... */
	{ "<R><Key>a\tb</Key></R>", 64, -1, NULL, NULL },
	{ "<R><Key>ab&#x7f;</Key></R>", 64, -1, NULL, NULL },
	/* ...where other text only has it replaced. */
	{ "<R><Id>a\tb</Id></R>", 64, 0, "a?b", NULL },
	/* Around a secret, white space is trimmed first, as for any text. */
	{ "<R><Key>\n\tab\r\n</Key></R>", 64, 0, NULL, "ab" },
};

/* same - fail case i unless got is want (both may be NULL). */
static void
same(size_t i, const char *got, const char *want)
{
	if (got == NULL && want == NULL)
		return;
	if (got == NULL || want == NULL || strcmp(got, want) != 0)
		fail_msg("case %zu: \"%s\", not \"%s\"", i,
		    got != NULL ? got : "(null)",
		    want != NULL ? want : "(null)");
}

static void
test_text(void **state)
{
	const struct text_case	*c;
	struct fields		 f = { 0 };
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(text_cases) / sizeof(text_cases[0]); i++) {
		c = &text_cases[i];
		if (parse(c->xml, c->max, &f) != c->rc)
			fail_msg("case %zu: not %d: %s", i, c->rc, c->xml);
		if (c->rc == 0) {
			same(i, f.id, c->id);
			same(i, f.key, c->key);
		}
		fields_free(&f);
	}
}

/* nested - depth elements <d>, the innermost holding <Id>x</Id>. */
static void
nested(struct buf *b, size_t depth)
{
	size_t	 i;

	buf_reset(b);
	for (i = 0; i < depth; i++)
		buf_appends(b, "<d>");
	buf_appends(b, "<Id>x</Id>");
	for (i = 0; i < depth; i++)
		buf_appends(b, "</d>");
}

static void
test_too_deep(void **state)
{
	struct fields	 f = { 0 };
	struct buf	 b = BUF_INIT;
	char		 name[XMLREPLY_NAME_MAX + 2];

	(void)state;
	/* The deepest element the path holds is still offered. */
	nested(&b, XMLREPLY_DEPTH - 1);
	assert_int_equal(parse(b.data, 64, &f), 0);
	assert_string_equal(f.id, "x");
	assert_int_equal(f.offered, XMLREPLY_DEPTH);
	fields_free(&f);

	/* One level deeper it is passed by, and the reply still reads. */
	nested(&b, XMLREPLY_DEPTH);
	assert_int_equal(parse(b.data, 64, &f), 0);
	assert_null(f.id);
	assert_int_equal(f.offered, XMLREPLY_DEPTH);
	fields_free(&f);
	buf_free(&b);

	/* A name too long for the path is shown as "". */
	memset(name, 'N', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	buf_printf(&b, "<R><%s><Id>y</Id></%s></R>", name, name);
	assert_int_equal(parse(b.data, 64, &f), 0);
	assert_string_equal(f.id, "y");
	assert_string_equal(f.seen, "/R//Id");
	fields_free(&f);
	buf_free(&b);
}

static void
test_path_helpers(void **state)
{
	const char *const	 path[] = { "R", "A", "X", "A", "B" };

	(void)state;
	assert_true(xmlreply_inside(path, 5, "A"));
	assert_true(xmlreply_inside(path, 5, "R"));
	assert_false(xmlreply_inside(path, 5, "B"));
	assert_false(xmlreply_inside(path, 1, "R"));
	assert_true(xmlreply_child_of(path, 3, "A"));
	/* The parent is an A, but not the outermost one. */
	assert_false(xmlreply_child_of(path, 5, "A"));
	assert_false(xmlreply_child_of(path, 4, "A"));
	assert_false(xmlreply_child_of(path, 1, "R"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_too_deep),
		cmocka_unit_test(test_path_helpers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
