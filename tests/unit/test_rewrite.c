/*
 * test_rewrite - the header section as sesmail hands it on.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <cmocka.h>

#include "message.h"
#include "rewrite.h"
#include "strlist.h"
#include "util.h"

/* field - the unfolded value of the n-th field called name, or NULL. */
static char *
field(const struct message *m, const char *name, size_t n)
{
	long	 i;

	i = message_find(m, name, n);
	return i < 0 ? NULL : message_value(m, (size_t)i);
}

static void
assert_field(const struct message *m, const char *name, const char *want)
{
	char	*v;

	v = field(m, name, 0);
	if (v == NULL)
		fail_msg("no %s field", name);
	assert_string_equal(v, want);
	free(v);
}

static void
run(struct message *m, const char *text, const struct rewrite_opts *o,
    int want_rc)
{
	char	 err[ERRLEN] = "";

	message_init(m);
	assert_int_equal(message_parse(text, strlen(text), 0, m), 0);
	assert_int_equal(rewrite_message(m, o, err, sizeof(err)), want_rc);
}

static void
test_from_value(void **state)
{
	char	*v;

	(void)state;
	v = rewrite_from_value("Ops, Night \"Shift\"", "ops@example.com");
	assert_string_equal(v,
	    "\"Ops, Night \\\"Shift\\\"\" <ops@example.com>");
	free(v);
	v = rewrite_from_value("", "ops@example.com");
	assert_string_equal(v, "ops@example.com");
	free(v);
	v = rewrite_from_value(NULL, "ops@example.com");
	assert_string_equal(v, "ops@example.com");
	free(v);
	v = rewrite_from_value("J\xc3\xbcrgen", "j@example.com");
	assert_non_null(strstr(v, "=?UTF-8?"));
	assert_non_null(strstr(v, " <j@example.com>"));
	assert_null(strstr(v, "\xc3"));
	free(v);
}

static void
test_from_allowed(void **state)
{
	struct strlist	 pats = STRLIST_INIT;

	(void)state;
	assert_true(rewrite_from_allowed("anyone@example.net", &pats));
	assert_int_equal(strlist_add(&pats, "*@example.com"), 0);
	assert_int_equal(strlist_add(&pats, "billing@example.org"), 0);
	assert_true(rewrite_from_allowed("Shop <Shop@Example.COM>", &pats));
	assert_true(rewrite_from_allowed("billing@example.org", &pats));
	assert_false(rewrite_from_allowed("x@example.org", &pats));
	assert_false(rewrite_from_allowed("a@example.com, x@evil.test",
	    &pats));
	assert_false(rewrite_from_allowed("not an address <", &pats));
	strlist_free(&pats);
}

static void
test_adds_missing_fields(void **state)
{
	struct rewrite_opts	 o = { "noreply@example.com", "Cron Daemon",
	    "example.com", NULL, 0 };
	struct message		 m;
	char			*v;

	(void)state;
	run(&m, "To: a@example.org\nSubject: s\n\nbody\n", &o, 0);
	assert_field(&m, "From", "\"Cron Daemon\" <noreply@example.com>");
	v = field(&m, "Message-ID", 0);
	if (v == NULL)
		fail_msg("no Message-ID added");
	else
		assert_true(v[0] == '<' && strstr(v, "@example.com>") != NULL);
	free(v);
	v = field(&m, "Date", 0);
	assert_non_null(v);
	assert_non_null(strchr(v, ':'));
	free(v);
	message_free(&m);
}

static void
test_keeps_present_fields(void **state)
{
	struct rewrite_opts	 o = { "noreply@example.com", "X",
	    "example.com", NULL, 0 };
	struct message		 m;

	(void)state;
	run(&m, "From: a@example.com\nDate: Mon, 6 Jan 2025 09:00:00 +0000\n"
	    "Message-ID: <1@example.com>\nTo: b@example.org\n\nbody\n", &o, 0);
	assert_field(&m, "From", "a@example.com");
	assert_field(&m, "Message-ID", "<1@example.com>");
	assert_int_equal(message_count(&m, "Date"), 1);
	message_free(&m);
}

static void
test_bcc_removed(void **state)
{
	struct rewrite_opts	 o = { "noreply@example.com", NULL,
	    "example.com", NULL, 0 };
	struct message		 m;
	struct buf		 out = BUF_INIT;

	(void)state;
	run(&m, "To: a@example.org\nbcc: hidden@example.net,\n"
	    " other@example.net\nResent-Bcc: r@example.net\n\nbody\n", &o, 0);
	assert_int_equal(message_count(&m, "Bcc"), 0);
	assert_int_equal(message_count(&m, "Resent-Bcc"), 0);
	assert_int_equal(message_serialize(&m, &out), 0);
	assert_null(strstr(out.data, "hidden@"));
	assert_null(strstr(out.data, "other@"));
	buf_free(&out);
	message_free(&m);
}

static void
test_allowed_from_replaces(void **state)
{
	struct strlist		 pats = STRLIST_INIT;
	struct rewrite_opts	 o = { "noreply@example.com", "Web Shop",
	    "example.com", &pats, 0 };
	struct message		 m;

	(void)state;
	assert_int_equal(strlist_add(&pats, "*@example.com"), 0);
	run(&m, "From: WordPress <wordpress@customer.test>\n"
	    "To: a@example.org\n\nbody\n", &o, 0);
	assert_field(&m, "From", "\"Web Shop\" <noreply@example.com>");
	assert_field(&m, "Reply-To", "WordPress <wordpress@customer.test>");
	assert_int_equal(message_count(&m, "From"), 1);
	message_free(&m);

	/* A Reply-To the author set is theirs to keep. */
	run(&m, "From: x@customer.test\nReply-To: help@customer.test\n"
	    "To: a@example.org\n\nbody\n", &o, 0);
	assert_field(&m, "From", "\"Web Shop\" <noreply@example.com>");
	assert_field(&m, "Reply-To", "help@customer.test");
	assert_int_equal(message_count(&m, "Reply-To"), 1);
	message_free(&m);

	/* An allowed From is left alone. */
	run(&m, "From: Shop <shop@example.com>\nTo: a@example.org\n\nb\n",
	    &o, 0);
	assert_field(&m, "From", "Shop <shop@example.com>");
	assert_int_equal(message_count(&m, "Reply-To"), 0);
	message_free(&m);
	strlist_free(&pats);
}

static void
test_date_of_submission(void **state)
{
	struct rewrite_opts	 o = { "noreply@example.com", NULL,
	    "example.com", NULL, 1700000000 };
	struct message		 m;
	char			*v;

	/* A kept message sent later is dated when it was handed in. */
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	run(&m, "To: a@example.org\n\nb\n", &o, 0);
	v = field(&m, "Date", 0);
	assert_non_null(v);
	assert_string_equal(v, "Tue, 14 Nov 2023 22:13:20 +0000");
	free(v);
	message_free(&m);
}

static void
test_duplicate_singletons(void **state)
{
	struct rewrite_opts	 o = { "noreply@example.com", NULL,
	    "example.com", NULL, 0 };
	struct message		 m;

	(void)state;
	run(&m, "Subject: one\nSubject: two\nX-Tag: a\nX-Tag: b\n"
	    "To: a@example.org\n\nb\n", &o, 0);
	assert_int_equal(message_count(&m, "Subject"), 1);
	assert_field(&m, "Subject", "one");
	assert_int_equal(message_count(&m, "X-Tag"), 2);
	message_free(&m);
}

/*
 * A From that names no one counts as missing: SES would refuse it, and
 * it would stand in the way of the From sesmail adds.
 */
static void
test_empty_from_is_missing(void **state)
{
	static const char *const heads[] = {
		"From:\n",
		"From: \t \n",
		"From: (nobody)\n",
		"From:\n (folded) (comments)\n",
		"From: ,\n",
		"From:\nFROM: \n",
	};
	struct rewrite_opts	 o = { "noreply@example.com", "Cron Daemon",
	    "example.com", NULL, 0 };
	struct message		 m;
	char			 text[256];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		snprintf(text, sizeof(text), "To: a@example.org\n%s\nb\n",
		    heads[i]);
		run(&m, text, &o, 0);
		assert_int_equal(message_count(&m, "From"), 1);
		assert_field(&m, "From",
		    "\"Cron Daemon\" <noreply@example.com>");
		message_free(&m);
	}

	/* An empty first From must not hide a real one behind it. */
	run(&m, "From:\nTo: a@example.org\nFrom: Shop <shop@example.com>\n"
	    "\nb\n", &o, 0);
	assert_int_equal(message_count(&m, "From"), 1);
	assert_field(&m, "From", "Shop <shop@example.com>");
	message_free(&m);

	/* A group names someone on purpose; SES is left to judge it. */
	run(&m, "From: Undisclosed:;\nTo: a@example.org\n\nb\n", &o, 0);
	assert_field(&m, "From", "Undisclosed:;");
	message_free(&m);

	/* The null sender: nothing to build a From from, none added. */
	o.sender = NULL;
	run(&m, "From:\nTo: a@example.org\n\nb\n", &o, 0);
	assert_int_equal(message_count(&m, "From"), 0);
	message_free(&m);
}

/* With allowed_from, an empty From gives no empty Reply-To either. */
static void
test_empty_from_allowed_from(void **state)
{
	struct strlist		 pats = STRLIST_INIT;
	struct rewrite_opts	 o = { "noreply@example.com", NULL,
	    "example.com", &pats, 0 };
	struct message		 m;

	(void)state;
	assert_int_equal(strlist_add(&pats, "*@example.com"), 0);
	run(&m, "From: \nTo: a@example.org\n\nb\n", &o, 0);
	assert_int_equal(message_count(&m, "From"), 1);
	assert_field(&m, "From", "noreply@example.com");
	assert_int_equal(message_count(&m, "Reply-To"), 0);
	message_free(&m);
	strlist_free(&pats);
}

/* An empty Sender says nothing; sesmail adds none, so it goes. */
static void
test_empty_sender_removed(void **state)
{
	struct rewrite_opts	 o = { "noreply@example.com", NULL,
	    "example.com", NULL, 0 };
	struct message		 m;

	(void)state;
	run(&m, "From: a@example.com\nSender:\nTo: b@example.org\n"
	    "sender: (none)\n\nb\n", &o, 0);
	assert_int_equal(message_count(&m, "Sender"), 0);
	assert_field(&m, "From", "a@example.com");
	message_free(&m);

	run(&m, "From: a@example.com\nSender:\nSender: s@example.com\n"
	    "To: b@example.org\n\nb\n", &o, 0);
	assert_int_equal(message_count(&m, "Sender"), 1);
	assert_field(&m, "Sender", "s@example.com");
	message_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_value),
		cmocka_unit_test(test_from_allowed),
		cmocka_unit_test(test_adds_missing_fields),
		cmocka_unit_test(test_keeps_present_fields),
		cmocka_unit_test(test_bcc_removed),
		cmocka_unit_test(test_allowed_from_replaces),
		cmocka_unit_test(test_date_of_submission),
		cmocka_unit_test(test_duplicate_singletons),
		cmocka_unit_test(test_empty_from_is_missing),
		cmocka_unit_test(test_empty_from_allowed_from),
		cmocka_unit_test(test_empty_sender_removed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
