/*
 * container - ECS task role and EKS Pod Identity credentials (SES.md
 * 4.7, 4.8).
 *
 * The full URI is held to the hosts the SDKs allow, so that whoever can
 * set the environment cannot make sesmail send the authorization token
 * in clear text to an address of their choosing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include <curl/curl.h>

#include "buf.h"
#include "container.h"
#include "credentials.h"
#include "http.h"
#include "util.h"

#define ECS_HOST	"http://169.254.170.2"

/* An EKS Pod Identity token is a JWT of a few kB. */
#define AUTH_TOKEN_MAX	(16 * 1024)

/* The container agents, reachable over plain HTTP. */
static const char *const agent_hosts[] = {
	"169.254.170.2", "169.254.170.23", "fd00:ec2::23"
};

/* env - a non-empty environment variable, or NULL. */
static const char *
env(const char *name)
{
	const char	*v;

	v = getenv(name);
	return v != NULL && *v != '\0' ? v : NULL;
}

/* container_configured - the provider is on once a URI is set. */
int
container_configured(void)
{
	return env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") != NULL ||
	    env("AWS_CONTAINER_CREDENTIALS_FULL_URI") != NULL;
}

/* plain_host_allowed - host may be spoken to over http://. */
static int
plain_host_allowed(const char *host)
{
	size_t	 i;

	if (host_is_loopback(host))
		return 1;
	for (i = 0; i < sizeof(agent_hosts) / sizeof(agent_hosts[0]); i++)
		if (host_is_address(host, agent_hosts[i]))
			return 1;
	return 0;
}

/* container_url_allowed - https anywhere, http to the agents only. */
int
container_url_allowed(const char *url, char *err, size_t errlen)
{
	CURLU	*u;
	char	*scheme = NULL, *host = NULL;
	int	 rc = -1;

	u = curl_url();
	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		seterr(err, errlen, "malformed URL");
		goto out;
	}
	/* Narrower than http_cred_url_check: not the instance metadata. */
	if (strcasecmp(scheme, "http") == 0 && !plain_host_allowed(host))
		seterr(err, errlen, "plain http:// is allowed only to a "
		    "loopback host, 169.254.170.2, 169.254.170.23 or "
		    "fd00:ec2::23");
	else
		rc = http_cred_url_check(url, err, errlen);
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

/* container_url - the relative URI on the ECS agent wins, as in the
   SDKs. */
char *
container_url(char *err, size_t errlen)
{
	struct buf	 b = BUF_INIT;
	const char	*rel, *full;
	char		 why[ERRLEN];

	rel = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	if (rel != NULL && (*rel != '/' || strpbrk(rel, " \t\r\n") != NULL)) {
		seterr(err, errlen, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI "
		    "must be a path beginning with /");
		return NULL;
	}
	if (rel != NULL && buf_printf(&b, "%s%s", ECS_HOST, rel) == -1) {
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	if (rel != NULL)
		return buf_steal(&b);
	if (full == NULL) {
		seterr(err, errlen, "no container credentials URI is set");
		return NULL;
	}
	if (container_url_allowed(full, why, sizeof(why)) == -1) {
		seterr(err, errlen, "AWS_CONTAINER_CREDENTIALS_FULL_URI %s: %s",
		    full, why);
		return NULL;
	}
	return strdup(full);
}

/*
 * auth_line - "Authorization: TOKEN" from the token file (read afresh:
 * EKS rotates it) or else the variable; *have is 0 when neither is set.
 * Returns 0 or an EX_* code with err.
 */
static int
auth_line(struct buf *line, int *have, char *err, size_t errlen)
{
	const char	*file, *value;
	char		*token = NULL;
	int		 rc;

	*have = 0;
	file = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	value = env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	if (file != NULL) {
		rc = credentials_read_token(file, AUTH_TOKEN_MAX, &token, err,
		    errlen);
		if (rc != 0)
			return rc;
		value = token;
	}
	if (value == NULL)
		return 0;
	if (has_line_break(value)) {
		seterr(err, errlen, "AWS_CONTAINER_AUTHORIZATION_TOKEN holds "
		    "a line break");
		rc = EX_CONFIG;
	} else if (buf_printf(line, "Authorization: %s", value) == -1) {
		seterr(err, errlen, "out of memory");
		rc = EX_OSERR;
	} else {
		*have = 1;
		rc = 0;
	}
	credentials_wipe_free(token);
	return rc;
}

/* status_error - a reply other than 200, as an exit code. */
static int
status_error(const char *url, long status, char *err, size_t errlen)
{
	seterr(err, errlen, "container credentials at %s: HTTP %ld", url,
	    status);
	if (status == 401 || status == 403)
		return EX_NOPERM;
	if (status >= 400 && status < 500 && status != 429)
		return EX_CONFIG;
	return EX_TEMPFAIL;
}

/* fetch - the GET, and the credentials of its reply. */
static int
fetch(const char *url, const char *auth, struct credentials *cr,
    char *err, size_t errlen)
{
	struct http_client	*http;
	struct http_response	 resp;
	const char		*hdrs[3];
	char			 why[ERRLEN];
	int			 rc;

	hdrs[0] = "Accept: application/json";
	hdrs[1] = auth;
	hdrs[2] = NULL;
	http = http_client_new_flags(NULL, CONTAINER_CONNECT_TIMEOUT,
	    CONTAINER_TIMEOUT, HTTP_METADATA | HTTP_SECRET);
	if (http == NULL) {
		seterr(err, errlen, "cannot set up libcurl");
		return EX_SOFTWARE;
	}
	if (http_request(http, "GET", url, hdrs, NULL, 0, &resp, why,
	    sizeof(why)) == -1) {
		seterr(err, errlen, "container credentials at %s: no answer "
		    "(%s)", url, why);
		rc = EX_TEMPFAIL;
	} else if (resp.status != 200)
		rc = status_error(url, resp.status, err, errlen);
	else if (credentials_parse_json(resp.body.data, resp.body.len,
	    CRED_JSON_METADATA, time(NULL), cr, why, sizeof(why)) != 0) {
		seterr(err, errlen, "container credentials at %s: %s", url,
		    why);
		rc = EX_TEMPFAIL;
	} else {
		cr->source = "container";
		rc = 0;
	}
	http_response_wipe(&resp);
	http_client_free(http);
	return rc;
}

/* cred_from_container - URL, token, then the GET. */
int
cred_from_container(struct credentials *cr, char *err, size_t errlen)
{
	struct buf	 line = BUF_INIT;
	char		*url;
	int		 have, rc;

	credentials_init(cr);
	url = container_url(err, errlen);
	if (url == NULL)
		return EX_CONFIG;
	rc = auth_line(&line, &have, err, errlen);
	if (rc == 0)
		rc = fetch(url, have ? line.data : NULL, cr, err, errlen);
	buf_wipe(&line);
	free(url);
	return rc;
}
