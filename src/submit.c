/*
 * submit - hand a message to SES: the part of the send path that -bm,
 * -bs and -q share. The order of one message: rewrite it and check its
 * size, keep it (spool.c, or the dead.letter fallback), credentials, the
 * SES calls with their retries (retry.c decides, this file waits), then
 * remove or record the kept copy, then the audit line. One that SES
 * could never take goes to dead.letter, not the spool.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "audit.h"
#include "deadletter.h"
#include "imds.h"
#include "retry.h"
#include "rewrite.h"
#include "ses.h"
#include "spool.h"
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
	/* The region goes into the endpoint's host name: a value from
	   the environment must not be able to choose another host. */
	if (s->region != NULL && !region_is_valid(s->region)) {
		seterr(err, errlen, "region '%.64s' is not a region name like "
		    "eu-west-1", s->region);
		sanitize(err);
		return EX_CONFIG;
	}
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
	if (!region_is_valid(s->region_imds)) {
		seterr(err, errlen, "instance metadata gave no valid region");
		return EX_TEMPFAIL;
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

/* --- signals -------------------------------------------------------- */

/* The signal that asked us to stop, or 0; libcurl polls it too. */
static volatile sig_atomic_t	 stop_signal;

/* on_signal - note it; the send path ends the attempt and keeps. */
static void
on_signal(int sig)
{
	stop_signal = sig;
}

/*
 * submit_catch_signals - SIGTERM, SIGINT, SIGHUP and SIGPIPE end a send
 * cleanly. SIGHUP too: a terminal closed on an interactive sendmail
 * would otherwise kill it mid-call, and with no spool lose the message.
 */
void
submit_catch_signals(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a wait between attempts ends at once. */
	sa.sa_flags = 0;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
}

int
submit_interrupted(void)
{
	return stop_signal;
}

/* signal_name - for the one-line reason. */
static const char *
signal_name(int sig)
{
	switch (sig) {
	case SIGTERM:
		return "SIGTERM";
	case SIGINT:
		return "SIGINT";
	case SIGHUP:
		return "SIGHUP";
	case SIGPIPE:
		return "SIGPIPE";
	default:
		return "a signal";
	}
}

/* --- one SES call, retried ------------------------------------------ */

/* policy_of - the retry section of the configuration. */
static void
policy_of(const struct submitter *s, struct retry_policy *p)
{
	p->max_attempts = (unsigned)s->conf->retry_attempts;
	p->max_time = s->conf->retry_max_time;
	p->base_delay = s->conf->retry_base_delay;
}

/* random01 - a number in [0, 1) for the jitter. */
static double
random01(void)
{
	uint32_t	 r;

	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		return 0.5;
	return (double)r / 4294967296.0;
}

/* since - seconds from t0 on the monotonic clock. */
static double
since(const struct timespec *t0)
{
	struct timespec	 t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	    (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* wait_for - sleep secs; -1 when a signal asked us to stop first. */
static int
wait_for(double secs)
{
	struct timespec	 ts, left;

	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &left) == -1) {
		if (stop_signal != 0)
			return -1;
		ts = left;
	}
	return stop_signal != 0 ? -1 : 0;
}

/*
 * renew_credentials - after SES said our credentials expired or are not
 * known, fetch them anew from the chain, not from what this process
 * holds. Returns 1 when there are new ones to sign with, else 0 (the
 * old ones stay, and the failure stands).
 */
static int
renew_credentials(struct submitter *s, const struct ses_reply *r)
{
	struct cred_query	 q;
	struct credentials	 fresh;
	char			 why[ERRLEN];

	query_of(s, &q);
	if (credentials_resolve(&q, &fresh, why, sizeof(why)) != 0) {
		say(s, "SES said %s, and no credentials came anew: %s",
		    r->error_code, why);
		return 0;
	}
	credentials_free(&s->cred);
	s->cred = fresh;
	say_credentials(s, "SES said expired or unknown; credentials "
	    "fetched anew from");
	return 1;
}

/*
 * fix_clock - after a clock-skew error, take the offset from the
 * server's Date header (SES.md 5.3). Returns 1 when there is one to
 * sign the next attempt with.
 */
static int
fix_clock(struct submitter *s, const struct ses_reply *r)
{
	long	 off;

	if (retry_skew(r->date, time(NULL), &off) == -1)
		return 0;
	say(s, "our clock is %ld s %s SES's (Date: %s); signing again "
	    "with SES's time", off > 0 ? off : -off, off > 0 ? "behind" :
	    "ahead of", r->date);
	s->clock_offset = off;
	return 1;
}

/* target_of - where the calls of s go. */
static void
target_of(const struct submitter *s, struct ses_target *t)
{
	t->http = s->http;
	t->endpoint = s->endpoint;
	t->region = s->region;
	t->cred = &s->cred;
	t->clock_offset = s->clock_offset;
}

/* note_failure - the audit cause of a failed call. */
static void
note_failure(const struct ses_reply *r, struct submit_result *res)
{
	if (stop_signal != 0)
		res->error = "signal";
	else if (r->error_code != NULL) {
		snprintf(res->code, sizeof(res->code), "%s", r->error_code);
		res->error = res->code;
	} else
		res->error = r->http_status != 0 ? "reply" : "transport";
}

/* note_success - add the MessageId; 0 or EX_OSERR. */
static int
note_success(const struct submitter *s, size_t n,
    const struct ses_reply *r, struct submit_result *res)
{
	say(s, "accepted by SES for %zu recipient(s): %s", n, r->message_id);
	if ((res->ses_ids.len > 0 && buf_appendc(&res->ses_ids, ',') == -1) ||
	    buf_appends(&res->ses_ids, r->message_id) == -1)
		return EX_OSERR;
	return 0;
}

/* What one message is sent as: its pieces (message_pieces), the API. */
struct payload {
	struct body_piece	*pieces;
	size_t			 npieces;
	size_t			 size;		/* bytes of the message */
	int			 api;		/* SES_API_V1 or V2 */
};

/*
 * send_batch - one SES call for n recipients from first, with retries:
 * transient and throttling failures again after a jittered wait, within
 * both caps; a clock-skew error once, at SES's time. Each attempt is
 * signed afresh.
 */
static int
send_batch(struct submitter *s, const struct envelope *env, size_t first,
    size_t n, const struct payload *pl, struct submit_result *res,
    char *err, size_t errlen)
{
	struct ses_reply	 r;
	struct ses_target	 t;
	struct retry_policy	 p;
	struct timespec		 t0;
	enum retry_kind		 k;
	double			 wait;
	unsigned		 attempt;
	int			 rc, skewed = 0, renewed = 0;

	policy_of(s, &p);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ses_reply_init(&r);
	for (attempt = 1;; attempt++) {
		ses_reply_free(&r);
		target_of(s, &t);
		t.api = pl->api;
		rc = ses_send_pieces(&t, env->sender, env->rcpts.v + first, n,
		    pl->pieces, pl->npieces, &r, err, errlen);
		res->attempts++;
		if (rc == 0 || stop_signal != 0)
			break;
		k = retry_classify(r.http_status, r.error_code,
		    r.error_message, r.error_code != NULL ||
		    r.message_id != NULL);
		if (k == RETRY_SKEW && !skewed && fix_clock(s, &r)) {
			skewed = 1;
			continue;
		}
		if (k == RETRY_REFRESH && !renewed &&
		    renew_credentials(s, &r)) {
			renewed = 1;
			continue;
		}
		wait = retry_delay(&p, attempt, random01());
		if (!retry_again(&p, k, attempt, since(&t0), wait))
			break;
		say(s, "attempt %u failed (%s): %s; next in %.2f s", attempt,
		    retry_kind_name(k), err, wait);
		if (wait_for(wait) == -1)
			break;
	}
	if (rc != 0 && stop_signal != 0) {
		/* The request may have reached SES: say no more than we
		   know (kept, it may go twice; see the man page). */
		seterr(err, errlen, "interrupted by %s before SES confirmed "
		    "it", signal_name(stop_signal));
		rc = EX_TEMPFAIL;
	}
	if (rc == 0)
		rc = note_success(s, n, &r, res);
	else
		note_failure(&r, res);
	ses_reply_free(&r);
	return rc;
}

/* append_err - more of the one-line reason. */
static void
append_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
append_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 len = strlen(err);

	if (len + 1 >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + len, errlen - len, fmt, ap);
	va_end(ap);
}

/*
 * send_all - one SES call per SES_MAX_RECIPIENTS destinations; the
 * first that fails for good ends the message, and res->nsent tells how
 * many recipients SES has taken, so only the others stay owed.
 */
static int
send_all(struct submitter *s, const struct envelope *env,
    const struct payload *pl, struct submit_result *res, char *err,
    size_t errlen)
{
	size_t	 done, n;
	int	 rc = 0;

	for (done = 0; done < env->rcpts.n; done += n) {
		n = env->rcpts.n - done;
		if (n > SES_MAX_RECIPIENTS)
			n = SES_MAX_RECIPIENTS;
		if (stop_signal != 0) {
			seterr(err, errlen, "interrupted by %s; not sent",
			    signal_name(stop_signal));
			res->error = "signal";
			rc = EX_TEMPFAIL;
			break;
		}
		rc = send_batch(s, env, done, n, pl, res, err, errlen);
		if (rc != 0)
			break;
	}
	res->nsent = done;
	if (rc != 0 && done > 0)
		append_err(err, errlen, " (%zu of %zu recipients were already "
		    "accepted; only the other %zu are owed)", done,
		    env->rcpts.n, env->rcpts.n - done);
	return rc;
}

/* --- keeping the message -------------------------------------------- */

/* Where one message is kept while it is being sent. */
struct keep {
	struct spool_file	*f;		/* the spool file, or NULL */
	struct spool_entry	*e;		/* its head */
	struct spool_file	 own_f;
	struct spool_entry	 own_e;
	int			 dirfd;
	struct submit_raw	*raw;		/* for dead.letter, or NULL */
	char			 dead[SPOOL_PATH_MAX];	/* "" for none */
};

/* entry_of - the head of a new spool file for env. */
static int
entry_of(const struct submitter *s, const struct envelope *env,
    const struct submit_result *res, struct spool_entry *e)
{
	size_t	 i;

	snprintf(e->id, sizeof(e->id), "%s", res->id);
	e->uid = s->uid;
	e->created = time(NULL);
	e->user = strdup(s->user != NULL ? s->user : "?");
	if (e->user == NULL)
		return -1;
	if (env->sender != NULL) {
		e->sender = strdup(env->sender);
		if (e->sender == NULL)
			return -1;
	}
	if (s->fullname != NULL) {
		e->fullname = strdup(s->fullname);
		if (e->fullname == NULL)
			return -1;
	}
	for (i = 0; i < env->rcpts.n; i++)
		if (strlist_add(&e->rcpts, env->rcpts.v[i]) == -1)
			return -1;
	return 0;
}

/*
 * reserve_in_spool - spill_to's open_file: a file in the caller's spool
 * directory for a large message being read. Any failure here only
 * sends the message to $TMPDIR; keeping it will try the spool again and
 * say what is wrong.
 */
static int
reserve_in_spool(void *arg, off_t *off)
{
	const struct submitter	*s = arg;
	const char		*top;
	char			 why[ERRLEN];
	int			 dirfd, fd, saved;

	top = spool_top(s->conf->spool);
	if (top == NULL) {
		errno = ENOENT;
		return -1;
	}
	dirfd = spool_dir_open(top, s->uid, 1, why, sizeof(why));
	if (dirfd == -1)
		return -1;
	fd = spool_reserve(dirfd);
	saved = errno;
	close(dirfd);
	errno = saved;
	*off = SPOOL_GAP;
	return fd;
}

void
submit_spill_to(struct submitter *s, struct spill_to *to)
{
	to->open_file = reserve_in_spool;
	to->arg = s;
}

/*
 * store_raw - the spool file of k->raw: a file reserved in the spool is
 * named where it is; anything else is copied.
 */
static int
store_raw(struct keep *k, const char *dir, int sync, char *why,
    size_t whylen)
{
	const struct submit_raw	*raw = k->raw;
	int			 rc;

	if (raw->mem != NULL)
		return spool_store(k->dirfd, dir, &k->own_e, raw->mem->data,
		    raw->mem->len, sync, &k->own_f, why, whylen);
	if (raw->off == SPOOL_GAP) {
		rc = spool_adopt(k->dirfd, dir, &k->own_e, raw->fd, raw->len,
		    sync, &k->own_f, why, whylen);
		if (rc != 1)
			return rc;
	}
	return spool_store_fd(k->dirfd, dir, &k->own_e, raw->fd, raw->off,
	    raw->len, sync, &k->own_f, why, whylen);
}

/* spool_it - write the message to the caller's spool directory. */
static int
spool_it(struct submitter *s, const struct envelope *env,
    struct submit_result *res, struct keep *k, char *why, size_t whylen)
{
	const char	*top;
	char		 dir[SPOOL_PATH_MAX];

	top = spool_top(s->conf->spool);
	if (top == NULL) {
		seterr(why, whylen, "no spool is configured");
		return -1;
	}
	k->dirfd = spool_dir_open(top, s->uid, 1, why, whylen);
	if (k->dirfd == -1)
		return -1;
	snprintf(dir, sizeof(dir), "%s/%lu", top, (unsigned long)s->uid);
	if (entry_of(s, env, res, &k->own_e) == -1) {
		seterr(why, whylen, "out of memory");
		return -1;
	}
	if (store_raw(k, dir, s->conf->spool_sync, why, whylen) == -1)
		return -1;
	k->f = &k->own_f;
	k->e = &k->own_e;
	snprintf(res->id, sizeof(res->id), "%s", k->e->id);
	say(s, "kept in %s until SES takes it", k->f->path);
	return 0;
}

/*
 * keep_begin - write-ahead: the spool first; else find where a failed
 * message would go (~/dead.letter) and say that the spool failed; else
 * say the message is not protected. Sending goes ahead in every case.
 */
static void
keep_begin(struct submitter *s, const struct envelope *env,
    struct submit_raw *raw, struct submit_result *res, struct keep *k)
{
	char	 why[ERRLEN], dwhy[ERRLEN] = "";

	k->raw = raw;
	if (spool_it(s, env, res, k, why, sizeof(why)) == 0) {
		/* Safe on disk: a copy in memory is no longer needed. */
		if (raw->mem != NULL)
			buf_free(raw->mem);
		k->raw = NULL;
		return;
	}
	if (!s->conf->dead_letter)
		seterr(dwhy, sizeof(dwhy), "dead_letter is off");
	else if (deadletter_path(s->home, s->uid, k->dead, sizeof(k->dead),
	    dwhy, sizeof(dwhy)) == 0) {
		/* A spool turned off ("") is a choice, not a fault. */
		if (spool_top(s->conf->spool) != NULL)
			fprintf(stderr, "sesmail: warning: %s; should the "
			    "message fail it goes to %s\n", why, k->dead);
		else
			say(s, "%s; should the message fail it goes to %s",
			    why, k->dead);
		return;
	}
	k->dead[0] = '\0';
	fprintf(stderr, "sesmail: warning: the message is not protected: "
	    "%s; %s\n", why, dwhy);
}

/* record_failure - the spool file's head after a failure. */
static int
record_failure(struct submitter *s, const struct envelope *env,
    struct keep *k, const struct submit_result *res, int rc,
    const char *reason, char *why, size_t whylen)
{
	struct spool_entry	 e = *k->e;
	struct strlist		 owed = STRLIST_INIT;
	char			*text;
	size_t			 i;
	int			 ret = -1;

	text = strdup(reason);
	for (i = res->nsent; text != NULL && i < env->rcpts.n; i++)
		if (strlist_add(&owed, env->rcpts.v[i]) == -1)
			break;
	if (text == NULL || owed.n != env->rcpts.n - res->nsent) {
		seterr(why, whylen, "out of memory");
		goto out;
	}
	sanitize(text);
	e.rcpts = owed;
	e.attempts += res->attempts;
	e.last_try = time(NULL);
	e.exitcode = rc;
	e.error = text;
	ret = spool_update(k->f, &e, s->conf->spool_sync, why, whylen);
out:
	free(text);
	strlist_free(&owed);
	return ret;
}

/* raw_load - a message kept in a file, into b. */
static int
raw_load(const struct submit_raw *raw, struct buf *b)
{
	if (buf_reserve(b, raw->len) == -1) {
		errno = ENOMEM;
		return -1;
	}
	if (pread_all(raw->fd, b->data, raw->len, raw->off) == -1)
		return -1;
	b->len = raw->len;
	return 0;
}

/* dead_letter - append the message as it was read to path. */
static int
dead_letter(const struct submitter *s, const struct envelope *env,
    const struct submit_raw *raw, const char *path, char *why,
    size_t whylen)
{
	struct buf	 b = BUF_INIT;
	int		 rc;

	if (raw->mem != NULL)
		return deadletter_write(path, s->uid, env->sender,
		    time(NULL), raw->mem->data, raw->mem->len, why, whylen);
	if (raw_load(raw, &b) == -1) {
		seterr(why, whylen, "cannot read the message back: %s",
		    strerror(errno));
		return -1;
	}
	rc = deadletter_write(path, s->uid, env->sender, time(NULL),
	    b.data != NULL ? b.data : "", b.len, why, whylen);
	buf_free(&b);
	return rc;
}

/*
 * save_dead_letter - append raw to path (~/dead.letter) and say where the
 * message went, in res->kept and err. An empty path means there is none,
 * for the reason why ("" when it was said already).
 */
static void
save_dead_letter(const struct submitter *s, const struct envelope *env,
    const struct submit_raw *raw, const char *path, const char *why,
    struct submit_result *res, char *err, size_t errlen)
{
	char	 failed[ERRLEN];

	if (path[0] != '\0') {
		if (dead_letter(s, env, raw, path, failed,
		    sizeof(failed)) == 0) {
			snprintf(res->kept, sizeof(res->kept),
			    "dead.letter:%s", path);
			append_err(err, errlen, "; saved in %s", path);
			return;
		}
		why = failed;
	}
	snprintf(res->kept, sizeof(res->kept), "none");
	append_err(err, errlen, "; the message was NOT kept%s%s",
	    why[0] != '\0' ? ": " : "", why);
}

/* keep_failed - a message that did not go: record where it is. */
static void
keep_failed(struct submitter *s, const struct envelope *env,
    struct keep *k, struct submit_result *res, int rc, char *err,
    size_t errlen)
{
	char	 why[ERRLEN], reason[ERRLEN];

	snprintf(reason, sizeof(reason), "%s", err);
	if (k->f != NULL) {
		snprintf(res->kept, sizeof(res->kept), "%s", k->f->path);
		if (record_failure(s, env, k, res, rc, reason, why,
		    sizeof(why)) == 0)
			append_err(err, errlen, "; kept in %s", k->f->path);
		else
			append_err(err, errlen, "; kept in %s, but %s",
			    k->f->path, why);
		return;
	}
	/* Without a path, why there is none was said before the send. */
	save_dead_letter(s, env, k->raw, k->dead, "", res, err, errlen);
}

/* keep_end - SES took it: the spool file goes; else it is kept. */
static void
keep_end(struct submitter *s, const struct envelope *env, struct keep *k,
    struct submit_result *res, int rc, char *err, size_t errlen)
{
	char	 why[ERRLEN];

	if (rc != 0 && (k->f != NULL || k->raw != NULL))
		keep_failed(s, env, k, res, rc, err, errlen);
	else if (rc == 0 && k->f != NULL &&
	    spool_remove(k->f, s->conf->spool_sync, why, sizeof(why)) == -1)
		/* Sent, but sesmail -q would send it again. */
		fprintf(stderr, "sesmail: warning: sent, but %s; while it "
		    "is in the spool, sesmail -q sends it again\n", why);
	if (k->f != NULL)
		spool_close(k->f);
	if (k->dirfd != -1)
		close(k->dirfd);
	k->dirfd = -1;
	spool_entry_free(&k->own_e);
}

/* --- the audit line and the whole message ---------------------------- */

static void
audit(const struct submitter *s, const struct envelope *env, size_t size,
    const struct submit_result *res, int rc, const struct timespec *t0)
{
	struct audit_record	 r;
	char			 line[AUDIT_LINE_MAX];

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
	r.attempts = res->attempts;
	r.kept = res->kept[0] != '\0' ? res->kept : NULL;
	r.elapsed = since(t0);
	audit_log(&r);
	if (s->verbose && audit_format(&r, line, sizeof(line)) == 0)
		say(s, "audit: %s", line);
}

/*
 * keep_refused - a message read whole (raw, else NULL) that can never
 * go: to ~/dead.letter, as sendmail does, unless dead_letter is off.
 * Not to the spool: sesmail -q would refuse it again, every time.
 */
static void
keep_refused(const struct submitter *s, const struct envelope *env,
    const struct submit_raw *raw, struct submit_result *res, char *err,
    size_t errlen)
{
	char	 path[SPOOL_PATH_MAX], why[ERRLEN] = "";

	if (raw == NULL || !s->conf->dead_letter)
		return;
	if (deadletter_path(s->home, s->uid, path, sizeof(path), why,
	    sizeof(why)) == -1)
		path[0] = '\0';
	save_dead_letter(s, env, raw, path, why, res, err, errlen);
}

void
submit_refused(const struct submitter *s, const struct envelope *env,
    const struct submit_raw *raw, size_t size, const char *cause, int rc,
    char *err, size_t errlen)
{
	struct submit_result	 res;
	struct timespec		 t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&res, 0, sizeof(res));
	spool_new_id(res.id);
	res.error = cause;
	keep_refused(s, env, raw, &res, err, errlen);
	audit(s, env, size, &res, rc, &t0);
}

/* api_limit - the base64 size the configured api takes at most. */
static long
api_limit(const char *api)
{
	return api != NULL && strcmp(api, "v1") == 0 ? SES_V1_MAX_B64 :
	    SES_V2_MAX_B64;
}

/*
 * shape - rewrite, size check and choice of API, before anything is
 * kept or sent: the message is laid out (pl) where its parts lie in
 * msg, never copied into one block. Returns the exit code: EX_DATAERR
 * for a message that SES could never take.
 */
static int
shape(struct submitter *s, struct message *msg, const struct envelope *env,
    struct payload *pl, struct submit_result *res, char *err, size_t errlen)
{
	struct rewrite_opts	 ro;
	size_t			 b64len;
	int			 rc;

	ro.sender = env->sender;
	ro.fullname = s->fullname;
	ro.domain = s->conf->domain;
	ro.allowed_from = &s->conf->allowed_from;
	ro.date = s->submitted;
	rc = rewrite_message(msg, &ro, err, errlen);
	if (rc != 0) {
		res->error = "message";
		return rc;
	}
	if (message_pieces(msg, &pl->pieces, &pl->npieces, &pl->size) ==
	    -1) {
		seterr(err, errlen, "out of memory");
		return EX_OSERR;
	}
	b64len = body_b64_len(pl->pieces, pl->npieces);
	pl->api = ses_pick_api(s->conf->api, b64len);
	if (pl->api == 0) {
		seterr(err, errlen, "message too large for SES: %zu bytes, %zu "
		    "once base64-encoded (at most %ld with api \"%s\")",
		    pl->size, b64len, api_limit(s->conf->api),
		    s->conf->api != NULL ? s->conf->api : "auto");
		res->error = "size";
		return EX_DATAERR;
	}
	say(s, "%zu bytes, %zu once base64-encoded: SES %s", pl->size, b64len,
	    pl->api == SES_API_V2 ? "v2 SendEmail" : "v1 SendRawEmail");
	return 0;
}

/*
 * deliver - credentials and the SES calls for a shaped message (pl);
 * it is kept by then. Returns the exit code.
 */
static int
deliver(struct submitter *s, const struct envelope *env,
    const struct payload *pl, struct submit_result *res, char *err,
    size_t errlen)
{
	int	 rc;

	rc = prepare(s, &res->error, err, errlen);
	if (rc == 0 && s->http != NULL &&
	    http_abort_on(s->http, &stop_signal) == -1) {
		seterr(err, errlen, "cannot set up libcurl");
		rc = EX_SOFTWARE;
	}
	if (rc == 0)
		rc = send_all(s, env, pl, res, err, errlen);
	return rc;
}

/*
 * run - shape the message; keep it (raw, unless k holds it already),
 * deliver it, then remove or record the kept copy; audit. The size is
 * known before keeping, so that a message SES could never take is
 * refused as one that has no recipient is: sending it again from the
 * spool would fail again.
 */
static int
run(struct submitter *s, struct message *msg, const struct envelope *env,
    struct submit_raw *raw, struct keep *k, struct submit_result *res,
    const struct timespec *t0, char *err, size_t errlen)
{
	struct payload	 pl;
	int		 rc;

	memset(&pl, 0, sizeof(pl));
	rc = shape(s, msg, env, &pl, res, err, errlen);
	if (rc == EX_DATAERR && k->f == NULL) {
		keep_refused(s, env, raw, res, err, errlen);
		goto out;
	}
	if (raw != NULL)
		keep_begin(s, env, raw, res, k);
	if (rc == 0)
		rc = deliver(s, env, &pl, res, err, errlen);
	keep_end(s, env, k, res, rc, err, errlen);
out:
	audit(s, env, pl.size, res, rc, t0);
	free(pl.pieces);
	return rc;
}

/* keep_init - nothing kept yet. */
static void
keep_init(struct keep *k)
{
	memset(k, 0, sizeof(*k));
	k->dirfd = -1;
	k->own_f.fd = -1;
	spool_entry_init(&k->own_e);
}

int
submit_message(struct submitter *s, struct message *msg,
    const struct envelope *env, struct submit_raw *raw,
    struct submit_result *res, char *err, size_t errlen)
{
	struct keep	 k;
	struct timespec	 t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(res, 0, sizeof(*res));
	spool_new_id(res->id);
	keep_init(&k);
	return run(s, msg, env, raw, &k, res, &t0, err, errlen);
}

int
submit_spooled(struct submitter *s, struct message *msg,
    const struct envelope *env, struct spool_file *f,
    struct spool_entry *e, struct submit_result *res, char *err,
    size_t errlen)
{
	struct keep	 k;
	struct timespec	 t0;
	int		 rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(res, 0, sizeof(*res));
	snprintf(res->id, sizeof(res->id), "%s", e->id);
	keep_init(&k);
	k.f = f;
	k.e = e;
	/* A Date added now should say when the message was handed in,
	   not when -q finally got it through. */
	s->submitted = e->created;
	rc = run(s, msg, env, NULL, &k, res, &t0, err, errlen);
	s->submitted = 0;
	spool_close(f);
	return rc;
}
