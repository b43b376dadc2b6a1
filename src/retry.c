/*
 * retry - when to call SES again, and after how long.
 *
 * The lists of codes follow botocore's standard mode
 * (botocore/retries/standard.py) and the clock-skew codes of the SDKs
 * that correct skew (SES.md 5.2, 5.3). Two SES-specific judgements are
 * the shim's own: "Daily message quota exceeded" and paused sending do
 * not clear within the seconds a retry loop may spend, so they end the
 * process with EX_TEMPFAIL at once and leave the retry to a later run.
 */
#include "config.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "retry.h"

/* Codes botocore retries as transient whatever the HTTP status. */
static const char *const transient_codes[] = {
	"RequestTimeout",
	"RequestTimeoutException",
	"PriorRequestNotComplete",
	"InternalFailure",
	"ServiceUnavailable",
};

/* Codes botocore retries with throttling backoff. */
static const char *const throttle_codes[] = {
	"Throttling",
	"ThrottlingException",
	"ThrottledException",
	"RequestThrottledException",
	"TooManyRequestsException",
	"ProvisionedThroughputExceededException",
	"TransactionInProgressException",
	"RequestLimitExceeded",
	"BandwidthLimitExceeded",
	"LimitExceededException",
	"RequestThrottled",
	"SlowDown",
	"EC2ThrottledException",
};

/* Sending is switched off; only a person can switch it on again. */
static const char *const paused_codes[] = {
	"AccountSendingPausedException",
	"ConfigurationSetSendingPausedException",
	"SendingPausedException",	/* SES v2's name */
};

/*
 * Codes that mean our credentials have expired or are not known: a
 * process that holds temporary ones, or whose key file was rotated, may
 * get good ones by asking again (SES.md 3.1: refresh, re-sign, retry
 * once).
 */
static const char *const refresh_codes[] = {
	"ExpiredToken",
	"ExpiredTokenException",
	"InvalidClientTokenId",
};

/* Codes that mean our clock is off (SignatureDoesNotMatch: see below). */
static const char *const skew_codes[] = {
	"RequestTimeTooSkewed",
	"RequestExpired",
	"RequestInTheFuture",
	"InvalidSignatureException",
	"AuthFailure",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* in_list - whether code is one of list[0..n). */
static int
in_list(const char *code, const char *const *list, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(code, list[i]) == 0)
			return 1;
	return 0;
}

/* has_word - whether text holds word, ignoring ASCII case. */
static int
has_word(const char *text, const char *word)
{
	size_t	 n = strlen(word);

	for (; text != NULL && *text != '\0'; text++)
		if (strncasecmp(text, word, n) == 0)
			return 1;
	return 0;
}

/*
 * is_skew - SignatureDoesNotMatch is skew only when SES says the
 * signature's time is wrong; otherwise it is a wrong key or a bug, and
 * a retry would only repeat it.
 */
static int
is_skew(const char *code, const char *message)
{
	if (in_list(code, skew_codes, NELEM(skew_codes)))
		return 1;
	return strcmp(code, "SignatureDoesNotMatch") == 0 &&
	    (has_word(message, "Signature expired") ||
	    has_word(message, "Signature not yet current"));
}

/* retry_classify - see retry.h. */
enum retry_kind
retry_classify(long status, const char *code, const char *message,
    int readable)
{
	if (status == 0)
		return RETRY_TRANSIENT;
	if (status >= 200 && status < 300)
		return RETRY_NONE;
	if (code != NULL && in_list(code, throttle_codes,
	    NELEM(throttle_codes)))
		return has_word(message, "quota exceeded") ? RETRY_LATER :
		    RETRY_THROTTLE;
	if (code != NULL && in_list(code, paused_codes, NELEM(paused_codes)))
		return RETRY_LATER;
	if (status == 500 || status == 502 || status == 503 ||
	    status == 504)
		return RETRY_TRANSIENT;
	if (status == 429)
		return RETRY_THROTTLE;
	if (!readable || code == NULL)
		return RETRY_NONE;
	if (in_list(code, transient_codes, NELEM(transient_codes)))
		return RETRY_TRANSIENT;
	if (is_skew(code, message))
		return RETRY_SKEW;
	if (in_list(code, refresh_codes, NELEM(refresh_codes)))
		return RETRY_REFRESH;
	return RETRY_NONE;
}

/* retry_delay - full jitter over a doubling, capped base. */
double
retry_delay(const struct retry_policy *p, unsigned attempt, double rnd)
{
	double		 cap = p->base_delay;
	unsigned	 i;

	for (i = 1; i < attempt && cap < RETRY_MAX_DELAY; i++)
		cap *= 2;
	if (cap > RETRY_MAX_DELAY)
		cap = RETRY_MAX_DELAY;
	if (rnd < 0 || rnd >= 1)
		rnd = 0;
	return rnd * cap;
}

/* retry_again - within both caps, and only what a retry can mend. */
int
retry_again(const struct retry_policy *p, enum retry_kind k,
    unsigned attempt, double elapsed, double wait)
{
	if (k != RETRY_TRANSIENT && k != RETRY_THROTTLE)
		return 0;
	if (attempt >= p->max_attempts)
		return 0;
	return elapsed + wait < p->max_time;
}

/* number - n digits at s into *v; 0 or -1. */
static int
number(const char *s, size_t n, int *v)
{
	size_t	 i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* month - "Jan".."Dec" to 0..11, or -1. */
static int
month(const char *s)
{
	static const char	 names[] = "JanFebMarAprMayJunJulAugSepOctNov"
	    "Dec";
	int			 i;

	for (i = 0; i < 12; i++)
		if (strncmp(s, names + 3 * i, 3) == 0)
			return i;
	return -1;
}

/*
 * retry_http_date - "Sun, 06 Nov 1994 08:49:37 GMT", the one form a
 * server must send (RFC 9110 5.6.7); the obsolete forms are not read.
 */
int
retry_http_date(const char *s, time_t *out)
{
	struct tm	 tm;
	time_t		 t;

	/* "Www, DD Mon YYYY HH:MM:SS GMT" is 29 bytes. */
	if (s == NULL || strlen(s) != 29 || s[3] != ',' || s[4] != ' ' ||
	    s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' ||
	    s[22] != ':' || strcmp(s + 25, " GMT") != 0)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_mon = month(s + 8);
	if (tm.tm_mon < 0 || number(s + 5, 2, &tm.tm_mday) == -1 ||
	    number(s + 12, 4, &tm.tm_year) == -1 ||
	    number(s + 17, 2, &tm.tm_hour) == -1 ||
	    number(s + 20, 2, &tm.tm_min) == -1 ||
	    number(s + 23, 2, &tm.tm_sec) == -1)
		return -1;
	if (tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 60 || tm.tm_year < 1970)
		return -1;
	tm.tm_year -= 1900;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = t;
	return 0;
}

/* retry_skew - the server's clock minus ours, when it is skew. */
int
retry_skew(const char *date, time_t now, long *offset)
{
	time_t	 server;
	long	 d;

	if (retry_http_date(date, &server) == -1)
		return -1;
	d = (long)(server - now);
	if (d > -RETRY_SKEW_MIN && d < RETRY_SKEW_MIN)
		return -1;
	*offset = d;
	return 0;
}

/* retry_kind_name - for -v lines. */
const char *
retry_kind_name(enum retry_kind k)
{
	switch (k) {
	case RETRY_TRANSIENT:
		return "transient";
	case RETRY_THROTTLE:
		return "throttling";
	case RETRY_LATER:
		return "not retried now";
	case RETRY_SKEW:
		return "clock skew";
	case RETRY_REFRESH:
		return "credentials";
	case RETRY_NONE:
		break;
	}
	return "not retryable";
}
