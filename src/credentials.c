/*
 * credentials - where the AWS keys come from.
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
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "conf.h"
#include "credentials.h"
#include "util.h"

/* A credentials file with a few dozen profiles is far below this. */
#define CRED_FILE_MAX	(64 * 1024)

/* Returned by a source that is not configured at all. */
#define NOT_SET		(-1)

struct ini {
	const char		*profile;
	int			 in_profile;	/* inside [profile] */
	int			 in_section;	/* inside any section */
	int			 found;		/* [profile] seen */
	long			 key_indent;	/* of the last key, or -1 */
	unsigned long		 lineno;
	struct credentials	 cr;
};

/* credentials_init - an empty set, safe to free. */
void
credentials_init(struct credentials *cr)
{
	cr->access_key_id = NULL;
	cr->secret_access_key = NULL;
	cr->session_token = NULL;
	cr->source = NULL;
}

/* wipe_free - overwrite a string that may hold a secret, then free it. */
static void
wipe_free(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

/* credentials_free - wipe and release all three values. */
void
credentials_free(struct credentials *cr)
{
	wipe_free(cr->access_key_id);
	wipe_free(cr->secret_access_key);
	wipe_free(cr->session_token);
	credentials_init(cr);
}

/* has_control - true when s[0..n) holds a byte that must not be sent. */
static int
has_control(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 1;
	return 0;
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
		"aws_session_token"
	};
	char	**slots[3];
	size_t	  i;

	slots[0] = &st->cr.access_key_id;
	slots[1] = &st->cr.secret_access_key;
	slots[2] = &st->cr.session_token;
	for (i = 0; i < 3; i++)
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

/*
 * credentials_parse_ini - cr need not be initialised; it is filled only
 * on success.
 */
int
credentials_parse_ini(const char *data, size_t len, const char *profile,
    struct credentials *cr, char *err, size_t errlen)
{
	struct ini	 st;
	const char	*p, *end, *nl;

	memset(&st, 0, sizeof(st));
	st.profile = profile;
	st.key_indent = -1;
	credentials_init(&st.cr);

	end = data + len;
	for (p = data; p < end; p = nl != NULL ? nl + 1 : end) {
		st.lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (ini_line(&st, p, (size_t)((nl ? nl : end) - p), err,
		    errlen) == -1)
			goto fail;
	}

	if (!st.found) {
		seterr(err, errlen, "profile %s not found", profile);
		goto fail;
	}
	if (st.cr.access_key_id == NULL || st.cr.secret_access_key == NULL) {
		seterr(err, errlen, "profile %s has no %s", profile,
		    st.cr.access_key_id == NULL ? "aws_access_key_id" :
		    "aws_secret_access_key");
		goto fail;
	}
	st.cr.source = "file";
	*cr = st.cr;
	return 0;

fail:
	credentials_free(&st.cr);
	return -1;
}

/* from_env - the SDK variables; NOT_SET when neither key is there. */
static int
from_env(struct credentials *cr, char *err, size_t errlen)
{
	const char	*id, *secret, *token;

	id = getenv("AWS_ACCESS_KEY_ID");
	secret = getenv("AWS_SECRET_ACCESS_KEY");
	token = getenv("AWS_SESSION_TOKEN");
	if (id != NULL && *id == '\0')
		id = NULL;
	if (secret != NULL && *secret == '\0')
		secret = NULL;
	if (token != NULL && *token == '\0')
		token = NULL;
	if (id == NULL && secret == NULL)
		return NOT_SET;

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

	/* O_NONBLOCK: a FIFO in place of the file must not hang us. */
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK);
	if (fd == -1 && errno == ENOENT) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		return EX_CONFIG;
	}
	if (fd == -1 && errno == ELOOP) {
		seterr(err, errlen, "%s: is a symbolic link, refused", path);
		return EX_NOPERM;
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

/* from_file - the named profile of a shared-credentials file. */
static int
from_file(const char *path, const char *profile, uid_t caller_uid,
    struct credentials *cr, char *err, size_t errlen)
{
	char	*data;
	char	 why[ERRLEN];
	size_t	 len;
	int	 fd, rc;

	rc = open_key_file(path, caller_uid, &fd, err, errlen);
	if (rc != 0)
		return rc;
	data = read_secret(fd, &len);
	if (data == NULL) {
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return errno == EFBIG ? EX_CONFIG : EX_NOPERM;
	}
	close(fd);

	rc = 0;
	if (credentials_parse_ini(data, len, profile, cr, why,
	    sizeof(why)) == -1) {
		seterr(err, errlen, "%s: %s", path, why);
		rc = EX_CONFIG;
	}
	OPENSSL_cleanse(data, CRED_FILE_MAX + 1);
	free(data);
	return rc;
}

/* profile_name - the configured profile, else AWS_PROFILE, else default. */
static const char *
profile_name(const struct conf *c)
{
	const char	*p;

	if (c->cred_profile != NULL && *c->cred_profile != '\0')
		return c->cred_profile;
	p = getenv("AWS_PROFILE");
	if (p != NULL && *p != '\0')
		return p;
	return "default";
}

/*
 * credentials_resolve - cr need not be initialised; it is left empty on
 * failure.
 */
int
credentials_resolve(const struct conf *c, uid_t caller_uid,
    struct credentials *cr, char *err, size_t errlen)
{
	int	 rc;

	credentials_init(cr);
	rc = from_env(cr, err, errlen);
	if (rc != NOT_SET)
		return rc;

	if (c->cred_file != NULL)
		return from_file(c->cred_file, profile_name(c), caller_uid,
		    cr, err, errlen);

	seterr(err, errlen, "no AWS credentials: set AWS_ACCESS_KEY_ID and "
	    "AWS_SECRET_ACCESS_KEY, or credentials { file } in %s",
	    c->path != NULL ? c->path : CONF_DEFAULT_PATH);
	return EX_CONFIG;
}
