/*
 * test_retry - the retry decisions: which failures, how long a wait,
 * when to stop, and the clock-skew offset from a Date header.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "retry.h"

static const struct {
	long		 status;
	const char	*code;
	const char	*message;
	int		 readable;
	enum retry_kind	 want;
} rows[] = {
	/* No reply at all: refused, reset, timeout, TLS. */
	{ 0, NULL, NULL, 0, RETRY_TRANSIENT },
	/* Any 500, 502, 503, 504, read or not. */
	{ 500, "InternalFailure", "x", 1, RETRY_TRANSIENT },
	{ 500, NULL, NULL, 0, RETRY_TRANSIENT },
	{ 502, NULL, NULL, 0, RETRY_TRANSIENT },
	{ 503, "ServiceUnavailable", NULL, 1, RETRY_TRANSIENT },
	{ 504, NULL, NULL, 0, RETRY_TRANSIENT },
	{ 501, "NotImplemented", NULL, 1, RETRY_NONE },
	{ 400, "RequestTimeout", NULL, 1, RETRY_TRANSIENT },
	{ 400, "RequestTimeoutException", NULL, 1, RETRY_TRANSIENT },
	{ 400, "PriorRequestNotComplete", NULL, 1, RETRY_TRANSIENT },
	/* Throttling, but not the daily quota. */
	{ 400, "Throttling", "Maximum sending rate exceeded.", 1,
	    RETRY_THROTTLE },
	{ 400, "ThrottlingException", NULL, 1, RETRY_THROTTLE },
	{ 400, "TooManyRequestsException", NULL, 1, RETRY_THROTTLE },
	{ 400, "SlowDown", NULL, 1, RETRY_THROTTLE },
	{ 429, NULL, NULL, 0, RETRY_THROTTLE },
	{ 400, "Throttling", "Daily message quota exceeded.", 1,
	    RETRY_LATER },
	{ 400, "Throttling", "daily message QUOTA EXCEEDED", 1,
	    RETRY_LATER },
	{ 400, "AccountSendingPausedException", "paused", 1, RETRY_LATER },
	{ 400, "ConfigurationSetSendingPausedException", NULL, 1,
	    RETRY_LATER },
	/* Clock skew. */
	{ 400, "RequestExpired", NULL, 1, RETRY_SKEW },
	{ 403, "RequestTimeTooSkewed", NULL, 1, RETRY_SKEW },
	{ 400, "RequestInTheFuture", NULL, 1, RETRY_SKEW },
	{ 403, "SignatureDoesNotMatch", "Signature expired: 20240101T000000Z "
	    "is now earlier than 20240101T001600Z", 1, RETRY_SKEW },
	{ 403, "SignatureDoesNotMatch", "Signature not yet current: x", 1,
	    RETRY_SKEW },
	{ 403, "SignatureDoesNotMatch", "The request signature we calculated "
	    "does not match", 1, RETRY_NONE },
	/* Credentials to fetch anew. */
	{ 403, "ExpiredToken", "The security token included in the request "
	    "is expired", 1, RETRY_REFRESH },
	{ 400, "ExpiredTokenException", NULL, 1, RETRY_REFRESH },
	{ 403, "InvalidClientTokenId", NULL, 1, RETRY_REFRESH },
	{ 403, "ExpiredToken", NULL, 0, RETRY_NONE },
	/* Everything else. */
	{ 400, "MessageRejected", "Email address is not verified.", 1,
	    RETRY_NONE },
	{ 400, "InvalidParameterValue", NULL, 1, RETRY_NONE },
	{ 403, "AccessDenied", NULL, 1, RETRY_NONE },
	{ 400, NULL, NULL, 0, RETRY_NONE },
	{ 404, NULL, NULL, 0, RETRY_NONE },
	/* A 200 that cannot be read: SES most likely took the message. */
	{ 200, NULL, NULL, 0, RETRY_NONE },
};

static void
test_classify(void **state)
{
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum retry_kind	 got;

		got = retry_classify(rows[i].status, rows[i].code,
		    rows[i].message, rows[i].readable);
		if (got != rows[i].want)
			fail_msg("row %zu (%ld %s): got %s, want %s", i,
			    rows[i].status, rows[i].code ? rows[i].code : "-",
			    retry_kind_name(got),
			    retry_kind_name(rows[i].want));
	}
}

static void
test_delay_full_jitter(void **state)
{
	struct retry_policy	 p = { 3, 30.0, 1.0 };

	(void)state;
	/* rnd * min(base * 2^(n-1), 20) */
	assert_true(retry_delay(&p, 1, 0.5) == 0.5);
	assert_true(retry_delay(&p, 2, 0.5) == 1.0);
	assert_true(retry_delay(&p, 3, 0.5) == 2.0);
	assert_true(retry_delay(&p, 1, 0.0) == 0.0);
	assert_true(retry_delay(&p, 5, 0.999) < 16.0);
	/* The cap: 2^10 s would be far over 20 s. */
	assert_true(retry_delay(&p, 11, 0.5) == 10.0);
	assert_true(retry_delay(&p, 1000, 0.5) == 10.0);
	/* A random number out of range gives no wait, not a long one. */
	assert_true(retry_delay(&p, 3, 1.0) == 0.0);
	assert_true(retry_delay(&p, 3, -0.5) == 0.0);

	p.base_delay = 0.01;
	assert_true(retry_delay(&p, 3, 0.5) == 0.02);
}

static void
test_again_caps(void **state)
{
	struct retry_policy	 p = { 3, 30.0, 1.0 };

	(void)state;
	assert_true(retry_again(&p, RETRY_TRANSIENT, 1, 0.1, 0.5));
	assert_true(retry_again(&p, RETRY_THROTTLE, 2, 0.1, 0.5));
	/* max_attempts counts the first. */
	assert_false(retry_again(&p, RETRY_TRANSIENT, 3, 0.1, 0.5));
	/* The next attempt would start after max_time. */
	assert_false(retry_again(&p, RETRY_TRANSIENT, 1, 29.0, 1.5));
	assert_true(retry_again(&p, RETRY_TRANSIENT, 1, 29.0, 0.5));
	/* Not retried in the process, whatever the caps. */
	assert_false(retry_again(&p, RETRY_NONE, 1, 0, 0));
	assert_false(retry_again(&p, RETRY_LATER, 1, 0, 0));
	assert_false(retry_again(&p, RETRY_SKEW, 1, 0, 0));
	/* One attempt only. */
	p.max_attempts = 1;
	assert_false(retry_again(&p, RETRY_TRANSIENT, 1, 0, 0));
}

static void
test_http_date(void **state)
{
	time_t	 t;

	(void)state;
	assert_int_equal(retry_http_date("Sun, 06 Nov 1994 08:49:37 GMT",
	    &t), 0);
	assert_true(t == (time_t)784111777);
	assert_int_equal(retry_http_date("Thu, 01 Jan 1970 00:00:00 GMT",
	    &t), 0);
	assert_true(t == 0);
	assert_int_equal(retry_http_date("Mon, 29 Feb 2016 23:59:59 GMT",
	    &t), 0);
	assert_true(t == (time_t)1456790399);

	assert_int_equal(retry_http_date(NULL, &t), -1);
	assert_int_equal(retry_http_date("", &t), -1);
	/* The obsolete forms, other zones, junk. */
	assert_int_equal(retry_http_date("Sunday, 06-Nov-94 08:49:37 GMT",
	    &t), -1);
	assert_int_equal(retry_http_date("Sun Nov  6 08:49:37 1994", &t),
	    -1);
	assert_int_equal(retry_http_date("Sun, 06 Nov 1994 08:49:37 UTC",
	    &t), -1);
	assert_int_equal(retry_http_date("Sun, 06 Foo 1994 08:49:37 GMT",
	    &t), -1);
	assert_int_equal(retry_http_date("Sun, 0x Nov 1994 08:49:37 GMT",
	    &t), -1);
	assert_int_equal(retry_http_date("Sun, 06 Nov 1994 25:49:37 GMT",
	    &t), -1);
	assert_int_equal(retry_http_date("Sun, 06 Nov 1994 08:49:37 GMTx",
	    &t), -1);
}

static void
test_skew(void **state)
{
	const char	*date = "Sun, 06 Nov 1994 08:49:37 GMT";
	time_t		 server = 784111777;
	long		 off = 0;

	(void)state;
	/* Our clock an hour behind: sign with +3600. */
	assert_int_equal(retry_skew(date, server - 3600, &off), 0);
	assert_int_equal(off, 3600);
	/* Ahead by 20 minutes. */
	assert_int_equal(retry_skew(date, server + 1200, &off), 0);
	assert_int_equal(off, -1200);
	/* Exactly the threshold counts; below it is not skew. */
	assert_int_equal(retry_skew(date, server - RETRY_SKEW_MIN, &off), 0);
	assert_int_equal(off, RETRY_SKEW_MIN);
	assert_int_equal(retry_skew(date, server - 299, &off), -1);
	assert_int_equal(retry_skew(date, server, &off), -1);
	/* Nothing to correct from. */
	assert_int_equal(retry_skew(NULL, server, &off), -1);
	assert_int_equal(retry_skew("yesterday", server, &off), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_delay_full_jitter),
		cmocka_unit_test(test_again_caps),
		cmocka_unit_test(test_http_date),
		cmocka_unit_test(test_skew),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
