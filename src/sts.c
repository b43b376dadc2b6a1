/*
 * sts - AssumeRole and AssumeRoleWithWebIdentity.
 *
 * The reply is read like SES's (xmlreply.h), but by path: only the keys
 * inside <Credentials>, the Arn inside <AssumedRoleUser> and the fields
 * of <Error> are taken, and nothing is cut short, because a session token
 * has no fixed length (SES.md 4.5).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/rand.h>

#include "buf.h"
#include "conf.h"
#include "credentials.h"
#include "http.h"
#include "sigv4.h"
#include "sts.h"
#include "util.h"
#include "xmlreply.h"

#define API_VERSION	"2011-06-15"
#define CONTENT_TYPE	"application/x-www-form-urlencoded; charset=utf-8"

/* Attempts of one call while the failure is retryable (SES.md 5.1). */
#define ATTEMPTS	3
/* Full-jitter backoff: base and cap, in milliseconds. */
#define BACKOFF_BASE	1000
#define BACKOFF_MAX	20000

/* Longest element text kept; a session token is a few kB at most. */
#define TEXT_MAX	(16 * 1024)

/* Error codes and what they mean for the caller (SES.md 4.5, 4.6, 5.2). */
static const struct {
	const char	*code;
	int		 exit;
} code_exits[] = {
	/* Transient or throttling: retried, then EX_TEMPFAIL. */
	{ "IDPCommunicationError",		EX_TEMPFAIL },
	{ "Throttling",				EX_TEMPFAIL },
	{ "ThrottlingException",		EX_TEMPFAIL },
	{ "ThrottledException",			EX_TEMPFAIL },
	{ "RequestThrottledException",		EX_TEMPFAIL },
	{ "TooManyRequestsException",		EX_TEMPFAIL },
	{ "RequestLimitExceeded",		EX_TEMPFAIL },
	{ "RequestThrottled",			EX_TEMPFAIL },
	{ "SlowDown",				EX_TEMPFAIL },
	{ "RequestTimeout",			EX_TEMPFAIL },
	{ "RequestTimeoutException",		EX_TEMPFAIL },
	{ "PriorRequestNotComplete",		EX_TEMPFAIL },
	{ "ServiceUnavailable",			EX_TEMPFAIL },
	{ "InternalFailure",			EX_TEMPFAIL },
	/* The caller, its keys or its token are refused. */
	{ "AccessDenied",			EX_NOPERM },
	{ "InvalidClientTokenId",		EX_NOPERM },
	{ "SignatureDoesNotMatch",		EX_NOPERM },
	{ "IncompleteSignature",		EX_NOPERM },
	{ "MissingAuthenticationToken",		EX_NOPERM },
	{ "ExpiredToken",			EX_NOPERM },
	{ "ExpiredTokenException",		EX_NOPERM },
	{ "RequestExpired",			EX_NOPERM },
	{ "IDPRejectedClaim",			EX_NOPERM },
	{ "InvalidIdentityToken",		EX_NOPERM },
	/* The request is wrong: the configuration must change. */
	{ "MalformedPolicyDocument",		EX_CONFIG },
	{ "PackedPolicyTooLarge",		EX_CONFIG },
	{ "RegionDisabledException",		EX_CONFIG },
	{ "ValidationError",			EX_CONFIG },
	{ "InvalidParameterValue",		EX_CONFIG },
	{ "MissingParameter",			EX_CONFIG },
	{ "InvalidAction",			EX_CONFIG },
};

/* sts_exitcode - status and code to a sysexits value (table above). */
int
sts_exitcode(long http_status, const char *code)
{
	size_t	 i;

	if (http_status == 0 || http_status >= 500)
		return EX_TEMPFAIL;
	for (i = 0; code != NULL && i < sizeof(code_exits) /
	    sizeof(code_exits[0]); i++)
		if (strcmp(code, code_exits[i].code) == 0)
			return code_exits[i].exit;
	if (http_status == 429)
		return EX_TEMPFAIL;
	if (http_status == 401 || http_status == 403)
		return EX_NOPERM;
	if (http_status >= 400)
		return EX_CONFIG;
	return EX_TEMPFAIL;
}

/* env - a non-empty environment variable, or NULL. */
static const char *
env(const char *name)
{
	const char	*v;

	v = getenv(name);
	return v != NULL && *v != '\0' ? v : NULL;
}

/* sts_endpoint - as the SDKs choose it: environment, then the file. */
char *
sts_endpoint(const struct conf *c, const char *region)
{
	struct buf	 b = BUF_INIT;
	const char	*e = NULL, *ignore;

	ignore = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	if (ignore == NULL || strcasecmp(ignore, "true") != 0) {
		e = env("AWS_ENDPOINT_URL_STS");
		if (e == NULL)
			e = env("AWS_ENDPOINT_URL");
	}
	if (e == NULL && c->sts_endpoint != NULL && *c->sts_endpoint != '\0')
		e = c->sts_endpoint;
	if (e != NULL)
		return strdup(e);

	if (region == NULL ||
	    buf_printf(&b, "https://sts.%s.amazonaws.com", region) == -1)
		return NULL;
	return buf_steal(&b);
}

/* append_param - "&name=" and value, every byte but [A-Za-z0-9-_.~]
   %-encoded (a '+' would be read as a space). */
static int
append_param(struct buf *out, const char *name, const char *value)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;

	if (buf_printf(out, "&%s=", name) == -1)
		return -1;
	for (p = (const unsigned char *)value; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("-_.~", *p) != NULL) {
			if (buf_appendc(out, (char)*p) == -1)
				return -1;
			continue;
		}
		if (buf_appendc(out, '%') == -1 ||
		    buf_appendc(out, hex[*p >> 4]) == -1 ||
		    buf_appendc(out, hex[*p & 0x0f]) == -1)
			return -1;
	}
	return 0;
}

/*
 * sts_form_body - botocore serialises the members in the order of the
 * input shape: RoleArn, RoleSessionName, WebIdentityToken, Policy,
 * ExternalId.
 */
int
sts_form_body(const struct sts_call *call, struct buf *out)
{
	int	 web = call->web_identity_token != NULL;

	if (buf_printf(out, "Action=%s&Version=" API_VERSION,
	    web ? "AssumeRoleWithWebIdentity" : "AssumeRole") == -1 ||
	    append_param(out, "RoleArn", call->role_arn) == -1 ||
	    append_param(out, "RoleSessionName", call->session_name) == -1)
		return -1;
	if (web && append_param(out, "WebIdentityToken",
	    call->web_identity_token) == -1)
		return -1;
	if (call->policy != NULL &&
	    append_param(out, "Policy", call->policy) == -1)
		return -1;
	if (!web && call->external_id != NULL &&
	    append_param(out, "ExternalId", call->external_id) == -1)
		return -1;
	return 0;
}

/* sts_reply_init - an empty reply. */
void
sts_reply_init(struct sts_reply *r)
{
	memset(r, 0, sizeof(*r));
	credentials_init(&r->cr);
}

/* sts_reply_free - wipe the keys, release everything. */
void
sts_reply_free(struct sts_reply *r)
{
	credentials_free(&r->cr);
	free(r->expiration);
	free(r->assumed_arn);
	free(r->error_code);
	free(r->error_message);
	free(r->request_id);
	sts_reply_init(r);
}

/* cred_field - a member of <Credentials>, or NULL; the keys are secret. */
static char **
cred_field(struct sts_reply *r, const char *name, int *secret)
{
	if (strcmp(name, "AccessKeyId") == 0)
		return &r->cr.access_key_id;
	if (strcmp(name, "Expiration") == 0)
		return &r->expiration;
	if (strcmp(name, "SecretAccessKey") == 0) {
		*secret = 1;
		return &r->cr.secret_access_key;
	}
	if (strcmp(name, "SessionToken") == 0) {
		*secret = 1;
		return &r->cr.session_token;
	}
	return NULL;
}

/* reply_field - which reply field the element path[n - 1] fills. */
static char **
reply_field(void *arg, const char *const *path, size_t n, int *secret)
{
	struct sts_reply	*r = arg;
	const char		*name = path[n - 1];

	if (xmlreply_child_of(path, n, "Credentials"))
		return cred_field(r, name, secret);
	if (xmlreply_child_of(path, n, "AssumedRoleUser"))
		return strcmp(name, "Arn") == 0 ? &r->assumed_arn : NULL;
	if (xmlreply_inside(path, n, "Error") && strcmp(name, "Code") == 0)
		return &r->error_code;
	if (xmlreply_inside(path, n, "Error") && strcmp(name, "Message") == 0)
		return &r->error_message;
	if (strcmp(name, "RequestId") == 0)
		return &r->request_id;
	return NULL;
}

/* sts_parse_reply - the fields of an STS reply, by path. */
int
sts_parse_reply(const char *xml, size_t len, struct sts_reply *r)
{
	const struct xmlreply_opts	 opts = {
		.text_max = TEXT_MAX,
		.select = reply_field,
		.arg = r
	};

	if (xmlreply_parse(xml, len, &opts) == -1) {
		sts_reply_free(r);
		return -1;
	}
	return 0;
}

/* sts_session_name - who assumed the role, as CloudTrail will show. */
int
sts_session_name(const char *user, const char *host, char *out,
    size_t outlen)
{
	static const char	 ok[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@-";
	size_t			 i;

	if (outlen < STS_SESSION_NAME_MAX + 1)
		return -1;
	if (user == NULL || *user == '\0')
		user = "unknown";
	if (host != NULL && *host != '\0')
		snprintf(out, STS_SESSION_NAME_MAX + 1, "sesmail-%s@%s", user,
		    host);
	else
		snprintf(out, STS_SESSION_NAME_MAX + 1, "sesmail-%s", user);
	for (i = 0; out[i] != '\0'; i++)
		if (strchr(ok, out[i]) == NULL)
			out[i] = '_';
	return 0;
}

/* add_sender - s into the list, once. */
static int
add_sender(json_object *list, const char *s)
{
	size_t	 i, n;

	if (s == NULL || *s == '\0')
		return 0;
	n = json_object_array_length(list);
	for (i = 0; i < n; i++)
		if (strcmp(json_object_get_string(
		    json_object_array_get_idx(list, i)), s) == 0)
			return 0;
	return json_object_array_add(list, json_object_new_string(s));
}

/* senders - the configured senders as a JSON array, or NULL. */
static json_object *
senders(const struct conf *c)
{
	json_object	*list;
	size_t		 i;

	list = json_object_new_array();
	if (list == NULL || add_sender(list, c->sender) == -1)
		goto fail;
	for (i = 0; i < c->nusers; i++)
		if (add_sender(list, c->users[i].sender) == -1)
			goto fail;
	return list;

fail:
	json_object_put(list);
	return NULL;
}

/* The session policy, but for the senders that StringEquals lists. */
#define POLICY_TEMPLATE "{\"Version\":\"2012-10-17\",\"Statement\":[{" \
	"\"Effect\":\"Allow\"," \
	"\"Action\":[\"ses:SendRawEmail\",\"ses:SendEmail\"]," \
	"\"Resource\":\"*\"," \
	"\"Condition\":{\"StringEquals\":{}}}]}"

/* policy_doc - the template with the sender list (which it takes). */
static json_object *
policy_doc(json_object *from)
{
	json_object	*doc, *list, *cond, *eq;

	doc = json_tokener_parse(POLICY_TEMPLATE);
	if (doc == NULL ||
	    !json_object_object_get_ex(doc, "Statement", &list) ||
	    !json_object_object_get_ex(json_object_array_get_idx(list, 0),
	    "Condition", &cond) ||
	    !json_object_object_get_ex(cond, "StringEquals", &eq) ||
	    json_object_object_add(eq, "ses:FromAddress", from) != 0) {
		json_object_put(doc);
		json_object_put(from);
		return NULL;
	}
	return doc;
}

/*
 * sts_session_policy - the role, whatever it allows, can then send only
 * from these addresses: a leaked session is worth no more than that.
 */
int
sts_session_policy(const struct conf *c, char **out, char *err,
    size_t errlen)
{
	json_object	*from, *doc = NULL;
	const char	*text;
	int		 rc = EX_OSERR;

	*out = NULL;
	from = senders(c);
	if (from == NULL) {
		seterr(err, errlen, "out of memory");
		return EX_OSERR;
	}
	if (json_object_array_length(from) == 0) {
		json_object_put(from);
		seterr(err, errlen, "session_policy needs a sender to allow");
		return EX_CONFIG;
	}
	doc = policy_doc(from);
	text = doc == NULL ? NULL : json_object_to_json_string_ext(doc,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (text == NULL) {
		seterr(err, errlen, "out of memory");
		goto out;
	}
	if (strlen(text) > STS_POLICY_MAX) {
		seterr(err, errlen, "the session policy would be %zu "
		    "characters, STS takes %d: name fewer senders",
		    strlen(text), STS_POLICY_MAX);
		rc = EX_CONFIG;
		goto out;
	}
	*out = strdup(text);
	if (*out == NULL) {
		seterr(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	json_object_put(doc);
	return rc;
}

/* sigv4_fill - the request to sign (headers h[0..nh) already set). */
static void
sigv4_fill(struct sigv4_request *req, const struct sts_call *call,
    const char *path, const struct sigv4_header *h, size_t nh,
    const char *sha, const char *date)
{
	memset(req, 0, sizeof(*req));
	req->method = "POST";
	req->path = path;
	req->headers = h;
	req->nheaders = nh;
	req->payload_sha256 = sha;
	req->amz_date = date;
	req->region = call->region;
	req->service = "sts";
	req->access_key_id = call->signer->access_key_id;
	req->secret_access_key = call->signer->secret_access_key;
	req->session_token = call->signer->session_token;
}

/*
 * sign - the header lines of a signed call: Content-Type, Host,
 * X-Amz-Date, X-Amz-Security-Token when the signer has one, and
 * Authorization over all of them. Returns 0 or an EX_* code.
 */
static int
sign(const struct sts_call *call, const struct buf *body,
    struct http_headers *l, char *err, size_t errlen)
{
	struct sigv4_header	 h[4];
	struct sigv4_request	 req;
	struct sigv4_result	 res;
	char			 date[17], sha[65];
	char			*host, *path;
	size_t			 i, nh = 0;
	int			 rc = EX_OSERR;

	memset(&res, 0, sizeof(res));
	host = http_url_host(call->endpoint);
	path = http_url_path(call->endpoint, err, errlen);
	if (host == NULL || path == NULL) {
		seterr(err, errlen, "STS endpoint %s: not a usable URL",
		    call->endpoint);
		rc = EX_CONFIG;
		goto out;
	}
	amz_date_now(date);
	sigv4_sha256_hex(body->data, body->len, sha);
	h[nh].name = "Content-Type";
	h[nh++].value = CONTENT_TYPE;
	h[nh].name = "Host";
	h[nh++].value = host;
	h[nh].name = "X-Amz-Date";
	h[nh++].value = date;
	if (call->signer->session_token != NULL) {
		h[nh].name = "X-Amz-Security-Token";
		h[nh++].value = call->signer->session_token;
	}
	sigv4_fill(&req, call, path, h, nh, sha, date);
	if (sigv4_sign(&req, &res) == -1) {
		seterr(err, errlen, "cannot sign the STS request");
		rc = EX_SOFTWARE;
		goto out;
	}
	for (i = 0; i < nh; i++)
		if (http_headers_add(l, h[i].name, h[i].value) == -1)
			goto nomem;
	if (http_headers_add(l, "Authorization", res.authorization) == -1)
		goto nomem;
	rc = 0;
	goto out;

nomem:
	seterr(err, errlen, "out of memory");
out:
	sigv4_result_free(&res);
	free(host);
	free(path);
	return rc;
}

/* action - the operation's name, for messages. */
static const char *
action(const struct sts_call *call)
{
	return call->web_identity_token != NULL ?
	    "AssumeRoleWithWebIdentity" : "AssumeRole";
}

/* take_credentials - a complete 200 reply into out. */
static int
take_credentials(const struct sts_call *call, struct sts_reply *r,
    struct credentials *out, char *err, size_t errlen)
{
	time_t	 exp;

	if (r->cr.access_key_id == NULL || r->cr.secret_access_key == NULL ||
	    r->cr.session_token == NULL || r->expiration == NULL ||
	    credentials_parse_time(r->expiration, &exp) == -1) {
		seterr(err, errlen, "STS %s: the reply lacks credentials or "
		    "a valid Expiration", action(call));
		return EX_TEMPFAIL;
	}
	*out = r->cr;
	credentials_init(&r->cr);
	out->expiration = exp;
	out->role_arn = r->assumed_arn != NULL ? r->assumed_arn :
	    strdup(call->role_arn);
	r->assumed_arn = NULL;
	if (out->role_arn == NULL) {
		credentials_free(out);
		seterr(err, errlen, "out of memory");
		return EX_OSERR;
	}
	return 0;
}

/* read_reply - what STS answered, as an exit code and a reason. */
static int
read_reply(const struct sts_call *call, const struct http_response *resp,
    struct credentials *out, char *err, size_t errlen)
{
	struct sts_reply	 r;
	int			 parsed, rc;

	sts_reply_init(&r);
	r.http_status = resp->status;
	parsed = sts_parse_reply(resp->body.data, resp->body.len, &r);
	if (resp->status == 200 && parsed == 0) {
		rc = take_credentials(call, &r, out, err, errlen);
		goto out;
	}
	if (parsed == 0 && r.error_code != NULL) {
		seterr(err, errlen, "STS refused %s for %s: %s: %s",
		    action(call), call->role_arn, r.error_code,
		    r.error_message != NULL ? r.error_message : "");
		rc = sts_exitcode(resp->status, r.error_code);
		goto out;
	}
	seterr(err, errlen, "STS %s: unreadable reply (HTTP %ld)",
	    action(call), resp->status);
	rc = resp->status >= 400 ? sts_exitcode(resp->status, NULL) :
	    EX_TEMPFAIL;
out:
	sts_reply_free(&r);
	return rc;
}

/* attempt - one request, freshly signed. */
static int
attempt(struct http_client *http, const struct sts_call *call,
    const struct buf *body, struct credentials *out, char *err,
    size_t errlen)
{
	struct http_response	 resp;
	struct http_headers	 l;
	char			 why[ERRLEN];
	int			 rc;

	memset(&l, 0, sizeof(l));
	buf_init(&resp.body);
	resp.date = NULL;
	resp.status = 0;
	/* AssumeRoleWithWebIdentity is unsigned: the token is the proof. */
	rc = 0;
	if (call->web_identity_token == NULL)
		rc = sign(call, body, &l, err, errlen);
	else if (http_headers_add(&l, "Content-Type", CONTENT_TYPE) == -1) {
		seterr(err, errlen, "out of memory");
		rc = EX_OSERR;
	}
	if (rc != 0)
		goto out;
	if (http_request(http, "POST", call->endpoint,
	    (const char *const *)l.v, body->data, body->len, &resp, why,
	    sizeof(why)) == -1) {
		seterr(err, errlen, "STS %s at %s: no reply: %s",
		    action(call), call->endpoint, why);
		rc = EX_TEMPFAIL;
		goto out;
	}
	rc = read_reply(call, &resp, out, err, errlen);
out:
	http_response_wipe(&resp);
	http_headers_wipe(&l);
	return rc;
}

/* backoff - full jitter: a random wait below min(base * 2^n, cap). */
static void
backoff(int n)
{
	struct timespec	 ts;
	unsigned int	 r;
	long		 ms;

	ms = BACKOFF_BASE;
	while (n-- > 1 && ms < BACKOFF_MAX)
		ms *= 2;
	if (ms > BACKOFF_MAX)
		ms = BACKOFF_MAX;
	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = 0;
	ms = (long)(r % (unsigned int)ms);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/* len0 - strlen, 0 for NULL. */
static size_t
len0(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

/*
 * form_bound - at least the length of the form: every value at most
 * triples when %-encoded. Reserved at once, so that the buffer holding
 * the web identity token never moves and leaves a copy behind.
 */
static size_t
form_bound(const struct sts_call *call)
{
	return 256 + 3 * (len0(call->role_arn) + len0(call->session_name) +
	    len0(call->web_identity_token) + len0(call->policy) +
	    len0(call->external_id));
}

/* sts_assume - the call, retried while retrying can help. */
int
sts_assume(const struct sts_call *call, struct credentials *out,
    char *err, size_t errlen)
{
	struct http_client	*http;
	struct buf		 body = BUF_INIT;
	int			 n, rc;

	credentials_init(out);
	if (http_url_check(call->endpoint, err, errlen) == -1)
		return EX_CONFIG;
	http = http_client_new_flags(call->ca_file, call->connect_timeout,
	    call->timeout, HTTP_SECRET);
	if (http == NULL || buf_reserve(&body, form_bound(call)) == -1 ||
	    sts_form_body(call, &body) == -1) {
		seterr(err, errlen, "cannot set up the STS request");
		rc = EX_OSERR;
		goto out;
	}
	for (n = 1;; n++) {
		rc = attempt(http, call, &body, out, err, errlen);
		if (rc != EX_TEMPFAIL || n == ATTEMPTS)
			break;
		backoff(n);
	}
out:
	buf_wipe(&body);
	http_client_free(http);
	return rc;
}
