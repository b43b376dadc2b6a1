/*
 * imds - EC2 instance metadata, IMDSv2 only (SES.md 4.9).
 *
 * Every exchange starts with a PUT for a session token; each GET then
 * carries it. Timeouts are short: off EC2 nothing answers at
 * 169.254.169.254, and sesmail must say so within a second or two, not
 * hold the caller up for the minute a default timeout would take.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include "buf.h"
#include "credentials.h"
#include "http.h"
#include "imds.h"
#include "util.h"

#define DEFAULT_IPV4	"http://169.254.169.254"
#define DEFAULT_IPV6	"http://[fd00:ec2::254]"
#define TOKEN_PATH	"/latest/api/token"
#define ROLE_PATH	"/latest/meta-data/iam/security-credentials/"
#define REGION_PATH	"/latest/meta-data/placement/region"

/* IMDS tokens are about 56 bytes; anything far longer is not one. */
#define TOKEN_MAX	1024
/* IAM role names are at most 64 characters. */
#define ROLE_MAX	64
/* Region names are DNS labels. */
#define REGION_MAX	63

/* One conversation with the metadata service. */
struct imds {
	struct http_client	*http;
	char			*base;		/* without a trailing '/' */
	char			*token;		/* IMDSv2 session token */
};

/* env - a non-empty environment variable, or NULL. */
static const char *
env(const char *name)
{
	const char	*v;

	v = getenv(name);
	return v != NULL && *v != '\0' ? v : NULL;
}

/* imds_disabled - as botocore reads AWS_EC2_METADATA_DISABLED. */
int
imds_disabled(void)
{
	const char	*v;

	v = env("AWS_EC2_METADATA_DISABLED");
	return v != NULL && strcasecmp(v, "true") == 0;
}

/* imds_base_url - the override, else the address for the mode. */
char *
imds_base_url(char *err, size_t errlen)
{
	const char	*e, *mode;
	char		 why[ERRLEN];
	char		*url;
	size_t		 n;

	e = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	mode = env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
	if (e == NULL && (mode == NULL || strcasecmp(mode, "IPv4") == 0))
		e = DEFAULT_IPV4;
	else if (e == NULL && strcasecmp(mode, "IPv6") == 0)
		e = DEFAULT_IPV6;
	if (e == NULL) {
		seterr(err, errlen, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE "
		    "must be IPv4 or IPv6");
		return NULL;
	}
	if (http_cred_url_check(e, why, sizeof(why)) == -1) {
		seterr(err, errlen, "instance metadata endpoint %s: %s", e,
		    why);
		return NULL;
	}
	url = strdup(e);
	if (url == NULL) {
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		url[--n] = '\0';
	return url;
}

/* imds_role_name - the first line of the listing, if it is a role. */
int
imds_role_name(const char *body, size_t len, char *out, size_t outlen)
{
	const char	*nl;
	size_t		 n;

	if (body == NULL)
		return -1;
	nl = memchr(body, '\n', len);
	n = nl != NULL ? (size_t)(nl - body) : len;
	while (n > 0 && (body[n - 1] == '\r' || body[n - 1] == ' '))
		n--;
	if (n == 0 || n > ROLE_MAX || n >= outlen)
		return -1;
	memcpy(out, body, n);
	out[n] = '\0';
	return strspn(out, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@-") == n ? 0 : -1;
}

/* trimmed - the length of data[0..n) without trailing white space. */
static size_t
trimmed(const char *data, size_t n)
{
	while (n > 0 && (data[n - 1] == ' ' || data[n - 1] == '\t' ||
	    data[n - 1] == '\r' || data[n - 1] == '\n'))
		n--;
	return n;
}

/* url_of - base and path, allocated; NULL when memory runs out. */
static char *
url_of(const struct imds *m, const char *path, const char *tail)
{
	struct buf	 b = BUF_INIT;

	if (buf_printf(&b, "%s%s%s", m->base, path, tail) == -1)
		return NULL;
	return buf_steal(&b);
}

/* no_answer - the message when nothing came back at all. */
static int
no_answer(const struct imds *m, const char *why, char *err, size_t errlen)
{
	seterr(err, errlen, "instance metadata at %s: no answer within %d "
	    "s (%s); off EC2, configure credentials and region, or set "
	    "AWS_EC2_METADATA_DISABLED=true", m->base, IMDS_TIMEOUT, why);
	return EX_TEMPFAIL;
}

/* token_refused - the answer to a PUT that IMDSv1-only services give. */
static int
token_refused(const struct imds *m, long status, char *err, size_t errlen)
{
	seterr(err, errlen, "instance metadata at %s refused the IMDSv2 "
	    "token (HTTP %ld): it serves only IMDSv1, which sesmail never "
	    "uses; require IMDSv2 on the instance (HttpTokens=required)",
	    m->base, status);
	return EX_CONFIG;
}

/* take_token - the token of a 200 reply. */
static int
take_token(struct imds *m, const struct buf *body, char *err,
    size_t errlen)
{
	size_t	 i, n;

	n = trimmed(body->data, body->len);
	for (i = 0; i < n; i++)
		if ((unsigned char)body->data[i] <= 0x20 ||
		    body->data[i] == 0x7f)
			break;
	if (n == 0 || n > TOKEN_MAX || i < n) {
		seterr(err, errlen, "instance metadata at %s: malformed "
		    "IMDSv2 token", m->base);
		return EX_TEMPFAIL;
	}
	m->token = strndup(body->data, n);
	if (m->token == NULL) {
		seterr(err, errlen, "out of memory");
		return EX_OSERR;
	}
	return 0;
}

/* get_token - PUT /latest/api/token; never a fallback to IMDSv1. */
static int
get_token(struct imds *m, char *err, size_t errlen)
{
	static const char *const hdrs[] = {
		"X-aws-ec2-metadata-token-ttl-seconds: 21600",
		/* libcurl would call the empty body a form. */
		"Content-Type:",
		NULL
	};
	struct http_response	 resp;
	char			 why[ERRLEN];
	char			*url;
	int			 rc;

	url = url_of(m, TOKEN_PATH, "");
	if (url == NULL) {
		seterr(err, errlen, "out of memory");
		return EX_OSERR;
	}
	if (http_request(m->http, "PUT", url, hdrs, "", 0, &resp, why,
	    sizeof(why)) == -1)
		rc = no_answer(m, why, err, errlen);
	else if (resp.status == 403 || resp.status == 404 ||
	    resp.status == 405)
		rc = token_refused(m, resp.status, err, errlen);
	else if (resp.status != 200) {
		seterr(err, errlen, "instance metadata at %s: HTTP %ld to "
		    "the token request", m->base, resp.status);
		rc = EX_TEMPFAIL;
	} else
		rc = take_token(m, &resp.body, err, errlen);
	http_response_wipe(&resp);
	free(url);
	return rc;
}

/* imds_close - wipe the token, close the connection. */
static void
imds_close(struct imds *m)
{
	http_client_free(m->http);
	credentials_wipe_free(m->token);
	free(m->base);
	memset(m, 0, sizeof(*m));
}

/* imds_open - endpoint, client, and a session token. */
static int
imds_open(struct imds *m, char *err, size_t errlen)
{
	int	 rc;

	memset(m, 0, sizeof(*m));
	m->base = imds_base_url(err, errlen);
	if (m->base == NULL)
		return EX_CONFIG;
	m->http = http_client_new_flags(NULL, IMDS_TIMEOUT, IMDS_TIMEOUT,
	    HTTP_METADATA | HTTP_SECRET);
	if (m->http == NULL) {
		seterr(err, errlen, "cannot set up libcurl");
		imds_close(m);
		return EX_SOFTWARE;
	}
	rc = get_token(m, err, errlen);
	if (rc != 0)
		imds_close(m);
	return rc;
}

/*
 * imds_get - GET path + tail with the token. Returns 0 when a reply
 * came (resp holds it, whatever its status), else an EX_* code.
 */
static int
imds_get(struct imds *m, const char *path, const char *tail,
    struct http_response *resp, char *err, size_t errlen)
{
	struct buf	 line = BUF_INIT;
	const char	*hdrs[2];
	char		 why[ERRLEN];
	char		*url;
	int		 rc = 0;

	buf_init(&resp->body);
	resp->date = NULL;
	resp->status = 0;
	url = url_of(m, path, tail);
	if (url == NULL ||
	    buf_printf(&line, "X-aws-ec2-metadata-token: %s", m->token) == -1) {
		seterr(err, errlen, "out of memory");
		rc = EX_OSERR;
		goto out;
	}
	hdrs[0] = line.data;
	hdrs[1] = NULL;
	if (http_request(m->http, "GET", url, hdrs, NULL, 0, resp, why,
	    sizeof(why)) == -1)
		rc = no_answer(m, why, err, errlen);
out:
	buf_wipe(&line);
	free(url);
	return rc;
}

/* bad_status - a reply other than 200 to a GET. */
static int
bad_status(const struct imds *m, const char *what, long status, char *err,
    size_t errlen)
{
	seterr(err, errlen, "instance metadata at %s: HTTP %ld for %s",
	    m->base, status, what);
	return EX_TEMPFAIL;
}

/* role_name - the role attached to the instance. */
static int
role_name(struct imds *m, char *role, size_t rolelen, char *err,
    size_t errlen)
{
	struct http_response	 resp;
	int			 rc;

	rc = imds_get(m, ROLE_PATH, "", &resp, err, errlen);
	if (rc != 0)
		goto out;
	if (resp.status == 404) {
		seterr(err, errlen, "instance metadata at %s: no IAM role is "
		    "attached to this instance", m->base);
		rc = EX_CONFIG;
	} else if (resp.status != 200)
		rc = bad_status(m, "the role name", resp.status, err, errlen);
	else if (imds_role_name(resp.body.data, resp.body.len, role,
	    rolelen) == -1) {
		seterr(err, errlen, "instance metadata at %s: malformed role "
		    "name", m->base);
		rc = EX_TEMPFAIL;
	}
out:
	http_response_free(&resp);
	return rc;
}

/* role_credentials - the role's keys, checked and not expired. */
static int
role_credentials(struct imds *m, const char *role, struct credentials *cr,
    char *err, size_t errlen)
{
	struct http_response	 resp;
	char			 why[ERRLEN];
	int			 rc;

	rc = imds_get(m, ROLE_PATH, role, &resp, err, errlen);
	if (rc != 0)
		goto out;
	if (resp.status != 200) {
		rc = bad_status(m, "the role's credentials", resp.status, err,
		    errlen);
		goto out;
	}
	if (credentials_parse_json(resp.body.data, resp.body.len,
	    CRED_JSON_METADATA, time(NULL), cr, why, sizeof(why)) != 0) {
		seterr(err, errlen, "instance metadata at %s: credentials of "
		    "role %s: %s", m->base, role, why);
		rc = EX_TEMPFAIL;
		goto out;
	}
	cr->source = "instance metadata";
out:
	http_response_wipe(&resp);
	return rc;
}

/* cred_from_imds - token, role name, role credentials. */
int
cred_from_imds(struct credentials *cr, char *err, size_t errlen)
{
	struct imds	 m;
	char		 role[ROLE_MAX + 1];
	int		 rc;

	credentials_init(cr);
	rc = imds_open(&m, err, errlen);
	if (rc != 0)
		return rc;
	rc = role_name(&m, role, sizeof(role), err, errlen);
	if (rc == 0)
		rc = role_credentials(&m, role, cr, err, errlen);
	imds_close(&m);
	return rc;
}

/* region_of - the region in a reply body, if it is one. */
static char *
region_of(const struct buf *body)
{
	size_t	 n;
	char	*r;

	n = trimmed(body->data, body->len);
	if (n == 0 || n > REGION_MAX)
		return NULL;
	r = strndup(body->data, n);
	if (r != NULL && strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
	    n) {
		free(r);
		r = NULL;
	}
	return r;
}

/* imds_region - placement/region, as the JS SDK v3 reads it. */
int
imds_region(char **region, char *err, size_t errlen)
{
	struct http_response	 resp;
	struct imds		 m;
	int			 rc;

	*region = NULL;
	rc = imds_open(&m, err, errlen);
	if (rc != 0)
		return rc;
	rc = imds_get(&m, REGION_PATH, "", &resp, err, errlen);
	if (rc == 0 && resp.status != 200)
		rc = bad_status(&m, "the region", resp.status, err, errlen);
	if (rc == 0) {
		*region = region_of(&resp.body);
		if (*region == NULL) {
			seterr(err, errlen, "instance metadata at %s: "
			    "malformed region", m.base);
			rc = EX_TEMPFAIL;
		}
	}
	http_response_free(&resp);
	imds_close(&m);
	return rc;
}
