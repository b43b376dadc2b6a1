/*
 * conf - the configuration file, sesmail.conf(5), read with libconfuse.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <confuse.h>

#include "conf.h"
#include "http.h"
#include "retry.h"
#include "spool.h"
#include "util.h"

#define TIMEOUT_MIN	1
#define TIMEOUT_MAX	3600

/* Bounds of the retry section: a caller waits for every attempt. */
#define ATTEMPTS_MAX	10
#define MAX_TIME_MAX	600.0

/* What credentials { source } may name, "auto" first (the default). */
static const char *const cred_sources[] = {
	"auto", "env", "web_identity", "file", "process", "container",
	"imds"
};

static cfg_opt_t cred_opts[] = {
	CFG_STR("file", NULL, CFGF_NONE),
	CFG_STR("profile", NULL, CFGF_NONE),
	CFG_STR("source", "auto", CFGF_NONE),
	CFG_STR("role_arn", NULL, CFGF_NONE),
	CFG_STR("external_id", NULL, CFGF_NONE),
	CFG_BOOL("session_policy", cfg_false, CFGF_NONE),
	CFG_STR("sts_endpoint", NULL, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t retry_opts[] = {
	CFG_INT("max_attempts", RETRY_ATTEMPTS, CFGF_NONE),
	CFG_FLOAT("max_time", RETRY_MAX_TIME, CFGF_NONE),
	CFG_FLOAT("base_delay", RETRY_BASE_DELAY, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t user_opts[] = {
	CFG_STR("sender", NULL, CFGF_NONE),
	CFG_STR("fullname", NULL, CFGF_NONE),
	CFG_END()
};

static cfg_opt_t conf_opts[] = {
	CFG_STR("region", NULL, CFGF_NONE),
	CFG_STR("endpoint", NULL, CFGF_NONE),
	CFG_STR("ca_file", NULL, CFGF_NONE),
	CFG_STR("sender", NULL, CFGF_NONE),
	CFG_STR("domain", NULL, CFGF_NONE),
	CFG_STR("aliases", NULL, CFGF_NONE),
	CFG_STR("api", "auto", CFGF_NONE),
	CFG_STR("configuration_set", NULL, CFGF_NONE),
	CFG_INT("connect_timeout", 10, CFGF_NONE),
	CFG_INT("timeout", 60, CFGF_NONE),
	CFG_STR_LIST("allowed_from", NULL, CFGF_NONE),
	CFG_STR("spool", SPOOL_DEFAULT, CFGF_NONE),
	CFG_BOOL("spool_sync", cfg_false, CFGF_NONE),
	CFG_BOOL("dead_letter", cfg_true, CFGF_NONE),
	CFG_SEC("retry", retry_opts, CFGF_NONE),
	CFG_SEC("credentials", cred_opts, CFGF_NONE),
	CFG_SEC("user", user_opts,
	    CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES),
	CFG_END()
};

/*
 * libconfuse's error callback has no user pointer, so the message it
 * produces waits here until conf_load copies it out. sesmail is
 * single-threaded and parses one file at a time.
 */
static const char	*parse_path;
static char		 parse_err[ERRLEN];

/* parse_error - keep libconfuse's complaint, with file and line. */
static void
parse_error(cfg_t *cfg, const char *fmt, va_list ap)
{
	char	 msg[ERRLEN];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (parse_err[0] != '\0')
		return;
	seterr(parse_err, sizeof(parse_err), "%s:%d: %s",
	    parse_path ? parse_path : "?", cfg ? cfg->line : 0, msg);
}

/* conf_init - the defaults, as documented in sesmail.conf(5). */
void
conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->connect_timeout = 10;
	c->timeout = 60;
	c->retry_attempts = RETRY_ATTEMPTS;
	c->retry_max_time = RETRY_MAX_TIME;
	c->retry_base_delay = RETRY_BASE_DELAY;
	c->dead_letter = 1;
}

/* conf_free - release the strings and return c to its defaults. */
void
conf_free(struct conf *c)
{
	size_t	 i;

	free(c->path);
	free(c->region);
	free(c->endpoint);
	free(c->ca_file);
	free(c->sender);
	free(c->domain);
	free(c->aliases);
	free(c->cred_file);
	free(c->cred_profile);
	free(c->cred_source);
	free(c->role_arn);
	free(c->external_id);
	free(c->sts_endpoint);
	free(c->api);
	free(c->configuration_set);
	free(c->spool);
	strlist_free(&c->allowed_from);
	for (i = 0; i < c->nusers; i++) {
		free(c->users[i].name);
		free(c->users[i].sender);
		free(c->users[i].fullname);
	}
	free(c->users);
	conf_init(c);
}

const struct conf_user *
conf_user_find(const struct conf *c, const char *name)
{
	size_t	 i;

	for (i = 0; i < c->nusers; i++)
		if (strcmp(c->users[i].name, name) == 0)
			return &c->users[i];
	return NULL;
}

/*
 * open_conf - open path and check the open descriptor, so what is checked
 * is what gets read: a symbolic link (a Kubernetes ConfigMap is made of
 * them) is as good as the file it leads to, and no better. Returns a
 * stream, or NULL with *missing set when the file does not exist, or NULL
 * with err otherwise.
 */
static FILE *
open_conf(const char *path, uid_t caller_uid, int *missing, char *err,
    size_t errlen)
{
	FILE	*fp;
	int	 fd;

	*missing = 0;
	/* O_NONBLOCK: a FIFO in place of the file must not hang us. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1 && errno == ENOENT)
		*missing = 1;
	if (fd == -1)
		seterr(err, errlen, "%s: %s", path, strerror(errno));
	if (fd == -1)
		return NULL;

	if (check_private_file(fd, path, caller_uid, S_IWGRP | S_IWOTH,
	    err, errlen) == -1) {
		close(fd);
		return NULL;
	}

	fp = fdopen(fd, "r");
	if (fp == NULL) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
	}
	return fp;
}

/* valid_region - a region is a DNS label like "eu-west-1". */
static int
valid_region(const char *s)
{
	if (*s == '\0' || strlen(s) > 63)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") ==
	    strlen(s);
}

/* no_break - true when s is absent or holds no CR or LF. */
static int
no_break(const char *s)
{
	return s == NULL || !has_line_break(s);
}

/* check_users - user sections end up in From fields and envelopes. */
static int
check_users(cfg_t *cfg, const char *path, char *err, size_t errlen)
{
	cfg_t		*u;
	unsigned int	 i, n;

	n = cfg_size(cfg, "user");
	for (i = 0; i < n; i++) {
		u = cfg_getnsec(cfg, "user", i);
		if (!no_break(cfg_getstr(u, "sender")) ||
		    !no_break(cfg_getstr(u, "fullname")) ||
		    !no_break(cfg_title(u))) {
			seterr(err, errlen, "%s: user sections must not "
			    "contain line breaks", path);
			return -1;
		}
	}
	n = cfg_size(cfg, "allowed_from");
	for (i = 0; i < n; i++) {
		if (!no_break(cfg_getnstr(cfg, "allowed_from", i))) {
			seterr(err, errlen, "%s: allowed_from must not "
			    "contain line breaks", path);
			return -1;
		}
	}
	return 0;
}

/* known_source - s is one of cred_sources. */
static int
known_source(const char *s)
{
	size_t	 i;

	for (i = 0; i < sizeof(cred_sources) / sizeof(cred_sources[0]); i++)
		if (strcmp(s, cred_sources[i]) == 0)
			return 1;
	return 0;
}

/* all_in - s is made only of bytes in set. */
static int
all_in(const char *s, const char *set)
{
	return strspn(s, set) == strlen(s);
}

/*
 * has_sender - a session policy names the senders it allows, so it
 * needs at least one.
 */
static int
has_sender(cfg_t *cfg)
{
	unsigned int	 i, n;

	if (cfg_getstr(cfg, "sender") != NULL)
		return 1;
	n = cfg_size(cfg, "user");
	for (i = 0; i < n; i++)
		if (cfg_getstr(cfg_getnsec(cfg, "user", i), "sender") != NULL)
			return 1;
	return 0;
}

/*
 * check_role - role assumption: an ARN, an external id in STS's
 * alphabet, and a policy only where it can name senders.
 */
static int
check_role(cfg_t *cfg, cfg_t *sec, const char *path, char *err,
    size_t errlen)
{
	static const char idchars[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@:/-";
	const char	*arn, *xid;

	arn = cfg_getstr(sec, "role_arn");
	xid = cfg_getstr(sec, "external_id");
	if (arn != NULL && (strncmp(arn, "arn:", 4) != 0 ||
	    strlen(arn) > 2048 || !all_in(arn, idchars))) {
		seterr(err, errlen, "%s: role_arn must be a role ARN, like "
		    "arn:aws:iam::123456789012:role/sesmail", path);
		return -1;
	}
	if (xid != NULL && (strlen(xid) < 2 || strlen(xid) > 1224 ||
	    !all_in(xid, idchars))) {
		seterr(err, errlen, "%s: external_id must be 2 to 1224 of "
		    "A-Z a-z 0-9 _+=,.@:/-", path);
		return -1;
	}
	if ((xid != NULL || cfg_getbool(sec, "session_policy")) &&
	    arn == NULL) {
		seterr(err, errlen, "%s: external_id and session_policy "
		    "need role_arn", path);
		return -1;
	}
	if (cfg_getbool(sec, "session_policy") && !has_sender(cfg)) {
		seterr(err, errlen, "%s: session_policy needs a sender (the "
		    "global one or a user section's) to allow", path);
		return -1;
	}
	return 0;
}

/* check_credentials - the credentials section. */
static int
check_credentials(cfg_t *cfg, const char *path, char *err, size_t errlen)
{
	const char	*s;
	char		 why[ERRLEN];
	cfg_t		*sec;

	sec = cfg_getsec(cfg, "credentials");
	if (sec == NULL)
		return 0;
	s = cfg_getstr(sec, "source");
	if (s == NULL || !known_source(s)) {
		seterr(err, errlen, "%s: credentials source must be \"auto\", "
		    "\"env\", \"web_identity\", \"file\", \"process\", "
		    "\"container\" or \"imds\"", path);
		return -1;
	}
	s = cfg_getstr(sec, "sts_endpoint");
	if (s != NULL && http_url_check(s, why, sizeof(why)) == -1) {
		seterr(err, errlen, "%s: sts_endpoint: %s", path, why);
		return -1;
	}
	return check_role(cfg, sec, path, err, errlen);
}

/* check_retry - the retry section and where messages are kept. */
static int
check_retry(cfg_t *cfg, const char *path, char *err, size_t errlen)
{
	const char	*s;
	cfg_t		*sec;
	double		 t, d;
	long		 n;

	sec = cfg_getsec(cfg, "retry");
	n = sec != NULL ? cfg_getint(sec, "max_attempts") : RETRY_ATTEMPTS;
	t = sec != NULL ? cfg_getfloat(sec, "max_time") : RETRY_MAX_TIME;
	d = sec != NULL ? cfg_getfloat(sec, "base_delay") : RETRY_BASE_DELAY;
	if (n < 1 || n > ATTEMPTS_MAX || !(t >= 0 && t <= MAX_TIME_MAX) ||
	    !(d >= 0 && d <= RETRY_MAX_DELAY)) {
		seterr(err, errlen, "%s: retry needs max_attempts 1 to %d, "
		    "max_time 0 to %.0f and base_delay 0 to %.0f seconds",
		    path, ATTEMPTS_MAX, MAX_TIME_MAX, RETRY_MAX_DELAY);
		return -1;
	}
	s = cfg_getstr(cfg, "spool");
	if (s != NULL && *s != '\0' && (s[0] != '/' ||
	    strlen(s) > SPOOL_PATH_MAX / 2 || has_line_break(s))) {
		seterr(err, errlen, "%s: spool must be an absolute path, or "
		    "\"\" for none", path);
		return -1;
	}
	return 0;
}

/* check_values - the checks libconfuse cannot make for us. */
static int
check_values(cfg_t *cfg, const char *path, char *err, size_t errlen)
{
	const char	*api, *s;
	char		 why[ERRLEN];
	cfg_t		*sec;
	long		 n;

	n = cfg_getint(cfg, "connect_timeout");
	if (n < TIMEOUT_MIN || n > TIMEOUT_MAX)
		goto range;
	n = cfg_getint(cfg, "timeout");
	if (n < TIMEOUT_MIN || n > TIMEOUT_MAX)
		goto range;

	s = cfg_getstr(cfg, "region");
	if (s != NULL && !valid_region(s)) {
		seterr(err, errlen, "%s: region must be lower-case letters, "
		    "digits and '-', like eu-west-1", path);
		return -1;
	}
	s = cfg_getstr(cfg, "endpoint");
	if (s != NULL && http_url_check(s, why, sizeof(why)) == -1) {
		seterr(err, errlen, "%s: endpoint: %s", path, why);
		return -1;
	}

	api = cfg_getstr(cfg, "api");
	if (api == NULL || (strcmp(api, "auto") != 0 &&
	    strcmp(api, "v1") != 0 && strcmp(api, "v2") != 0)) {
		seterr(err, errlen, "%s: api must be \"auto\", \"v1\" or "
		    "\"v2\"", path);
		return -1;
	}

	/* These end up in headers or on protocol lines. */
	if (check_retry(cfg, path, err, errlen) == -1 ||
	    check_users(cfg, path, err, errlen) == -1 ||
	    check_credentials(cfg, path, err, errlen) == -1)
		return -1;
	sec = cfg_getsec(cfg, "credentials");
	if (!no_break(cfg_getstr(cfg, "sender")) ||
	    !no_break(cfg_getstr(cfg, "domain")) ||
	    !no_break(cfg_getstr(cfg, "configuration_set")) ||
	    (sec != NULL && !no_break(cfg_getstr(sec, "profile")))) {
		seterr(err, errlen, "%s: sender, domain, configuration_set "
		    "and profile must not contain line breaks", path);
		return -1;
	}
	return 0;

range:
	seterr(err, errlen, "%s: timeouts must be between %d and %d "
	    "seconds", path, TIMEOUT_MIN, TIMEOUT_MAX);
	return -1;
}

/* dupopt - copy an optional string; 0, or -1 when memory runs out. */
static int
dupopt(cfg_t *cfg, const char *name, char **out)
{
	const char	*s;

	*out = NULL;
	s = cfg != NULL ? cfg_getstr(cfg, name) : NULL;
	if (s == NULL)
		return 0;
	*out = strdup(s);
	return *out == NULL ? -1 : 0;
}

/* take_lists - allowed_from and the user sections. */
static int
take_lists(cfg_t *cfg, struct conf *t)
{
	cfg_t		*u;
	unsigned int	 i, n;

	n = cfg_size(cfg, "allowed_from");
	for (i = 0; i < n; i++)
		if (strlist_add(&t->allowed_from,
		    cfg_getnstr(cfg, "allowed_from", i)) == -1)
			return -1;

	n = cfg_size(cfg, "user");
	if (n == 0)
		return 0;
	t->users = calloc(n, sizeof(*t->users));
	if (t->users == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		u = cfg_getnsec(cfg, "user", i);
		t->nusers++;
		t->users[i].name = strdup(cfg_title(u));
		if (t->users[i].name == NULL ||
		    dupopt(u, "sender", &t->users[i].sender) == -1 ||
		    dupopt(u, "fullname", &t->users[i].fullname) == -1)
			return -1;
	}
	return 0;
}

/* take_retry - the retry section, when there is one. */
static void
take_retry(cfg_t *sec, struct conf *t)
{
	if (sec == NULL)
		return;
	t->retry_attempts = cfg_getint(sec, "max_attempts");
	t->retry_max_time = cfg_getfloat(sec, "max_time");
	t->retry_base_delay = cfg_getfloat(sec, "base_delay");
}

/* take_values - copy what the file set into a fresh struct conf. */
static int
take_values(cfg_t *cfg, const char *path, struct conf *t)
{
	cfg_t	*sec;

	conf_init(t);
	sec = cfg_getsec(cfg, "credentials");
	t->connect_timeout = cfg_getint(cfg, "connect_timeout");
	t->timeout = cfg_getint(cfg, "timeout");
	t->session_policy = sec != NULL &&
	    cfg_getbool(sec, "session_policy") == cfg_true;
	t->spool_sync = cfg_getbool(cfg, "spool_sync") == cfg_true;
	t->dead_letter = cfg_getbool(cfg, "dead_letter") == cfg_true;
	take_retry(cfg_getsec(cfg, "retry"), t);
	t->path = strdup(path);
	if (t->path == NULL ||
	    dupopt(cfg, "region", &t->region) == -1 ||
	    dupopt(cfg, "endpoint", &t->endpoint) == -1 ||
	    dupopt(cfg, "ca_file", &t->ca_file) == -1 ||
	    dupopt(cfg, "sender", &t->sender) == -1 ||
	    dupopt(cfg, "domain", &t->domain) == -1 ||
	    dupopt(cfg, "aliases", &t->aliases) == -1 ||
	    dupopt(sec, "file", &t->cred_file) == -1 ||
	    dupopt(sec, "profile", &t->cred_profile) == -1 ||
	    dupopt(sec, "source", &t->cred_source) == -1 ||
	    dupopt(sec, "role_arn", &t->role_arn) == -1 ||
	    dupopt(sec, "external_id", &t->external_id) == -1 ||
	    dupopt(sec, "sts_endpoint", &t->sts_endpoint) == -1 ||
	    dupopt(cfg, "api", &t->api) == -1 ||
	    dupopt(cfg, "configuration_set", &t->configuration_set) == -1 ||
	    dupopt(cfg, "spool", &t->spool) == -1 ||
	    take_lists(cfg, t) == -1) {
		conf_free(t);
		return -1;
	}
	return 0;
}

/*
 * conf_load - read path into c. On success c is replaced as a whole (the
 * defaults plus what the file sets); on failure c is left as it was.
 */
int
conf_load(const char *path, int explicit, uid_t caller_uid,
    struct conf *c, char *err, size_t errlen)
{
	struct conf	 t;
	cfg_t		*cfg = NULL;
	FILE		*fp;
	int		 missing, rc = EX_CONFIG;

	fp = open_conf(path, caller_uid, &missing, err, errlen);
	if (fp == NULL && missing && !explicit)
		return 0;
	if (fp == NULL)
		return EX_CONFIG;

	cfg = cfg_init(conf_opts, CFGF_NONE);
	if (cfg == NULL) {
		seterr(err, errlen, "%s: cannot set up the parser", path);
		goto out;
	}
	parse_path = path;
	parse_err[0] = '\0';
	cfg_set_error_function(cfg, parse_error);
	if (cfg_parse_fp(cfg, fp) != CFG_SUCCESS) {
		seterr(err, errlen, "%s", parse_err[0] != '\0' ? parse_err :
		    "cannot parse the file");
		goto out;
	}

	if (check_values(cfg, path, err, errlen) == -1)
		goto out;
	if (take_values(cfg, path, &t) == -1) {
		seterr(err, errlen, "%s: out of memory", path);
		rc = EX_OSERR;
		goto out;
	}
	conf_free(c);
	*c = t;
	rc = 0;

out:
	parse_path = NULL;
	if (cfg != NULL)
		cfg_free(cfg);
	fclose(fp);
	return rc;
}
