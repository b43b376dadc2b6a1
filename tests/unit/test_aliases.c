/*
 * test_aliases - aliases(5) parsing and resolution.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "aliases.h"
#include "buf.h"
#include "strlist.h"
#include "util.h"

/* parse_ok - parse text, which must be accepted. */
static void
parse_ok(const char *text, struct aliases *a)
{
	char	 err[ERRLEN] = "";
	int	 rc;

	rc = aliases_parse(text, strlen(text), a, err, sizeof(err));
	if (rc != 0)
		print_error("unexpected error: %s\n", err);
	assert_int_equal(rc, 0);
}

/*
 * parse_err - parse text, which must be refused with an error holding
 * every NULL-terminated substring given, and leave nothing behind.
 */
static void
parse_err(const char *text, ...)
{
	struct aliases	 a = ALIASES_INIT;
	char		 err[ERRLEN] = "";
	const char	*want;
	va_list		 ap;

	assert_int_equal(aliases_parse(text, strlen(text), &a, err,
	    sizeof(err)), -1);
	assert_int_equal(a.n, 0);

	va_start(ap, text);
	for (;;) {
		want = va_arg(ap, const char *);
		if (want == NULL)
			break;
		if (strstr(err, want) == NULL)
			print_error("\"%s\" not in \"%s\"\n", want, err);
		assert_non_null(strstr(err, want));
	}
	va_end(ap);
	aliases_free(&a);
}

/*
 * resolve_ok - resolve name and compare the result with the
 * NULL-terminated list of expected addresses, in order.
 */
static void
resolve_ok(const struct aliases *a, const char *name, ...)
{
	struct strlist	 out = STRLIST_INIT;
	char		 err[ERRLEN] = "";
	const char	*want;
	va_list		 ap;
	size_t		 i = 0;
	int		 rc;

	rc = aliases_resolve(a, name, &out, err, sizeof(err));
	if (rc != 0)
		print_error("unexpected error: %s\n", err);
	assert_int_equal(rc, 0);

	va_start(ap, name);
	for (;;) {
		want = va_arg(ap, const char *);
		if (want == NULL)
			break;
		assert_true(i < out.n);
		assert_string_equal(out.v[i], want);
		i++;
	}
	va_end(ap);
	assert_int_equal(out.n, i);
	strlist_free(&out);
}

/* resolve_err - resolving name fails with want in the error. */
static void
resolve_err(const struct aliases *a, const char *name, const char *want)
{
	struct strlist	 out = STRLIST_INIT;
	char		 err[ERRLEN] = "";

	assert_int_equal(aliases_resolve(a, name, &out, err, sizeof(err)),
	    -1);
	if (strstr(err, want) == NULL)
		print_error("\"%s\" not in \"%s\"\n", want, err);
	assert_non_null(strstr(err, want));
	assert_int_equal(out.n, 0);
	strlist_free(&out);
}

static void
test_comments_and_blank_lines(void **state)
{
	struct aliases	 a = ALIASES_INIT;

	(void)state;
	parse_ok("# /etc/aliases\n"
	    "\n"
	    "   \n"
	    "\t# indented comment\n"
	    "root: ops@example.com\n"
	    "\n"
	    "# postmaster: nobody@example.com\n"
	    "postmaster: root\n", &a);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.v[0].name, "root");
	assert_int_equal(a.v[0].line, 5);
	assert_int_equal(a.v[1].line, 8);
	resolve_ok(&a, "postmaster", "ops@example.com", NULL);
	aliases_free(&a);
}

static void
test_hash_inside_line_is_not_comment(void **state)
{
	struct aliases	 a = ALIASES_INIT;

	(void)state;
	parse_ok("root: x#y@example.com", &a);
	resolve_ok(&a, "root", "x#y@example.com", NULL);
	aliases_free(&a);
}

static void
test_continuation_lines(void **state)
{
	struct aliases	 a = ALIASES_INIT;

	(void)state;
	parse_ok("staff: a@example.com,\n"
	    " b@example.com,\n"
	    "# c@example.com,\n"
	    "\td@example.com\n"
	    "root: e@example.com\n", &a);
	assert_int_equal(a.n, 2);
	assert_int_equal(a.v[1].line, 5);
	resolve_ok(&a, "staff", "a@example.com", "b@example.com",
	    "d@example.com", NULL);
	aliases_free(&a);
}

static void
test_continuation_without_alias(void **state)
{
	(void)state;
	parse_err("# top\n  a@example.com\n", "line 2", "continuation", NULL);
}

static void
test_crlf_file(void **state)
{
	struct aliases	 a = ALIASES_INIT;

	(void)state;
	parse_ok("# crlf\r\n"
	    "\r\n"
	    "root: a@example.com,\r\n"
	    "\tb@example.com\r\n"
	    "www: root\r", &a);
	assert_int_equal(a.n, 2);
	resolve_ok(&a, "www", "a@example.com", "b@example.com", NULL);
	aliases_free(&a);
}

static void
test_names_case_insensitive(void **state)
{
	struct aliases	 a = ALIASES_INIT;

	(void)state;
	parse_ok("Root: Ops@Example.com\nWWW-Data : ROOT\n", &a);
	assert_string_equal(a.v[0].name, "root");
	assert_string_equal(a.v[1].name, "www-data");
	resolve_ok(&a, "root", "Ops@Example.com", NULL);
	resolve_ok(&a, "ROOT", "Ops@Example.com", NULL);
	resolve_ok(&a, "www-data", "Ops@Example.com", NULL);
	aliases_free(&a);
}

static void
test_several_targets(void **state)
{
	struct aliases	 a = ALIASES_INIT;

	(void)state;
	parse_ok("root: c@example.com, a@example.com,b@example.com\n", &a);
	assert_int_equal(a.v[0].targets.n, 3);
	resolve_ok(&a, "root", "c@example.com", "a@example.com",
	    "b@example.com", NULL);
	aliases_free(&a);
}

static void
test_display_names_and_quoted_commas(void **state)
{
	struct aliases	 a = ALIASES_INIT;

	(void)state;
	parse_ok("root: \"Doe, Jane\" <jane@example.com>, "
	    "Ops Team <ops@example.com> (pager, 24/7),\n"
	    "  \"Roe, R.\" <r@example.org>\n", &a);
	resolve_ok(&a, "root", "jane@example.com", "ops@example.com",
	    "r@example.org", NULL);
	aliases_free(&a);
}

static void
test_chain(void **state)
{
	struct aliases	 a = ALIASES_INIT;

	(void)state;
	parse_ok("a: b\nb: c@x.example\n", &a);
	resolve_ok(&a, "a", "c@x.example", NULL);
	aliases_free(&a);
}

static void
test_chain_to_local_name(void **state)
{
	struct aliases	 a = ALIASES_INIT;

	(void)state;
	/* A target that is no alias stays bare, for the domain to qualify. */
	parse_ok("root: admin\n", &a);
	resolve_ok(&a, "root", "admin", NULL);
	aliases_free(&a);
}

static void
test_self_reference(void **state)
{
	struct aliases	 a = ALIASES_INIT;

	(void)state;
	parse_ok("root: root, ops@example.com\nwww: Root\n", &a);
	resolve_ok(&a, "root", "root", "ops@example.com", NULL);
	resolve_ok(&a, "www", "root", "ops@example.com", NULL);
	aliases_free(&a);
}

static void
test_loop(void **state)
{
	struct aliases	 a = ALIASES_INIT;

	(void)state;
	parse_ok("a: b\nb: x@example.com, a\n", &a);
	resolve_err(&a, "a", "alias loop: a -> b -> a");
	resolve_err(&a, "b", "alias loop: b -> a -> b");
	aliases_free(&a);
}

/* chain - "a1: a2" ... "a<n>: end@example.com". */
static char *
chain(int n)
{
	char	*text;
	size_t	 size, len = 0;
	int	 i;

	size = (size_t)n * 32 + 64;
	text = malloc(size);
	assert_non_null(text);
	for (i = 1; i < n; i++)
		len += (size_t)snprintf(text + len, size - len,
		    "a%d: a%d\n", i, i + 1);
	snprintf(text + len, size - len, "a%d: end@example.com\n", n);
	return text;
}

static void
test_depth_32(void **state)
{
	struct aliases	 a = ALIASES_INIT;
	char		*text;

	(void)state;
	text = chain(32);
	parse_ok(text, &a);
	resolve_ok(&a, "a1", "end@example.com", NULL);
	aliases_free(&a);
	free(text);
}

static void
test_depth_over_32(void **state)
{
	struct aliases	 a = ALIASES_INIT;
	char		*text;

	(void)state;
	text = chain(33);
	parse_ok(text, &a);
	resolve_err(&a, "a1", "more than 32 levels");
	resolve_ok(&a, "a2", "end@example.com", NULL);
	aliases_free(&a);
	free(text);
}

static void
test_duplicate(void **state)
{
	(void)state;
	parse_err("root: a@example.com\n\n# again\nroot: b@example.com\n",
	    "line 4", "\"root\"", "line 1", NULL);
	parse_err("root: a@example.com\nROOT: b@example.com\n",
	    "line 2", "line 1", NULL);
}

static void
test_include_refused(void **state)
{
	(void)state;
	parse_err("# x\nlist: a@example.com, :include:/etc/mail/list\n",
	    "line 2", "\"list\"", ":include:/etc/mail/list", "include",
	    NULL);
	parse_err("list: :INCLUDE: /x\n", "line 1", "include", NULL);
}

static void
test_file_refused(void **state)
{
	(void)state;
	parse_err("\nroot: /var/mail/x\n", "line 2", "/var/mail/x",
	    "a file", NULL);
	parse_err("root: Log </var/log/root>\n", "line 1", "/var/log/root",
	    "a file", NULL);
	parse_err("root: \"/var/mail/x\"\n", "line 1", "a file", NULL);
}

static void
test_pipe_refused(void **state)
{
	(void)state;
	parse_err("root: a@example.com,\n  |/usr/bin/prog arg\n",
	    "line 1", "|/usr/bin/prog arg", "a command", NULL);
	parse_err("x: y\nroot: \"|prog\"\n", "line 2", "\"|prog\"",
	    "a command", NULL);
	parse_err("root: \"|/usr/bin/procmail -a, b\"\n", "line 1",
	    "a command", NULL);
}

static void
test_lookalikes_accepted(void **state)
{
	struct aliases	 a = ALIASES_INIT;

	(void)state;
	/*
	 * Neither the "|" in a quoted display name nor the "/" in a comment
	 * starts a target, and a quoted local part with a domain is an
	 * address, not a command.
	 */
	parse_ok("root: \"a, |b\" <x@example.com> (c, /d),\n"
	    "  \"|y\"@example.com\n", &a);
	resolve_ok(&a, "root", "x@example.com", "\"|y\"@example.com", NULL);
	aliases_free(&a);
}

static void
test_no_colon(void **state)
{
	(void)state;
	parse_err("root: a@example.com\n\nops b@example.com\n",
	    "line 3", "':'", NULL);
}

static void
test_empty_targets(void **state)
{
	(void)state;
	parse_err("root:\n", "line 1", "no targets", NULL);
	parse_err("root: , ,\n", "line 1", "no targets", NULL);
	parse_err("root:\n\t\n# nothing\n", "line 1", "no targets", NULL);
}

static void
test_bad_name(void **state)
{
	(void)state;
	parse_err(": a@example.com\n", "line 1", "empty alias name", NULL);
	parse_err("root@localhost: a@example.com\n", "line 1",
	    "bad alias name", NULL);
	parse_err("two words: a@example.com\n", "line 1", "bad alias name",
	    NULL);
}

static void
test_bad_address(void **state)
{
	(void)state;
	parse_err("ok: a@example.com\nroot: <a@example.com\n", "line 2",
	    "\"root\"", NULL);
}

static void
test_control_characters(void **state)
{
	struct aliases	 a = ALIASES_INIT;
	char		 err[ERRLEN] = "";
	static const char text[] = "root: a@example.com\nx: \0b@example.com\n";

	(void)state;
	assert_int_equal(aliases_parse(text, sizeof(text) - 1, &a, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "line 2"));
	assert_non_null(strstr(err, "control character"));
	assert_int_equal(a.n, 0);
	aliases_free(&a);
	parse_err("root: a@exa\rmple.com\n", "line 1", "control", NULL);
}

static void
test_not_an_alias(void **state)
{
	struct aliases	 a = ALIASES_INIT;

	(void)state;
	parse_ok("root: ops@example.com\n", &a);
	resolve_ok(&a, "Jane", "Jane", NULL);
	resolve_ok(&a, "jane@example.org", "jane@example.org", NULL);
	aliases_free(&a);
	/* An empty file has no aliases at all. */
	parse_ok("", &a);
	assert_int_equal(a.n, 0);
	resolve_ok(&a, "root", "root", NULL);
	aliases_free(&a);
}

static void
test_deduplication(void **state)
{
	struct aliases	 a = ALIASES_INIT;

	(void)state;
	parse_ok("root: ops@example.com, admins, OPS@example.com\n"
	    "admins: jane@example.com, ops@example.com, jane@example.com\n",
	    &a);
	resolve_ok(&a, "root", "ops@example.com", "jane@example.com", NULL);
	aliases_free(&a);
}

static void
test_resolve_appends_and_rolls_back(void **state)
{
	struct aliases	 a = ALIASES_INIT;
	struct strlist	 out = STRLIST_INIT;
	char		 err[ERRLEN] = "";

	(void)state;
	parse_ok("ok: b@example.com, a@example.com\n"
	    "bad: z@example.com, l1\nl1: l2\nl2: l1\n", &a);
	assert_int_equal(strlist_add(&out, "a@example.com"), 0);
	assert_int_equal(aliases_resolve(&a, "ok", &out, err, sizeof(err)),
	    0);
	assert_int_equal(out.n, 2);
	assert_string_equal(out.v[1], "b@example.com");

	assert_int_equal(aliases_resolve(&a, "bad", &out, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "l1 -> l2 -> l1"));
	assert_int_equal(out.n, 2);
	assert_null(out.v[2]);

	assert_int_equal(aliases_resolve(&a, "", &out, err, sizeof(err)),
	    -1);
	strlist_free(&out);
	aliases_free(&a);
}

static void
test_failed_parse_keeps_earlier(void **state)
{
	struct aliases	 a = ALIASES_INIT;
	char		 err[ERRLEN] = "";
	const char	*bad = "x: y@example.com\nroot: b@example.com\n";

	(void)state;
	parse_ok("root: a@example.com\n", &a);
	assert_int_equal(aliases_parse(bad, strlen(bad), &a, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "already defined on line 1"));
	assert_int_equal(a.n, 1);
	resolve_ok(&a, "root", "a@example.com", NULL);
	aliases_free(&a);
}

static void
test_load_missing(void **state)
{
	struct aliases	 a = ALIASES_INIT;
	char		 err[ERRLEN] = "", want[ERRLEN];
	const char	*path = "/nonexistent/sesmail/aliases";

	(void)state;
	assert_int_equal(aliases_load(path, &a, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	assert_string_equal(err, want);
	assert_int_equal(a.n, 0);
	aliases_free(&a);
}

static void
test_load_file(void **state)
{
	struct aliases	 a = ALIASES_INIT;
	char		 path[] = "/tmp/test_aliases.XXXXXX", err[ERRLEN] = "";
	static const char text[] = "root: ops@example.com\nbad\n";
	int		 fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd != -1);
	assert_int_equal(write(fd, text, sizeof(text) - 1),
	    (ssize_t)(sizeof(text) - 1));
	close(fd);

	assert_int_equal(aliases_load(path, &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "line 2"));
	assert_int_equal(truncate(path, 22), 0);
	assert_int_equal(aliases_load(path, &a, err, sizeof(err)), 0);
	resolve_ok(&a, "root", "ops@example.com", NULL);

	unlink(path);
	aliases_free(&a);
}

static void
test_fan_out_expands_each_alias_once(void **state)
{
	struct aliases	 a = ALIASES_INIT;
	struct strlist	 out = STRLIST_INIT;
	struct buf	 text = BUF_INIT;
	char		 err[256];
	int		 i;

	/* Each level names the next twice: without remembering what is
	   done, resolving x0 would take 2^30 steps. */
	(void)state;
	for (i = 0; i < 30; i++)
		assert_int_equal(buf_printf(&text, "x%d: x%d, x%d\n", i, i + 1,
		    i + 1), 0);
	assert_int_equal(buf_appends(&text, "x30: a@example.org\n"), 0);
	parse_ok(text.data, &a);
	assert_int_equal(aliases_resolve(&a, "x0", &out, err, sizeof(err)),
	    0);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.v[0], "a@example.org");
	assert_int_equal(aliases_check(&a, err, sizeof(err)), 0);
	strlist_free(&out);
	buf_free(&text);
	aliases_free(&a);
}

static void
test_many_aliases(void **state)
{
	struct aliases	 a = ALIASES_INIT;
	struct strlist	 out = STRLIST_INIT;
	struct buf	 text = BUF_INIT;
	char		 err[256], name[32];
	int		 i;

	(void)state;
	for (i = 0; i < 5000; i++)
		assert_int_equal(buf_printf(&text, "u%d: u%d@example.org\n",
		    i, i), 0);
	parse_ok(text.data, &a);
	for (i = 0; i < 5000; i += 499) {
		snprintf(name, sizeof(name), "U%d", i);
		assert_int_equal(aliases_resolve(&a, name, &out, err,
		    sizeof(err)), 0);
	}
	assert_int_equal(out.n, 11);
	assert_string_equal(out.v[10], "u4990@example.org");
	strlist_free(&out);
	buf_free(&text);
	aliases_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_comments_and_blank_lines),
		cmocka_unit_test(test_hash_inside_line_is_not_comment),
		cmocka_unit_test(test_continuation_lines),
		cmocka_unit_test(test_continuation_without_alias),
		cmocka_unit_test(test_crlf_file),
		cmocka_unit_test(test_names_case_insensitive),
		cmocka_unit_test(test_several_targets),
		cmocka_unit_test(test_display_names_and_quoted_commas),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_chain_to_local_name),
		cmocka_unit_test(test_self_reference),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_depth_32),
		cmocka_unit_test(test_depth_over_32),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_include_refused),
		cmocka_unit_test(test_file_refused),
		cmocka_unit_test(test_pipe_refused),
		cmocka_unit_test(test_lookalikes_accepted),
		cmocka_unit_test(test_no_colon),
		cmocka_unit_test(test_empty_targets),
		cmocka_unit_test(test_bad_name),
		cmocka_unit_test(test_bad_address),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_not_an_alias),
		cmocka_unit_test(test_deduplication),
		cmocka_unit_test(test_resolve_appends_and_rolls_back),
		cmocka_unit_test(test_failed_parse_keeps_earlier),
		cmocka_unit_test(test_load_missing),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_fan_out_expands_each_alias_once),
		cmocka_unit_test(test_many_aliases),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
