/*
 * test_envelope - sender and recipients as SES will be told them.
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

#include "aliases.h"
#include "conf.h"
#include "envelope.h"
#include "message.h"
#include "options.h"
#include "util.h"

struct fixture {
	struct options	 opt;
	struct conf	 conf;
	struct aliases	 aliases;
	struct envelope_ctx ectx;
	struct message	 msg;
	struct envelope	 env;
	char		 err[ERRLEN];
};

static int
setup(void **state)
{
	static struct fixture	 f;

	memset(&f, 0, sizeof(f));
	conf_init(&f.conf);
	message_init(&f.msg);
	envelope_init(&f.env);
	f.opt.mode = MODE_SEND;
	f.conf.domain = strdup("example.com");
	f.conf.sender = strdup("noreply@example.com");
	f.ectx.conf = &f.conf;
	f.ectx.aliases = NULL;
	f.ectx.user = "alice";
	f.ectx.hostname = "web1";
	*state = &f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	conf_free(&f->conf);
	message_free(&f->msg);
	envelope_free(&f->env);
	aliases_free(&f->aliases);
	return 0;
}

static int
build(struct fixture *f, const char *text, char **rcpts, int nrcpts)
{
	f->opt.rcpts = rcpts;
	f->opt.nrcpts = nrcpts;
	assert_int_equal(message_parse(text, strlen(text), 0, &f->msg), 0);
	return envelope_build(&f->opt, &f->ectx, &f->msg, &f->env, f->err,
	    sizeof(f->err));
}

static void
assert_rcpts(const struct envelope *env, const char *const *want)
{
	size_t	 n;

	for (n = 0; want[n] != NULL; n++) {
		if (!strlist_contains(&env->rcpts, want[n]))
			fail_msg("missing recipient %s", want[n]);
	}
	assert_int_equal(env->rcpts.n, n);
}

static void
test_default_sender(void **state)
{
	struct fixture	*f = *state;
	char		 a0[] = "bob@example.org";
	char		*args[] = { a0 };

	assert_int_equal(build(f, "Subject: x\n\nbody\n", args, 1), 0);
	assert_string_equal(f->env.sender, "noreply@example.com");
}

static void
test_f_wins_and_is_qualified(void **state)
{
	struct fixture	*f = *state;
	char		 a0[] = "bob@example.org";
	char		*args[] = { a0 };

	f->opt.sender = "root";
	assert_int_equal(build(f, "From: x@example.net\n\nb\n", args, 1), 0);
	assert_string_equal(f->env.sender, "root@example.com");
}

static void
test_null_sender(void **state)
{
	struct fixture	*f = *state;
	char		 a0[] = "bob@example.org";
	char		*args[] = { a0 };

	f->opt.sender = "";
	assert_int_equal(build(f, "\nb\n", args, 1), 0);
	assert_null(f->env.sender);
}

static void
test_no_configured_sender(void **state)
{
	struct fixture	*f = *state;
	char		 a0[] = "bob@example.org";
	char		*args[] = { a0 };

	free(f->conf.sender);
	f->conf.sender = NULL;
	assert_int_equal(build(f, "\nb\n", args, 1), 0);
	assert_string_equal(f->env.sender, "alice@example.com");
}

static void
test_t_union_and_dedupe(void **state)
{
	struct fixture	*f = *state;
	char		 a0[] = "extra@example.org,";
	char		 a1[] = "A@example.org";
	char		*args[] = { a0, a1 };
	const char	*want[] = { "extra@example.org", "A@example.org",
	    "b@example.org", "c@example.org", "hidden@example.net", NULL };

	f->opt.extract = 1;
	assert_int_equal(build(f,
	    "To: \"Doe, A\" <a@example.org>, b@example.org\n"
	    "Cc: b@example.org (again), c@example.org\n"
	    "Bcc: hidden@example.net\n"
	    "To: undisclosed-recipients:;\n\nbody\n", args, 2), 0);
	assert_rcpts(&f->env, want);
}

static void
test_argv_list_split(void **state)
{
	struct fixture	*f = *state;
	char		 a0[] = "a@example.org,b@example.org";
	char		 a1[] = "root";
	char		*args[] = { a0, a1 };
	const char	*want[] = { "a@example.org", "b@example.org",
	    "root@example.com", NULL };

	assert_int_equal(build(f, "To: ignored@example.org\n\nb\n", args, 2),
	    0);
	assert_rcpts(&f->env, want);
}

static void
test_headers_ignored_without_t(void **state)
{
	struct fixture	*f = *state;
	char		 a0[] = "only@example.org";
	char		*args[] = { a0 };
	const char	*want[] = { "only@example.org", NULL };

	assert_int_equal(build(f, "To: a@example.org\nBcc: b@example.org\n"
	    "\nb\n", args, 1), 0);
	assert_rcpts(&f->env, want);
}

static void
test_no_recipients(void **state)
{
	struct fixture	*f = *state;

	assert_int_equal(build(f, "To: a@example.org\n\nb\n", NULL, 0),
	    EX_USAGE);
	f->opt.extract = 1;
	envelope_free(&f->env);
	message_free(&f->msg);
	assert_int_equal(build(f, "To: undisclosed-recipients:;\n\nb\n",
	    NULL, 0), EX_USAGE);
	assert_non_null(strstr(f->err, "in To, Cc, Bcc"));

	/* With Resent- fields To does not count: say so, not "none in
	   To" beside a To field. */
	envelope_free(&f->env);
	message_free(&f->msg);
	assert_int_equal(build(f, "Resent-From: b@example.com\n"
	    "To: o@example.org\n\nb\n", NULL, 0), EX_USAGE);
	assert_non_null(strstr(f->err, "Resent-"));
	assert_non_null(strstr(f->err, "do not count"));
}

static void
test_bad_address(void **state)
{
	struct fixture	*f = *state;
	char		 a0[] = "<unbalanced@example.org";
	char		*args[] = { a0 };

	assert_int_equal(build(f, "\nb\n", args, 1), EX_DATAERR);
}

static void
test_bare_name_without_domain(void **state)
{
	struct fixture	*f = *state;
	char		 a0[] = "root";
	char		*args[] = { a0 };

	free(f->conf.domain);
	f->conf.domain = NULL;
	assert_int_equal(build(f, "\nb\n", args, 1), EX_CONFIG);
	assert_non_null(strstr(f->err, "domain"));
}

static void
use_aliases(struct fixture *f, const char *text)
{
	assert_int_equal(aliases_parse(text, strlen(text), &f->aliases,
	    f->err, sizeof(f->err)), 0);
	f->ectx.aliases = &f->aliases;
}

static void
test_aliases_envelope_only(void **state)
{
	struct fixture	*f = *state;
	char		 a0[] = "root";
	char		 a1[] = "postmaster@localhost";
	char		 a2[] = "www-data@web1";
	char		 a3[] = "root@example.com";
	char		*args[] = { a0, a1, a2, a3 };
	const char	*want[] = { "ops@example.com", "oncall@example.org",
	    "www-data@example.com", "root@example.com", NULL };

	use_aliases(f, "# local names\nroot: ops@example.com\n"
	    "postmaster: root, oncall@example.org\n");
	assert_int_equal(build(f, "\nb\n", args, 4), 0);
	assert_rcpts(&f->env, want);
}

static void
test_localhost_without_aliases(void **state)
{
	struct fixture	*f = *state;
	char		 a0[] = "root@localhost";
	char		*args[] = { a0 };
	const char	*want[] = { "root@example.com", NULL };

	assert_int_equal(build(f, "\nb\n", args, 1), 0);
	assert_rcpts(&f->env, want);
}

static void
test_alias_loop_is_config_error(void **state)
{
	struct fixture	*f = *state;
	char		 a0[] = "a";
	char		*args[] = { a0 };

	use_aliases(f, "a: b\nb: a\n");
	assert_int_equal(build(f, "\nb\n", args, 1), EX_CONFIG);
	assert_non_null(strstr(f->err, "loop"));
}

static void
test_resent_block_only(void **state)
{
	struct fixture	*f = *state;
	const char	*want[] = { "new@example.org", "hidden@example.net",
	    NULL };

	f->opt.extract = 1;
	assert_int_equal(build(f,
	    "Resent-From: fwd@example.com\n"
	    "Resent-To: new@example.org\n"
	    "Resent-Bcc: hidden@example.net\n"
	    "Received: from x by y; Mon, 6 Jan 2025 09:00:00 +0000\n"
	    "Resent-To: older@example.org\n"
	    "From: a@example.com\n"
	    "To: original@example.org\n\nbody\n", NULL, 0), 0);
	assert_rcpts(&f->env, want);
}

/*
 * Blocks written one after the other, with no trace field between them:
 * a second Resent-Date, -From, -Sender or -Message-ID starts the next
 * (older) block, whose recipients must get nothing.
 */
static void
test_resent_adjacent_blocks(void **state)
{
	static const struct {
		const char	*head;
		const char	*want[3];
	} c[] = {
		{ "Resent-From: b@example.com\nResent-To: new@example.org\n"
		  "Resent-From: a@example.com\nResent-To: old@example.org\n",
		  { "new@example.org", NULL } },
		{ "Resent-Date: Tue, 7 Jan 2025 10:00:00 +0000\n"
		  "Resent-Cc: new@example.org\n"
		  "Resent-Date: Mon, 6 Jan 2025 10:00:00 +0000\n"
		  "Resent-Cc: old@example.org\n",
		  { "new@example.org", NULL } },
		{ "Resent-Sender: b@example.com\nResent-To: new@example.org\n"
		  "resent-sender: a@example.com\nResent-To: old@example.org\n",
		  { "new@example.org", NULL } },
		{ "Resent-Message-ID: <2@example.com>\n"
		  "Resent-To: new@example.org\n"
		  "Resent-Message-ID: <1@example.com>\n"
		  "Resent-To: old@example.org\n",
		  { "new@example.org", NULL } },
		{ "Resent-From: b@example.com\nResent-Bcc: new@example.org\n"
		  "Resent-Cc: cc@example.org\n"
		  "Resent-From: a@example.com\nResent-Bcc: old@example.org\n",
		  { "new@example.org", "cc@example.org", NULL } },
		{ "Resent-From: b@example.com\nResent-To: new@example.org\n"
		  "Received: from x by y; Mon, 6 Jan 2025 09:00:00 +0000\n"
		  "Resent-From: a@example.com\nResent-To: old@example.org\n",
		  { "new@example.org", NULL } },
	};
	struct fixture	*f = *state;
	char		 text[512];
	size_t		 i;

	f->opt.extract = 1;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(text, sizeof(text), "%sTo: o@example.org\n\nx\n",
		    c[i].head);
		assert_int_equal(build(f, text, NULL, 0), 0);
		assert_rcpts(&f->env, c[i].want);
		envelope_free(&f->env);
		message_free(&f->msg);
	}
}

/* One block holds several recipient fields; all of them count. */
static void
test_resent_one_block_many_fields(void **state)
{
	struct fixture	*f = *state;
	const char	*want[] = { "a@example.org", "b@example.org",
	    "c@example.org", NULL };

	f->opt.extract = 1;
	assert_int_equal(build(f,
	    "Resent-From: fwd@example.com\n"
	    "Resent-To: a@example.org\n"
	    "Resent-Date: Tue, 7 Jan 2025 10:00:00 +0000\n"
	    "Resent-Cc: b@example.org\n"
	    "Resent-Message-ID: <1@example.com>\n"
	    "Resent-Sender: s@example.com\n"
	    "Resent-Bcc: c@example.org\n"
	    "To: o@example.org\n\nx\n", NULL, 0), 0);
	assert_rcpts(&f->env, want);
}

static void
test_f_outside_allowed_from(void **state)
{
	struct fixture	*f = *state;
	char		 a0[] = "bob@example.org";
	char		*args[] = { a0 };

	assert_int_equal(strlist_add(&f->conf.allowed_from, "*@example.com"),
	    0);
	f->opt.sender = "root@web1.internal";
	assert_int_equal(build(f, "\nb\n", args, 1), 0);
	assert_string_equal(f->env.sender, "noreply@example.com");

	envelope_free(&f->env);
	message_free(&f->msg);
	f->opt.sender = "billing@example.com";
	assert_int_equal(build(f, "\nb\n", args, 1), 0);
	assert_string_equal(f->env.sender, "billing@example.com");
}

static void
test_idn_recipients(void **state)
{
	struct fixture	*f = *state;
	char		 a0[] = "J\xc3\xb6rg <j@b\xc3\xbc" "cher.example>";
	char		*args[] = { a0 };
	const char	*want[] = { "j@xn--bcher-kva.example", NULL };
	char		 b0[] = "j\xc3\xb6rg@example.org";
	char		*bad[] = { b0 };

	assert_int_equal(build(f, "\nb\n", args, 1), 0);
	assert_rcpts(&f->env, want);
	envelope_free(&f->env);
	message_free(&f->msg);
	assert_int_equal(build(f, "\nb\n", bad, 1), EX_DATAERR);
	assert_non_null(strstr(f->err, "non-ASCII local part"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_default_sender,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_f_wins_and_is_qualified,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_sender,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_configured_sender,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_t_union_and_dedupe,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_argv_list_split,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_headers_ignored_without_t,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_recipients,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_address,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bare_name_without_domain,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_aliases_envelope_only,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_localhost_without_aliases,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_alias_loop_is_config_error,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_resent_block_only,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_resent_adjacent_blocks,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_resent_one_block_many_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_f_outside_allowed_from,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_idn_recipients,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
