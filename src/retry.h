/*
 * retry - when to call SES again, and after how long: the AWS standard
 * retry mode (SES.md section 5), with two shim decisions of its own.
 *
 * Pure logic, no I/O and no clock: the caller passes the time, the
 * random number and what SES answered, so unit tests drive every case.
 */
#ifndef SESMAIL_RETRY_H
#define SESMAIL_RETRY_H

#include <time.h>

/* The defaults of the retry section of sesmail.conf(5). */
#define RETRY_ATTEMPTS		3	/* botocore's DEFAULT_MAX_ATTEMPTS */
#define RETRY_MAX_TIME		30.0	/* seconds for all attempts */
#define RETRY_BASE_DELAY	1.0	/* seconds, as botocore */
/* No single wait is longer than this (botocore's _MAX_BACKOFF). */
#define RETRY_MAX_DELAY		20.0
/* A server clock this far (seconds) from ours is skew, not drift. */
#define RETRY_SKEW_MIN		300

enum retry_kind {
	RETRY_NONE,		/* done, or a failure no retry can mend */
	RETRY_TRANSIENT,	/* no reply, 5xx, a timeout code */
	RETRY_THROTTLE,		/* the sending rate was exceeded */
	RETRY_LATER,		/* daily quota, sending paused: exit
				   EX_TEMPFAIL at once, retry much later */
	RETRY_SKEW,		/* our clock is off: re-sign once */
	RETRY_REFRESH		/* our credentials expired or are not
				   known: fetch them anew, re-sign once */
};

struct retry_policy {
	unsigned	 max_attempts;	/* one SES call, the first included */
	double		 max_time;	/* seconds, from the first attempt */
	double		 base_delay;	/* seconds */
};

/*
 * retry_classify - what a failed SendRawEmail call means. status is the
 * HTTP status (0: no reply came), code and message what SES said (either
 * may be NULL). readable is 0 when a reply came whose body could not be
 * read: after a 200 such a reply is not retried in the process, since
 * SES has most likely taken the message already.
 */
enum retry_kind retry_classify(long status, const char *code,
	    const char *message, int readable);

/*
 * retry_delay - the wait before the next attempt after attempt number
 * attempt (from 1) failed: "full jitter", rnd (in [0, 1)) times
 * min(base * 2^(attempt - 1), RETRY_MAX_DELAY).
 */
double	retry_delay(const struct retry_policy *p, unsigned attempt,
	    double rnd);

/*
 * retry_again - whether to try once more after attempt number attempt
 * failed with kind k, elapsed seconds after the first attempt began,
 * when the next would start after wait more seconds. Only transient and
 * throttling failures are retried, within both caps.
 */
int	retry_again(const struct retry_policy *p, enum retry_kind k,
	    unsigned attempt, double elapsed, double wait);

/*
 * retry_http_date - an HTTP Date (RFC 9110 IMF-fixdate, "Sun, 06 Nov
 * 1994 08:49:37 GMT") as a time_t. Returns 0, or -1 when date is not
 * one.
 */
int	retry_http_date(const char *date, time_t *out);

/*
 * retry_skew - how far the server's clock (its Date header) is ahead of
 * ours at now, in seconds. Returns 0 with *offset set when the two
 * differ by RETRY_SKEW_MIN or more; -1 when they do not, or when date
 * is missing or unreadable (then no correction is possible).
 */
int	retry_skew(const char *date, time_t now, long *offset);

/* retry_kind_name - "transient", "throttling", ... for -v lines. */
const char *retry_kind_name(enum retry_kind k);

#endif
