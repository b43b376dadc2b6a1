/*
 * submit - hand a message to SES: the part of the send path that -bm and
 * -bs share.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <openssl/rand.h>

#include "audit.h"
#include "imds.h"
#include "rewrite.h"
#include "ses.h"
#include "submit.h"
#include "util.h"

static void
say(const struct submitter *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* say - a -v line on stderr. */
static void
say(const struct submitter *s, const char *fmt, ...)
{
	va_list	 ap;

	if (!s->verbose)
		return;
	va_start(ap, fmt);
	fputs("sesmail: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void
submitter_init(struct submitter *s, const struct conf *c, uid_t uid,
    const char *user, const char *fullname, int verbose)
{
	memset(s, 0, sizeof(*s));
	s->conf = c;
	s->uid = uid;
	s->user = user;
	s->fullname = fullname;
	s->verbose = verbose;
	credentials_init(&s->cred);
}

void
submitter_free(struct submitter *s)
{
	http_client_free(s->http);
	free(s->endpoint);
	free(s->region_imds);
	credentials_free(&s->cred);
	s->http = NULL;
	s->endpoint = NULL;
	s->region_imds = NULL;
}

void
submit_result_free(struct submit_result *res)
{
	buf_free(&res->ses_ids);
}

/*
 * find_region - the configured region, else the environment's, else the
 * instance's (SES.md 4.10): an EC2 machine needs no region set.
 */
static int
find_region(struct submitter *s, char *err, size_t errlen)
{
	char	 why[ERRLEN];
	int	 rc;

	s->region = ses_region(s->conf);
	if (s->region != NULL)
		return 0;
	if (imds_disabled()) {
		seterr(err, errlen, "no region: set region in sesmail.conf "
		    "or AWS_REGION");
		return EX_CONFIG;
	}
	rc = imds_region(&s->region_imds, why, sizeof(why));
	if (rc != 0) {
		seterr(err, errlen, "no region: set region in sesmail.conf "
		    "or AWS_REGION (%s)", why);
		return rc;
	}
	s->region = s->region_imds;
	return 0;
}

/* query_of - what the credential chain needs to know of s. */
static void
query_of(const struct submitter *s, struct cred_query *q)
{
	memset(q, 0, sizeof(*q));
	q->conf = s->conf;
	q->uid = s->uid;
	q->user = s->user;
	q->region = s->region;
}

/* say_credentials - which credentials, for -v; never a secret. */
static void
say_credentials(const struct submitter *s, const char *what)
{
	struct tm	 tm;
	char		 until[32] = "";

	if (s->cred.expiration != 0 &&
	    gmtime_r(&s->cred.expiration, &tm) != NULL)
		strftime(until, sizeof(until), ", until %Y-%m-%dT%H:%M:%SZ",
		    &tm);
	say(s, "%s %s%s%s%s", what, s->cred.source,
	    s->cred.role_arn != NULL ? ", as " : "",
	    s->cred.role_arn != NULL ? s->cred.role_arn : "", until);
}

/*
 * refresh - before each later message: temporary credentials are
 * fetched again shortly before they expire.
 */
static int
refresh(struct submitter *s, const char **cause, char *err, size_t errlen)
{
	struct cred_query	 q;
	char			 why[ERRLEN];
	int			 rc;

	query_of(s, &q);
	rc = credentials_refresh(&q, &s->cred, why, sizeof(why));
	if (rc == 1)
		say_credentials(s, "credentials refreshed from");
	if (rc == -1)
		say(s, "credentials not refreshed, the current ones still "
		    "serve: %s", why);
	if (rc == 0 || rc == 1 || rc == -1)
		return 0;
	*cause = "credentials";
	seterr(err, errlen, "%s", why);
	return rc;
}

/*
 * prepare - region, endpoint, credentials and the HTTP client, once;
 * later only a refresh of the credentials when they are about to expire.
 */
static int
prepare(struct submitter *s, const char **cause, char *err, size_t errlen)
{
	struct cred_query	 q;
	int			 rc;

	if (s->http != NULL)
		return refresh(s, cause, err, errlen);

	/* What an earlier, failed attempt of this session left. */
	free(s->endpoint);
	free(s->region_imds);
	s->endpoint = NULL;
	s->region_imds = NULL;

	*cause = "config";
	rc = find_region(s, err, errlen);
	if (rc != 0)
		return rc;
	s->endpoint = ses_endpoint(s->conf, s->region);
	if (s->endpoint == NULL) {
		seterr(err, errlen, "out of memory");
		return EX_OSERR;
	}
	if (http_url_check(s->endpoint, err, errlen) == -1)
		return EX_CONFIG;

	*cause = "credentials";
	query_of(s, &q);
	rc = credentials_resolve(&q, &s->cred, err, errlen);
	if (rc != 0)
		return rc;
	say_credentials(s, "credentials from");
	say(s, "region %s, endpoint %s", s->region, s->endpoint);

	*cause = "local";
	s->http = http_client_new(s->conf->ca_file, s->conf->connect_timeout,
	    s->conf->timeout);
	if (s->http == NULL) {
		seterr(err, errlen, "cannot set up libcurl");
		return EX_SOFTWARE;
	}
	*cause = NULL;
	return 0;
}

/*
 * send_all - one SES call per SES_MAX_RECIPIENTS destinations.
 */
static int
send_all(struct submitter *s, const struct envelope *env,
    const struct buf *raw, struct submit_result *res, char *err,
    size_t errlen)
{
	struct ses_reply	 reply;
	size_t			 done, n, len;
	int			 rc = 0;

	for (done = 0; done < env->rcpts.n; done += n) {
		n = env->rcpts.n - done;
		if (n > SES_MAX_RECIPIENTS)
			n = SES_MAX_RECIPIENTS;

		ses_reply_init(&reply);
		rc = ses_send_raw(s->http, s->endpoint, s->region, &s->cred,
		    env->sender, env->rcpts.v + done, n, raw->data, raw->len,
		    &reply, err, errlen);
		if (rc == 0) {
			say(s, "accepted by SES for %zu recipient(s): %s", n,
			    reply.message_id);
			if ((res->ses_ids.len > 0 &&
			    buf_appendc(&res->ses_ids, ',') == -1) ||
			    buf_appends(&res->ses_ids, reply.message_id) == -1)
				rc = EX_OSERR;
		} else {
			res->error = reply.http_status != 0 ? "ses" :
			    "transport";
		}
		ses_reply_free(&reply);
		if (rc != 0)
			break;
	}

	if (rc != 0 && done > 0) {
		len = strlen(err);
		snprintf(err + len, errlen - len, " (%zu of %zu recipients "
		    "were already accepted)", done, env->rcpts.n);
	}
	return rc;
}

static void
audit(const struct submitter *s, const struct envelope *env, size_t size,
    const struct submit_result *res, int rc, const struct timespec *t0)
{
	struct audit_record	 r;
	struct timespec		 t1;
	char			 line[1024];

	clock_gettime(CLOCK_MONOTONIC, &t1);
	memset(&r, 0, sizeof(r));
	r.id = res->id;
	r.uid = s->uid;
	r.user = s->user;
	r.sender = env->sender;
	r.nrcpt = env->rcpts.n;
	r.size = size;
	r.ses_id = rc == 0 ? res->ses_ids.data : NULL;
	r.error = res->error != NULL ? res->error : "local";
	r.exitcode = rc;
	r.elapsed = (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
	audit_log(&r);
	if (s->verbose && audit_format(&r, line, sizeof(line)) == 0)
		say(s, "audit: %s", line);
}

static void
new_id(char id[13])
{
	unsigned char	 rnd[6];
	size_t		 i;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		memset(rnd, 0, sizeof(rnd));
	for (i = 0; i < sizeof(rnd); i++)
		snprintf(id + 2 * i, 3, "%02x", rnd[i]);
}

void
submit_log_failure(const struct submitter *s, const struct envelope *env,
    size_t size, const char *cause, int rc)
{
	struct submit_result	 res;
	struct timespec		 t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&res, 0, sizeof(res));
	new_id(res.id);
	res.error = cause;
	audit(s, env, size, &res, rc, &t0);
}

int
submit_message(struct submitter *s, struct message *msg,
    const struct envelope *env, struct submit_result *res, char *err,
    size_t errlen)
{
	struct rewrite_opts	 ro;
	struct buf		 raw = BUF_INIT;
	struct timespec		 t0;
	int			 rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(res, 0, sizeof(*res));
	new_id(res->id);

	ro.sender = env->sender;
	ro.fullname = s->fullname;
	ro.domain = s->conf->domain;
	ro.allowed_from = &s->conf->allowed_from;
	rc = rewrite_message(msg, &ro, err, errlen);
	if (rc != 0) {
		res->error = "message";
		goto out;
	}
	if (message_serialize(msg, &raw) == -1) {
		seterr(err, errlen, "out of memory");
		rc = EX_OSERR;
		goto out;
	}
	if ((raw.len + 2) / 3 * 4 > SES_V1_MAX_ENCODED) {
		seterr(err, errlen, "message too large for SES: %zu bytes "
		    "(at most %d once base64-encoded)", raw.len,
		    SES_V1_MAX_ENCODED);
		res->error = "size";
		rc = EX_DATAERR;
		goto out;
	}

	rc = prepare(s, &res->error, err, errlen);
	if (rc == 0)
		rc = send_all(s, env, &raw, res, err, errlen);
out:
	audit(s, env, raw.len, res, rc, &t0);
	buf_free(&raw);
	return rc;
}
