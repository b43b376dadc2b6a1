/*
 * test_options - the sendmail command line as real callers write it.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include <cmocka.h>

#include "options.h"
#include "util.h"

#define MAXARGS 32

/* parse - split a NULL-terminated list of literals into a writable argv. */
static int
parse(struct options *o, char *err, const char *first, ...)
{
	static char	 store[MAXARGS][128];
	static char	*argv[MAXARGS + 1];
	const char	*a;
	va_list		 ap;
	int		 argc = 0;

	va_start(ap, first);
	for (a = first; a != NULL && argc < MAXARGS; a = va_arg(ap, char *)) {
		snprintf(store[argc], sizeof(store[argc]), "%s", a);
		argv[argc] = store[argc];
		argc++;
	}
	va_end(ap);
	argv[argc] = NULL;
	err[0] = '\0';
	return options_parse(argc, argv, o, err, ERRLEN);
}

static void
test_php_mail(void **state)
{
	struct options	 o;
	char		 err[ERRLEN];

	(void)state;
	assert_int_equal(parse(&o, err, "sendmail", "-t", "-i",
	    "-fbounce@example.com", NULL), 0);
	assert_int_equal(o.mode, MODE_SEND);
	assert_true(o.extract);
	assert_true(o.ignore_dots);
	assert_string_equal(o.sender, "bounce@example.com");
	assert_int_equal(o.nrcpts, 0);
}

static void
test_phpmailer_duplicate_t(void **state)
{
	struct options	 o;
	char		 err[ERRLEN];

	(void)state;
	assert_int_equal(parse(&o, err, "sendmail", "-t", "-i", "-oi",
	    "-fapp@example.com", "-t", NULL), 0);
	assert_true(o.extract);
	assert_true(o.ignore_dots);
	assert_string_equal(o.sender, "app@example.com");
}

static void
test_debian_cron(void **state)
{
	struct options	 o;
	char		 err[ERRLEN];

	(void)state;
	assert_int_equal(parse(&o, err, "sendmail", "-FCronDaemon", "-i",
	    "-B8BITMIME", "-oem", "root", NULL), 0);
	assert_string_equal(o.fullname, "CronDaemon");
	assert_false(o.extract);
	assert_true(o.ignore_dots);
	assert_int_equal(o.nrcpts, 1);
	assert_string_equal(o.rcpts[0], "root");
}

static void
test_separate_arguments_not_recipients(void **state)
{
	struct options	 o;
	char		 err[ERRLEN];

	/* ssmtp turned each of these arguments into a recipient. */
	(void)state;
	assert_int_equal(parse(&o, err, "sendmail", "-L", "tag", "-B",
	    "8BITMIME", "-h", "5", "-N", "never", "-R", "hdrs", "-V", "env1",
	    "-X", "/tmp/log", "-A", "c", "a@example.com", NULL), 0);
	assert_int_equal(o.nrcpts, 1);
	assert_string_equal(o.rcpts[0], "a@example.com");
	assert_string_equal(o.syslog_tag, "tag");
}

static void
test_double_dash(void **state)
{
	struct options	 o;
	char		 err[ERRLEN];

	(void)state;
	assert_int_equal(parse(&o, err, "sendmail", "-i",
	    "-fapp@example.com", "--", "-t", "b@example.org", NULL), 0);
	assert_false(o.extract);
	assert_int_equal(o.nrcpts, 2);
	assert_string_equal(o.rcpts[0], "-t");
}

static void
test_separate_f_and_angles(void **state)
{
	struct options	 o;
	char		 err[ERRLEN];

	(void)state;
	assert_int_equal(parse(&o, err, "sendmail", "-f", "<a@example.com>",
	    "x@example.org", NULL), 0);
	assert_string_equal(o.sender, "a@example.com");
	assert_int_equal(parse(&o, err, "sendmail", "-f", "<>", "x@y.z",
	    NULL), 0);
	assert_string_equal(o.sender, "");
	assert_int_equal(parse(&o, err, "sendmail", "-r", "", "x@y.z", NULL),
	    0);
	assert_string_equal(o.sender, "");
}

static void
test_clustered_flags(void **state)
{
	struct options	 o;
	char		 err[ERRLEN];

	(void)state;
	assert_int_equal(parse(&o, err, "sendmail", "-tiv", NULL), 0);
	assert_true(o.extract);
	assert_true(o.ignore_dots);
	assert_int_equal(o.verbose, 1);
	assert_int_equal(parse(&o, err, "sendmail", "-tfx@example.com", NULL),
	    0);
	assert_true(o.extract);
	assert_string_equal(o.sender, "x@example.com");
}

static void
test_o_options(void **state)
{
	struct options	 o;
	char		 err[ERRLEN];

	(void)state;
	assert_int_equal(parse(&o, err, "sendmail", "-odi", "-oem", "-om",
	    "x@y.z", NULL), 0);
	assert_false(o.ignore_dots);
	assert_int_equal(parse(&o, err, "sendmail", "-o", "i", "x@y.z", NULL),
	    0);
	assert_true(o.ignore_dots);
	assert_int_equal(o.nrcpts, 1);
}

static void
test_modes(void **state)
{
	struct options	 o;
	char		 err[ERRLEN];

	(void)state;
	assert_int_equal(parse(&o, err, "sendmail", "-bs", NULL), 0);
	assert_int_equal(o.mode, MODE_SMTP);
	assert_int_equal(parse(&o, err, "sendmail", "-bp", NULL), 0);
	assert_int_equal(o.mode, MODE_QUEUE_LIST);
	assert_int_equal(parse(&o, err, "sendmail", "-bi", NULL), 0);
	assert_int_equal(o.mode, MODE_NEWALIASES);
	assert_int_equal(parse(&o, err, "sendmail", "-bv", "x@y.z", NULL), 0);
	assert_int_equal(o.mode, MODE_VERIFY);
	assert_int_equal(parse(&o, err, "sendmail", "-q30m", NULL), 0);
	assert_int_equal(o.mode, MODE_QUEUE_RUN);
	assert_int_equal(parse(&o, err, "/usr/bin/mailq", NULL), 0);
	assert_int_equal(o.mode, MODE_QUEUE_LIST);
	assert_int_equal(parse(&o, err, "newaliases", NULL), 0);
	assert_int_equal(o.mode, MODE_NEWALIASES);
	assert_int_equal(parse(&o, err, "sendmail", "-bd", NULL), EX_USAGE);
	assert_non_null(strstr(err, "daemon"));
}

static void
test_unknown_flag(void **state)
{
	struct options	 o;
	char		 err[ERRLEN];

	(void)state;
	assert_int_equal(parse(&o, err, "sendmail", "-k", "x@y.z", NULL),
	    EX_USAGE);
	assert_non_null(strstr(err, "-k"));
	assert_int_equal(parse(&o, err, "sendmail", "-f", NULL), EX_USAGE);
	/* A long option is named whole, not as "-". */
	assert_int_equal(parse(&o, err, "sendmail", "--read-envelope-from",
	    "x@y.z", NULL), EX_USAGE);
	assert_non_null(strstr(err, "--read-envelope-from"));
}

/* -q sends what is kept: a recipient would be silently dropped. */
static void
test_queue_run_takes_no_recipients(void **state)
{
	struct options	 o;
	char		 err[ERRLEN];

	(void)state;
	assert_int_equal(parse(&o, err, "sendmail", "-q", "a@example.org",
	    NULL), EX_USAGE);
	assert_non_null(strstr(err, "-q"));
	assert_int_equal(parse(&o, err, "sendmail", "-q", "-v", NULL), 0);
	assert_int_equal(o.mode, MODE_QUEUE_RUN);
}

/* The tag starts every syslog line: no line of its own through it. */
static void
test_syslog_tag(void **state)
{
	struct options	 o;
	char		 err[ERRLEN];
	char		 tag[OPTIONS_MAX_TAG + 2];

	(void)state;
	assert_int_equal(parse(&o, err, "sendmail", "-L", "cron-mail",
	    "a@example.org", NULL), 0);
	assert_string_equal(o.syslog_tag, "cron-mail");
	assert_int_equal(parse(&o, err, "sendmail", "-L",
	    "tag\nsesmail: forged", "a@example.org", NULL), EX_USAGE);
	assert_int_equal(parse(&o, err, "sendmail", "-Lx\ty",
	    "a@example.org", NULL), EX_USAGE);
	memset(tag, 'a', sizeof(tag) - 1);
	tag[sizeof(tag) - 1] = '\0';
	assert_int_equal(parse(&o, err, "sendmail", "-L", tag,
	    "a@example.org", NULL), EX_USAGE);
	tag[OPTIONS_MAX_TAG] = '\0';
	assert_int_equal(parse(&o, err, "sendmail", "-L", tag,
	    "a@example.org", NULL), 0);
}

static void
test_option_after_recipient(void **state)
{
	struct options	 o;
	char		 err[ERRLEN];

	(void)state;
	assert_int_equal(parse(&o, err, "sendmail", "a@example.org", "-oi",
	    "-f", "x@example.com", NULL), EX_USAGE);
	assert_non_null(strstr(err, "-oi"));
	assert_int_equal(parse(&o, err, "sendmail", "--", "a@example.org",
	    "-odd@example.org", NULL), 0);
	assert_int_equal(o.nrcpts, 2);
}

static void
test_line_breaks_refused(void **state)
{
	struct options	 o;
	char		 err[ERRLEN];

	(void)state;
	assert_int_equal(parse(&o, err, "sendmail", "-i", "-F",
	    "Ops Robot\rBcc: victim@example.org", "a@example.org", NULL),
	    EX_USAGE);
	assert_int_equal(parse(&o, err, "sendmail", "-f",
	    "a@example.org\nBcc: v@example.org", "a@example.org", NULL),
	    EX_USAGE);
	assert_int_equal(parse(&o, err, "sendmail",
	    "a@example.org\r\nBcc: v@example.org", NULL), EX_USAGE);
	assert_int_equal(parse(&o, err, "sendmail", "-i", "a@example.org",
	    "b@example.org\n", NULL), EX_USAGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_php_mail),
		cmocka_unit_test(test_phpmailer_duplicate_t),
		cmocka_unit_test(test_debian_cron),
		cmocka_unit_test(test_separate_arguments_not_recipients),
		cmocka_unit_test(test_double_dash),
		cmocka_unit_test(test_separate_f_and_angles),
		cmocka_unit_test(test_clustered_flags),
		cmocka_unit_test(test_o_options),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_unknown_flag),
		cmocka_unit_test(test_queue_run_takes_no_recipients),
		cmocka_unit_test(test_syslog_tag),
		cmocka_unit_test(test_option_after_recipient),
		cmocka_unit_test(test_line_breaks_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
