/*
 * credentials - where the AWS keys come from: the chain, the role on
 * top, and the parsers the sources share (shared-credentials text,
 * credentials JSON, ISO 8601 times).
 *
 * The shared-credentials parser is deliberately small: [profile]
 * sections and "key = value" lines, as the AWS SDKs read them (Python's
 * configparser is the reference: '=' or ':' separates, a line indented
 * deeper than the key before it continues that key, '#' and ';' start
 * comment lines, inline comments are not recognised).
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "conf.h"
#include "container.h"
#include "credentials.h"
#include "credproc.h"
#include "imds.h"
#include "sts.h"
#include "util.h"

/* A credentials file with a few dozen profiles is far below this. */
#define CRED_FILE_MAX	(64 * 1024)

/* A web identity token is at most 20000 characters (STS model). */
#define WEB_TOKEN_MAX	20000

/* Refreshed credentials that fail to come are still used this long. */
#define REFRESH_GRACE	60

/* Returned by a source that is not configured at all. */
#define NOT_SET		(-1)

/* What a profile of the key file may be used for. */
#define PROFILE_KEYS	1	/* its static keys */
#define PROFILE_PROCESS	2	/* its credential_process */

struct ini {
	const char		*profile;
	int			 in_profile;	/* inside [profile] */
	int			 in_section;	/* inside any section */
	int			 found;		/* [profile] seen */
	long			 key_indent;	/* of the last key, or -1 */
	unsigned long		 lineno;
	struct credentials	 cr;
	char			*process;	/* credential_process */
};

/* credentials_init - an empty set, safe to free. */
void
credentials_init(struct credentials *cr)
{
	cr->access_key_id = NULL;
	cr->secret_access_key = NULL;
	cr->session_token = NULL;
	cr->expiration = 0;
	cr->source = NULL;
	cr->role_arn = NULL;
}

/* credentials_wipe_free - overwrite a string that may hold a secret. */
void
credentials_wipe_free(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

/* credentials_free - wipe and release every value. */
void
credentials_free(struct credentials *cr)
{
	credentials_wipe_free(cr->access_key_id);
	credentials_wipe_free(cr->secret_access_key);
	credentials_wipe_free(cr->session_token);
	free(cr->role_arn);
	credentials_init(cr);
}

/* trim - drop blanks at both ends of s[0..*n). */
static const char *
trim(const char *s, size_t *n)
{
	while (*n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		(*n)--;
	}
	while (*n > 0 && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
		(*n)--;
	return s;
}

/* ini_section - a "[name]" line: are we entering the wanted profile? */
static int
ini_section(struct ini *st, const char *s, size_t n, char *err,
    size_t errlen)
{
	const char	*name;
	size_t		 len;

	if (n < 2 || s[n - 1] != ']') {
		seterr(err, errlen, "line %lu: malformed section header",
		    st->lineno);
		return -1;
	}
	len = n - 2;
	name = trim(s + 1, &len);
	st->in_section = 1;
	st->in_profile = strlen(st->profile) == len &&
	    memcmp(name, st->profile, len) == 0;
	if (st->in_profile)
		st->found = 1;
	st->key_indent = -1;
	return 0;
}

/* ini_slot - where a key of the wanted profile goes, or NULL. */
static char **
ini_slot(struct ini *st, const char *key, size_t n)
{
	static const char *const names[] = {
		"aws_access_key_id", "aws_secret_access_key",
		"aws_session_token", "credential_process"
	};
	char	**slots[4];
	size_t	  i;

	slots[0] = &st->cr.access_key_id;
	slots[1] = &st->cr.secret_access_key;
	slots[2] = &st->cr.session_token;
	slots[3] = &st->process;
	for (i = 0; i < 4; i++)
		if (strlen(names[i]) == n && memcmp(key, names[i], n) == 0)
			return slots[i];
	return NULL;
}

/* ini_key - a "key = value" line; keep it if the profile wants it. */
static int
ini_key(struct ini *st, const char *s, size_t n, size_t indent,
    char *err, size_t errlen)
{
	const char	*key, *val;
	size_t		 d, klen, vlen;
	char		**slot;

	/* The data is not NUL-terminated: no strcspn here. */
	for (d = 0; d < n && s[d] != '=' && s[d] != ':'; d++)
		continue;
	if (d == n || !st->in_section) {
		seterr(err, errlen, "line %lu: expected key = value inside "
		    "a [profile] section", st->lineno);
		return -1;
	}
	st->key_indent = (long)indent;
	if (!st->in_profile)
		return 0;

	klen = d;
	key = trim(s, &klen);
	vlen = n - d - 1;
	val = trim(s + d + 1, &vlen);
	slot = ini_slot(st, key, klen);
	if (slot == NULL || vlen == 0)
		return 0;
	if (*slot != NULL) {
		seterr(err, errlen, "line %lu: %.*s given twice in profile %s",
		    st->lineno, (int)klen, key, st->profile);
		return -1;
	}
	if (has_control(val, vlen)) {
		seterr(err, errlen, "line %lu: control character in %.*s",
		    st->lineno, (int)klen, key);
		return -1;
	}
	*slot = strndup(val, vlen);
	if (*slot == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* ini_line - one line, without its LF. */
static int
ini_line(struct ini *st, const char *s, size_t n, char *err, size_t errlen)
{
	size_t	 indent = 0;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	while (indent < n && (s[indent] == ' ' || s[indent] == '\t'))
		indent++;
	s += indent;
	n -= indent;
	if (n == 0 || *s == '#' || *s == ';')
		return 0;

	/* Deeper than the key above: its continuation (or a sub-key). */
	if (st->key_indent >= 0 && (long)indent > st->key_indent)
		return 0;
	if (*s == '[')
		return ini_section(st, s, n, err, errlen);
	return ini_key(st, s, n, indent, err, errlen);
}

/* parse_profile - run the lines of data through st. */
static int
parse_profile(struct ini *st, const char *data, size_t len,
    const char *profile, char *err, size_t errlen)
{
	const char	*p, *end, *nl;

	memset(st, 0, sizeof(*st));
	st->profile = profile;
	st->key_indent = -1;
	credentials_init(&st->cr);

	end = data + len;
	for (p = data; p < end; p = nl != NULL ? nl + 1 : end) {
		st->lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (ini_line(st, p, (size_t)((nl ? nl : end) - p), err,
		    errlen) == -1)
			return -1;
	}
	if (!st->found) {
		seterr(err, errlen, "profile %s not found", profile);
		return -1;
	}
	return 0;
}

/* ini_free - what a failed parse leaves. */
static void
ini_free(struct ini *st)
{
	credentials_free(&st->cr);
	free(st->process);
	st->process = NULL;
}

/* keys_complete - both keys, or err names the one missing. */
static int
keys_complete(const struct ini *st, char *err, size_t errlen)
{
	if (st->cr.access_key_id != NULL && st->cr.secret_access_key != NULL)
		return 1;
	seterr(err, errlen, "profile %s has no %s", st->profile,
	    st->cr.access_key_id == NULL ? "aws_access_key_id" :
	    "aws_secret_access_key");
	return 0;
}

/*
 * credentials_parse_ini - cr need not be initialised; it is filled only
 * on success.
 */
int
credentials_parse_ini(const char *data, size_t len, const char *profile,
    struct credentials *cr, char *err, size_t errlen)
{
	struct ini	 st;

	if (parse_profile(&st, data, len, profile, err, errlen) == -1 ||
	    !keys_complete(&st, err, errlen)) {
		ini_free(&st);
		return -1;
	}
	free(st.process);
	st.cr.source = "file";
	*cr = st.cr;
	return 0;
}

/*
 * credentials_parse_profile - keys, else credential_process; cr and
 * *process are filled only on success.
 */
int
credentials_parse_profile(const char *data, size_t len, const char *profile,
    struct credentials *cr, char **process, char *err, size_t errlen)
{
	struct ini	 st;

	*process = NULL;
	if (parse_profile(&st, data, len, profile, err, errlen) == -1)
		goto fail;
	if (st.process != NULL && st.cr.access_key_id == NULL &&
	    st.cr.secret_access_key == NULL) {
		*process = st.process;
		credentials_init(cr);
		return 0;
	}
	if (!keys_complete(&st, err, errlen))
		goto fail;
	free(st.process);
	st.cr.source = "file";
	*cr = st.cr;
	return 0;

fail:
	ini_free(&st);
	return -1;
}

/* digits - n decimal digits at *p into *v; advances *p. */
static int
digits(const char **p, int n, long *v)
{
	*v = 0;
	for (; n > 0; n--, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		*v = *v * 10 + (**p - '0');
	}
	return 0;
}

/* expect - the byte *p is one of set; advances *p. */
static int
expect(const char **p, const char *set)
{
	if (**p == '\0' || strchr(set, **p) == NULL)
		return -1;
	(*p)++;
	return 0;
}

/* days_from_civil - days since 1970-01-01 of a proleptic Gregorian date
   (H. Hinnant's algorithm). */
static long
days_from_civil(long y, long m, long d)
{
	long	 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* month_days - days in month m of year y. */
static long
month_days(long y, long m)
{
	static const long	 days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* zone_offset - "Z", or "+HH:MM" / "+HHMM", as seconds east of UTC. */
static int
zone_offset(const char **p, long *off)
{
	long	 h, m;
	int	 sign;

	*off = 0;
	if (expect(p, "Zz") == 0)
		return 0;
	if (**p != '+' && **p != '-')
		return -1;
	sign = **p == '-' ? -1 : 1;
	(*p)++;
	if (digits(p, 2, &h) == -1)
		return -1;
	if (**p == ':')
		(*p)++;
	if (digits(p, 2, &m) == -1 || h > 23 || m > 59)
		return -1;
	*off = sign * (h * 3600 + m * 60);
	return 0;
}

/* credentials_parse_time - RFC 3339, as STS and the metadata send. */
int
credentials_parse_time(const char *s, time_t *out)
{
	const char	*p = s;
	long		 y, mo, d, h, mi, sec, off;

	if (digits(&p, 4, &y) == -1 || expect(&p, "-") == -1 ||
	    digits(&p, 2, &mo) == -1 || expect(&p, "-") == -1 ||
	    digits(&p, 2, &d) == -1 || expect(&p, "Tt ") == -1 ||
	    digits(&p, 2, &h) == -1 || expect(&p, ":") == -1 ||
	    digits(&p, 2, &mi) == -1 || expect(&p, ":") == -1 ||
	    digits(&p, 2, &sec) == -1)
		return -1;
	/* A fraction of a second changes nothing that matters here. */
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (zone_offset(&p, &off) == -1 || *p != '\0')
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > month_days(y, mo) || h > 23 || mi > 59 || sec > 60)
		return -1;
	*out = (time_t)(days_from_civil(y, mo, d) * 86400 + h * 3600 +
	    mi * 60 + sec - off);
	return 0;
}

/*
 * wipe_json - overwrite the string values of an object before json-c
 * frees them. The values are json-c's heap copies, so writing to them
 * is sound even though the API hands them out const.
 */
static void
wipe_json(json_object *doc)
{
	const char	*v;

	json_object_object_foreach(doc, key, val) {
		(void)key;
		if (!json_object_is_type(val, json_type_string))
			continue;
		v = json_object_get_string(val);
		OPENSSL_cleanse((void *)(uintptr_t)v,
		    (size_t)json_object_get_string_len(val));
	}
}

/* json_str - the string member name of doc, or NULL. */
static const char *
json_str(json_object *doc, const char *name)
{
	json_object	*v;

	if (!json_object_object_get_ex(doc, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* json_check_kind - Version 1 of a process, Code of the metadata. */
static int
json_check_kind(json_object *doc, int kind, char *err, size_t errlen)
{
	json_object	*v;
	const char	*code;
	char		 shown[64];

	if (kind == CRED_JSON_PROCESS) {
		if (json_object_object_get_ex(doc, "Version", &v) &&
		    json_object_is_type(v, json_type_int) &&
		    json_object_get_int64(v) == 1)
			return 0;
		seterr(err, errlen, "\"Version\" is not 1");
		return -1;
	}
	code = json_str(doc, "Code");
	if (code == NULL || strcmp(code, "Success") == 0)
		return 0;
	snprintf(shown, sizeof(shown), "%s", code);
	sanitize(shown);
	seterr(err, errlen, "\"Code\" is %s, not Success", shown);
	return -1;
}

/* json_take - copy one credential string, refusing control bytes. */
static int
json_take(json_object *doc, const char *name, int required, char **out,
    char *err, size_t errlen)
{
	const char	*v;

	*out = NULL;
	v = json_str(doc, name);
	if (v == NULL || *v == '\0') {
		if (required)
			seterr(err, errlen, "no \"%s\" string", name);
		return required ? -1 : 0;
	}
	if (has_control(v, strlen(v))) {
		seterr(err, errlen, "\"%s\" holds a control character",
		    name);
		return -1;
	}
	*out = strdup(v);
	if (*out == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* json_expiration - Expiration, required or not; 0 when absent. */
static int
json_expiration(json_object *doc, int required, time_t now, time_t *exp,
    char *err, size_t errlen)
{
	const char	*v;
	char		 shown[40];

	*exp = 0;
	v = json_str(doc, "Expiration");
	if (v == NULL && !required)
		return 0;
	if (v == NULL || credentials_parse_time(v, exp) == -1) {
		seterr(err, errlen, "no valid \"Expiration\" time");
		return -1;
	}
	if (*exp <= now) {
		snprintf(shown, sizeof(shown), "%s", v);
		sanitize(shown);
		seterr(err, errlen, "the credentials expired at %s", shown);
		return CRED_JSON_EXPIRED;
	}
	return 0;
}

/* json_fields - the four fields of doc into cr. */
static int
json_fields(json_object *doc, int kind, time_t now, struct credentials *cr,
    char *err, size_t errlen)
{
	int	 meta = kind == CRED_JSON_METADATA;

	if (json_check_kind(doc, kind, err, errlen) == -1 ||
	    json_take(doc, "AccessKeyId", 1, &cr->access_key_id, err,
	    errlen) == -1 ||
	    json_take(doc, "SecretAccessKey", 1, &cr->secret_access_key, err,
	    errlen) == -1 ||
	    json_take(doc, meta ? "Token" : "SessionToken", meta,
	    &cr->session_token, err, errlen) == -1)
		return -1;
	return json_expiration(doc, meta, now, &cr->expiration, err, errlen);
}

/* credentials_parse_json - one JSON object, nothing after it. */
int
credentials_parse_json(const char *json, size_t len, int kind, time_t now,
    struct credentials *cr, char *err, size_t errlen)
{
	json_tokener	*tok;
	json_object	*doc = NULL;
	size_t		 end;
	int		 rc = -1;

	credentials_init(cr);
	if (len > INT32_MAX) {
		seterr(err, errlen, "reply too large");
		return -1;
	}
	tok = json_tokener_new();
	if (tok == NULL) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	doc = json_tokener_parse_ex(tok, json != NULL ? json : "",
	    (int)len);
	end = json_tokener_get_parse_end(tok);
	while (doc != NULL && end < len && (json[end] == ' ' ||
	    json[end] == '\t' || json[end] == '\r' || json[end] == '\n'))
		end++;
	if (doc == NULL || end != len ||
	    !json_object_is_type(doc, json_type_object)) {
		seterr(err, errlen, "not a JSON object");
		goto out;
	}
	rc = json_fields(doc, kind, now, cr, err, errlen);
out:
	if (doc != NULL && json_object_is_type(doc, json_type_object))
		wipe_json(doc);
	json_object_put(doc);
	json_tokener_free(tok);
	if (rc != 0)
		credentials_free(cr);
	return rc;
}

/* env - a non-empty environment variable, or NULL. */
static const char *
env(const char *name)
{
	const char	*v;

	v = getenv(name);
	return v != NULL && *v != '\0' ? v : NULL;
}

/* from_env - the SDK variables; NOT_SET when neither key is there. */
static int
from_env(const struct cred_query *q, struct credentials *cr, char *err,
    size_t errlen)
{
	const char	*id, *secret, *token;

	(void)q;
	id = env("AWS_ACCESS_KEY_ID");
	secret = env("AWS_SECRET_ACCESS_KEY");
	token = env("AWS_SESSION_TOKEN");
	if (id == NULL && secret == NULL) {
		seterr(err, errlen, "AWS_ACCESS_KEY_ID and "
		    "AWS_SECRET_ACCESS_KEY are not set");
		return NOT_SET;
	}

	if (id == NULL || secret == NULL) {
		seterr(err, errlen, "%s is set but %s is not",
		    id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
		    id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
		return EX_CONFIG;
	}
	if (has_control(id, strlen(id)) ||
	    has_control(secret, strlen(secret)) ||
	    (token != NULL && has_control(token, strlen(token)))) {
		seterr(err, errlen, "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY "
		    "or AWS_SESSION_TOKEN holds a control character");
		return EX_CONFIG;
	}

	cr->access_key_id = strdup(id);
	cr->secret_access_key = strdup(secret);
	cr->session_token = token != NULL ? strdup(token) : NULL;
	if (cr->access_key_id == NULL || cr->secret_access_key == NULL ||
	    (token != NULL && cr->session_token == NULL)) {
		credentials_free(cr);
		seterr(err, errlen, "out of memory");
		return EX_OSERR;
	}
	cr->source = "environment";
	return 0;
}

/*
 * read_secret - read a whole small file from fd into one allocation that
 * never moves, so no copy of its content is left behind by realloc.
 */
static char *
read_secret(int fd, size_t *lenp)
{
	char	*data;
	size_t	 len = 0;
	ssize_t	 n;

	data = malloc(CRED_FILE_MAX + 1);
	if (data == NULL)
		return NULL;
	for (;;) {
		n = read(fd, data + len, CRED_FILE_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len > CRED_FILE_MAX)
			break;
	}
	if (n == -1 || len > CRED_FILE_MAX) {
		if (n != -1)
			errno = EFBIG;
		OPENSSL_cleanse(data, CRED_FILE_MAX + 1);
		free(data);
		return NULL;
	}
	*lenp = len;
	return data;
}

/* open_key_file - open and vet the key file; EX_* code on failure. */
static int
open_key_file(const char *path, uid_t caller_uid, int *fdp, char *err,
    size_t errlen)
{
	int	 fd;

	/* O_NONBLOCK: a FIFO in place of the file must not hang us. A
	   symbolic link (a Kubernetes Secret is made of them) is vetted
	   by the file it leads to, below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1 && errno == ENOENT) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return EX_CONFIG;
	}
	if (fd == -1) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return EX_NOPERM;
	}

	/* Group read stays allowed: members of a sesmail group may send. */
	if (check_private_file(fd, path, caller_uid,
	    S_IROTH | S_IWOTH | S_IWGRP, err, errlen) == -1) {
		close(fd);
		return EX_NOPERM;
	}
	*fdp = fd;
	return 0;
}

/*
 * credentials_read_token - a token that rotates (EKS projects a fresh
 * one into the file), so it is read anew on every fetch.
 */
int
credentials_read_token(const char *path, size_t max, char **out,
    char *err, size_t errlen)
{
	char	*data;
	size_t	 len;
	int	 fd, saved;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd == -1) {
		saved = errno;
		seterr(err, errlen, "%s: %s", path, strerror(saved));
		return saved == ENOENT || saved == ENOTDIR ? EX_CONFIG :
		    EX_NOPERM;
	}
	data = read_secret(fd, &len);
	saved = errno;
	close(fd);
	if (data == NULL) {
		seterr(err, errlen, "%s: %s", path, strerror(saved));
		return EX_CONFIG;
	}
	while (len > 0 && (data[len - 1] == ' ' || data[len - 1] == '\t' ||
	    data[len - 1] == '\r' || data[len - 1] == '\n'))
		len--;
	if (len == 0 || len > max || has_control(data, len)) {
		seterr(err, errlen, "%s: %s", path, len == 0 ? "empty" :
		    len > max ? "too long for a token" :
		    "holds a control character");
		OPENSSL_cleanse(data, CRED_FILE_MAX + 1);
		free(data);
		return EX_CONFIG;
	}
	*out = strndup(data, len);
	OPENSSL_cleanse(data, CRED_FILE_MAX + 1);
	free(data);
	if (*out == NULL) {
		seterr(err, errlen, "out of memory");
		return EX_OSERR;
	}
	return 0;
}

/* host_name - q->host, else this machine's name, for a session name. */
static const char *
host_name(const struct cred_query *q, char *buf, size_t len)
{
	if (q->host != NULL)
		return q->host;
	/* gethostname may truncate without a NUL. */
	memset(buf, 0, len);
	if (gethostname(buf, len - 1) == -1)
		buf[0] = '\0';
	return buf;
}

/*
 * sts_base - what every STS call of q shares: endpoint (allocated in
 * *endpoint), region, CA file and timeouts.
 */
static int
sts_base(const struct cred_query *q, struct sts_call *call,
    char **endpoint, char *err, size_t errlen)
{
	memset(call, 0, sizeof(*call));
	*endpoint = NULL;
	if (q->region == NULL) {
		seterr(err, errlen, "STS needs a region: set region in the "
		    "configuration or AWS_REGION");
		return EX_CONFIG;
	}
	*endpoint = sts_endpoint(q->conf, q->region);
	if (*endpoint == NULL) {
		seterr(err, errlen, "out of memory");
		return EX_OSERR;
	}
	call->endpoint = *endpoint;
	call->region = q->region;
	call->ca_file = q->conf->ca_file;
	call->connect_timeout = q->conf->connect_timeout;
	call->timeout = q->conf->timeout;
	return 0;
}

/* valid_session_name - 2 to 64 of [\w+=,.@-], as STS requires. */
static int
valid_session_name(const char *s)
{
	size_t	 n = strlen(s);

	return n >= 2 && n <= STS_SESSION_NAME_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_+=,.@-") == n;
}

/* web_identity_inputs - role and session name from the environment. */
static int
web_identity_inputs(const struct cred_query *q, const char **role,
    char *name, size_t namelen, char *err, size_t errlen)
{
	const char	*s;
	char		 host[256];

	*role = env("AWS_ROLE_ARN");
	if (*role == NULL || has_control(*role, strlen(*role))) {
		seterr(err, errlen, "AWS_WEB_IDENTITY_TOKEN_FILE is set but "
		    "AWS_ROLE_ARN is %s", *role == NULL ? "not" : "malformed");
		return EX_CONFIG;
	}
	s = env("AWS_ROLE_SESSION_NAME");
	if (s != NULL && !valid_session_name(s)) {
		seterr(err, errlen, "AWS_ROLE_SESSION_NAME must be 2 to 64 "
		    "of A-Z a-z 0-9 _+=,.@-");
		return EX_CONFIG;
	}
	if (s != NULL)
		snprintf(name, namelen, "%s", s);
	else
		sts_session_name(q->user, host_name(q, host, sizeof(host)),
		    name, namelen);
	return 0;
}

/*
 * from_web_identity - EKS IRSA and other OIDC set-ups: the token file
 * and role from the environment, traded for credentials at STS.
 */
static int
from_web_identity(const struct cred_query *q, struct credentials *cr,
    char *err, size_t errlen)
{
	struct sts_call	 call;
	const char	*file, *role;
	char		 name[STS_SESSION_NAME_MAX + 1];
	char		*token = NULL, *endpoint = NULL;
	int		 rc;

	file = env("AWS_WEB_IDENTITY_TOKEN_FILE");
	if (file == NULL) {
		seterr(err, errlen, "AWS_WEB_IDENTITY_TOKEN_FILE is not set");
		return NOT_SET;
	}
	rc = web_identity_inputs(q, &role, name, sizeof(name), err, errlen);
	if (rc == 0)
		rc = sts_base(q, &call, &endpoint, err, errlen);
	if (rc == 0)
		rc = credentials_read_token(file, WEB_TOKEN_MAX, &token, err,
		    errlen);
	if (rc != 0)
		goto out;
	call.role_arn = role;
	call.session_name = name;
	call.web_identity_token = token;
	rc = sts_assume(&call, cr, err, errlen);
	if (rc == 0)
		cr->source = "web identity";
out:
	credentials_wipe_free(token);
	free(endpoint);
	return rc;
}

/* profile_name - the configured profile, else AWS_PROFILE, else default. */
static const char *
profile_name(const struct conf *c)
{
	const char	*p;

	if (c->cred_profile != NULL && *c->cred_profile != '\0')
		return c->cred_profile;
	p = env("AWS_PROFILE");
	return p != NULL ? p : "default";
}

/* read_profile - keys or credential_process of the profile in path. */
static int
read_profile(const struct cred_query *q, struct credentials *cr,
    char **process, char *err, size_t errlen)
{
	const char	*path = q->conf->cred_file;
	char		*data;
	char		 why[ERRLEN];
	size_t		 len;
	int		 fd, rc, saved;

	rc = open_key_file(path, q->uid, &fd, err, errlen);
	if (rc != 0)
		return rc;
	data = read_secret(fd, &len);
	saved = errno;
	close(fd);
	if (data == NULL) {
		seterr(err, errlen, "%s: %s", path, strerror(saved));
		return saved == EFBIG ? EX_CONFIG : EX_NOPERM;
	}

	rc = 0;
	if (credentials_parse_profile(data, len, profile_name(q->conf), cr,
	    process, why, sizeof(why)) == -1) {
		seterr(err, errlen, "%s: %s", path, why);
		rc = EX_CONFIG;
	}
	OPENSSL_cleanse(data, CRED_FILE_MAX + 1);
	free(data);
	return rc;
}

/*
 * from_profile - the key file: its keys (PROFILE_KEYS), its
 * credential_process (PROFILE_PROCESS), or whichever it has.
 */
static int
from_profile(const struct cred_query *q, int use, struct credentials *cr,
    char *err, size_t errlen)
{
	const char	*path = q->conf->cred_file;
	char		*process = NULL;
	int		 rc;

	if (path == NULL) {
		seterr(err, errlen, "credentials { file } is not set");
		return NOT_SET;
	}
	rc = read_profile(q, cr, &process, err, errlen);
	if (rc != 0)
		return rc;
	if (process == NULL && !(use & PROFILE_KEYS)) {
		credentials_free(cr);
		seterr(err, errlen, "%s: profile %s has keys, not a "
		    "credential_process", path, profile_name(q->conf));
		return EX_CONFIG;
	}
	if (process != NULL && !(use & PROFILE_PROCESS)) {
		seterr(err, errlen, "%s: profile %s has only a "
		    "credential_process, which source = \"file\" does not "
		    "run (use \"process\" or \"auto\")", path,
		    profile_name(q->conf));
		rc = EX_CONFIG;
	} else if (process != NULL) {
		rc = cred_from_process(process, cr, err, errlen);
		if (rc == 0)
			cr->source = "process";
	}
	free(process);
	return rc;
}

/* from_file - source "file"; in the chain, credential_process too. */
static int
from_file(const struct cred_query *q, struct credentials *cr, char *err,
    size_t errlen)
{
	int	 pinned;

	pinned = q->conf->cred_source != NULL &&
	    strcmp(q->conf->cred_source, "file") == 0;
	return from_profile(q, pinned ? PROFILE_KEYS :
	    PROFILE_KEYS | PROFILE_PROCESS, cr, err, errlen);
}

/* from_process - source "process": the profile's credential_process. */
static int
from_process(const struct cred_query *q, struct credentials *cr,
    char *err, size_t errlen)
{
	return from_profile(q, PROFILE_PROCESS, cr, err, errlen);
}

/* from_container - ECS task role, EKS Pod Identity. */
static int
from_container(const struct cred_query *q, struct credentials *cr,
    char *err, size_t errlen)
{
	(void)q;
	if (!container_configured()) {
		seterr(err, errlen, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI "
		    "and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set");
		return NOT_SET;
	}
	return cred_from_container(cr, err, errlen);
}

/* from_imds - the instance role, unless metadata is switched off. */
static int
from_imds(const struct cred_query *q, struct credentials *cr, char *err,
    size_t errlen)
{
	(void)q;
	if (imds_disabled()) {
		seterr(err, errlen, "AWS_EC2_METADATA_DISABLED is true");
		return NOT_SET;
	}
	return cred_from_imds(cr, err, errlen);
}

/* The chain, in the SDKs' order (SES.md 4.1). */
static const struct source {
	const char	*name;		/* as credentials { source } says */
	int		 in_chain;	/* tried by source = "auto" */
	int		(*fetch)(const struct cred_query *,
			    struct credentials *, char *, size_t);
} sources[] = {
	{ "env",		1,	from_env },
	{ "web_identity",	1,	from_web_identity },
	{ "file",		1,	from_file },
	{ "process",		0,	from_process },
	{ "container",		1,	from_container },
	{ "imds",		1,	from_imds },
};

/* pinned_source - the one source the configuration names, or NULL. */
static const char *
pinned_source(const struct conf *c)
{
	if (c->cred_source == NULL || strcmp(c->cred_source, "auto") == 0)
		return NULL;
	return c->cred_source;
}

/* no_source - the error when no source of the chain is configured. */
static int
no_source(const struct conf *c, char *err, size_t errlen)
{
	seterr(err, errlen, "no AWS credentials: set AWS_ACCESS_KEY_ID and "
	    "AWS_SECRET_ACCESS_KEY, or credentials { file } in %s, or run "
	    "with an instance, container or web identity role (instance "
	    "metadata is off: AWS_EC2_METADATA_DISABLED is true)",
	    c->path != NULL ? c->path : CONF_DEFAULT_PATH);
	return EX_CONFIG;
}

/*
 * run_chain - the first source that is configured decides: it yields
 * credentials or its error, never a silent fall-through.
 */
static int
run_chain(const struct cred_query *q, struct credentials *cr, char *err,
    size_t errlen)
{
	const char	*pin;
	char		 why[ERRLEN];
	size_t		 i;
	int		 rc;

	pin = pinned_source(q->conf);
	for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		if (pin != NULL ? strcmp(pin, sources[i].name) != 0 :
		    !sources[i].in_chain)
			continue;
		why[0] = '\0';
		rc = sources[i].fetch(q, cr, why, sizeof(why));
		if (rc == NOT_SET && pin == NULL)
			continue;
		if (rc == NOT_SET) {
			seterr(err, errlen, "credentials source \"%s\" is "
			    "configured, but %s", pin, why);
			return EX_CONFIG;
		}
		if (rc != 0)
			seterr(err, errlen, "%s", why);
		return rc;
	}
	return no_source(q->conf, err, errlen);
}

/* assume_role - role_arn: STS AssumeRole signed with base. */
static int
assume_role(const struct cred_query *q, const struct credentials *base,
    struct credentials *cr, char *err, size_t errlen)
{
	const struct conf	*c = q->conf;
	struct sts_call		 call;
	char			 name[STS_SESSION_NAME_MAX + 1], host[256];
	char			*endpoint = NULL, *policy = NULL;
	int			 rc;

	rc = sts_base(q, &call, &endpoint, err, errlen);
	if (rc == 0 && c->session_policy)
		rc = sts_session_policy(c, &policy, err, errlen);
	if (rc != 0)
		goto out;
	sts_session_name(q->user, host_name(q, host, sizeof(host)), name,
	    sizeof(name));
	call.role_arn = c->role_arn;
	call.session_name = name;
	call.external_id = c->external_id;
	call.policy = policy;
	call.signer = base;
	rc = sts_assume(&call, cr, err, errlen);
	if (rc == 0)
		cr->source = base->source;
out:
	free(policy);
	free(endpoint);
	return rc;
}

/*
 * credentials_resolve - cr need not be initialised; it is left empty on
 * failure.
 */
int
credentials_resolve(const struct cred_query *q, struct credentials *cr,
    char *err, size_t errlen)
{
	struct credentials	 base;
	int			 rc;

	credentials_init(cr);
	credentials_init(&base);
	rc = run_chain(q, &base, err, errlen);
	if (rc != 0 || q->conf->role_arn == NULL) {
		*cr = base;
		return rc;
	}
	rc = assume_role(q, &base, cr, err, errlen);
	credentials_free(&base);
	return rc;
}

/* credentials_stale - time to fetch again (never for long-term keys). */
int
credentials_stale(const struct credentials *cr, time_t now)
{
	return cr->expiration != 0 &&
	    cr->expiration - now < CRED_REFRESH_BEFORE;
}

/*
 * credentials_refresh - as botocore's advisory refresh: a failure while
 * the old credentials still have a while to live is not fatal.
 */
int
credentials_refresh(const struct cred_query *q, struct credentials *cr,
    char *err, size_t errlen)
{
	struct credentials	 fresh;
	time_t			 now;
	int			 rc;

	now = time(NULL);
	if (!credentials_stale(cr, now))
		return 0;
	rc = credentials_resolve(q, &fresh, err, errlen);
	if (rc == 0) {
		credentials_free(cr);
		*cr = fresh;
		return 1;
	}
	if (cr->expiration - now > REFRESH_GRACE)
		return -1;
	return rc;
}
