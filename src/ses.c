/*
 * ses - one call that sends a raw message: request body, signing, reply.
 *
 * SES v1 SendRawEmail is a form POST (Query protocol, version 2010-12-01)
 * laid out as botocore lays it out, so tests compare it byte for byte
 * with the SDK's own output; its reply is XML, read by element name
 * (xmlreply.h). SES v2 SendEmail (REST-JSON, 2019-09-27) takes larger
 * messages: a JSON POST to /v2/email/outbound-emails, its reply JSON,
 * read with json-c. Either body is made on the fly (body.h).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "body.h"
#include "buf.h"
#include "conf.h"
#include "credentials.h"
#include "http.h"
#include "ses.h"
#include "sigv4.h"
#include "util.h"
#include "xmlreply.h"

#define FORM_HEAD	"Action=SendRawEmail&Version=2010-12-01"
#define CONTENT_TYPE	"application/x-www-form-urlencoded; charset=utf-8"
#define JSON_TYPE	"application/json"
#define V2_PATH		"/v2/email/outbound-emails"

/* Bodies up to this size go in one block rather than streamed. */
#define INLINE_MAX	(64 * 1024)

/* Input bytes per base64 step: a multiple of 3, so no '=' inside. */
#define B64_CHUNK	(3 * 1024)

/* Text kept from one reply element; SES messages are far shorter. */
#define REPLY_TEXT_MAX	2048

/*
 * What each error code means for the caller of sendmail. Codes not here
 * are decided by HTTP status in ses_exitcode.
 */
static const struct {
	const char	*code;
	int		 exit;
} code_exits[] = {
	/* Transient or throttling: try again later. */
	{ "Throttling",				EX_TEMPFAIL },
	{ "ThrottlingException",		EX_TEMPFAIL },
	{ "TooManyRequestsException",		EX_TEMPFAIL },
	{ "ServiceUnavailable",			EX_TEMPFAIL },
	{ "InternalFailure",			EX_TEMPFAIL },
	{ "RequestTimeout",			EX_TEMPFAIL },
	{ "RequestTimeoutException",		EX_TEMPFAIL },
	{ "PriorRequestNotComplete",		EX_TEMPFAIL },
	/* Temporary credentials ran out: new ones may come later. */
	{ "ExpiredToken",			EX_TEMPFAIL },
	{ "ExpiredTokenException",		EX_TEMPFAIL },
	/* Our keys, signature or account are refused. */
	{ "InvalidClientTokenId",		EX_NOPERM },
	{ "SignatureDoesNotMatch",		EX_NOPERM },
	{ "IncompleteSignature",		EX_NOPERM },
	{ "MissingAuthenticationToken",		EX_NOPERM },
	{ "AccessDenied",			EX_NOPERM },
	{ "AccessDeniedException",		EX_NOPERM },
	{ "NotAuthorized",			EX_NOPERM },
	{ "OptInRequired",			EX_NOPERM },
	{ "ExpiredToken",			EX_NOPERM },
	/* Our clock, when the one correction did not mend it. */
	{ "RequestExpired",			EX_NOPERM },
	{ "RequestTimeTooSkewed",		EX_NOPERM },
	{ "RequestInTheFuture",			EX_NOPERM },
	/* Sending is paused: the message goes once someone resumes it,
	   so the caller (or sesmail -q) should try again later. */
	{ "AccountSendingPausedException",	EX_TEMPFAIL },
	{ "ConfigurationSetSendingPausedException", EX_TEMPFAIL },
	/* This message will not go, however often it is tried. */
	{ "MessageRejected",			EX_UNAVAILABLE },
	{ "MailFromDomainNotVerifiedException",	EX_UNAVAILABLE },
	{ "AccountSuspendedException",		EX_UNAVAILABLE },
	{ "ConfigurationSetDoesNotExist",	EX_CONFIG },
	/* SES v2's names for the same. */
	{ "SendingPausedException",		EX_TEMPFAIL },
	{ "LimitExceededException",		EX_TEMPFAIL },
	{ "NotFoundException",			EX_CONFIG },
	{ "BadRequestException",		EX_DATAERR },
	/* The request itself is malformed. */
	{ "InvalidParameterValue",		EX_DATAERR },
	{ "InvalidParameterCombination",	EX_DATAERR },
	{ "MissingParameter",			EX_DATAERR },
	{ "ValidationError",			EX_DATAERR },
	{ "MalformedQueryString",		EX_DATAERR },
	{ "InvalidQueryParameter",		EX_DATAERR },
	{ "MissingAction",			EX_DATAERR },
	{ "InvalidAction",			EX_DATAERR },
};

/* ses_exitcode - status and code to a sysexits value (table above). */
int
ses_exitcode(long http_status, const char *code)
{
	size_t	 i;

	/* No reply or a server fault: SDKs retry these whatever the code. */
	if (http_status == 0 || http_status >= 500)
		return EX_TEMPFAIL;
	for (i = 0; code != NULL && i < sizeof(code_exits) /
	    sizeof(code_exits[0]); i++)
		if (strcmp(code, code_exits[i].code) == 0)
			return code_exits[i].exit;
	/* Too many requests, whatever the body says (or fails to):
	   retried as throttling (retry.c), so not refused for good. */
	if (http_status == 429)
		return EX_TEMPFAIL;
	if (http_status == 403)
		return EX_NOPERM;
	if (http_status >= 400)
		return EX_UNAVAILABLE;
	/* Not a failure SES reported: do not lose the message. */
	return EX_TEMPFAIL;
}

/* ses_pick_api - v1 while it takes the message, unless told otherwise. */
int
ses_pick_api(const char *api, size_t b64len)
{
	if (api != NULL && strcmp(api, "v1") == 0)
		return b64len <= SES_V1_MAX_B64 ? SES_API_V1 : 0;
	if (b64len > SES_V2_MAX_B64)
		return 0;
	if (api != NULL && strcmp(api, "v2") == 0)
		return SES_API_V2;
	return b64len <= SES_V1_MAX_B64 ? SES_API_V1 : SES_API_V2;
}

/* ses_max_raw - 3 bytes for every 4 base64 characters allowed. */
size_t
ses_max_raw(const char *api)
{
	if (api != NULL && strcmp(api, "v1") == 0)
		return SES_V1_MAX_B64 / 4 * 3;
	return SES_V2_MAX_B64 / 4 * 3;
}

/* env - a non-empty environment variable, or NULL. */
static const char *
env(const char *name)
{
	const char	*v;

	v = getenv(name);
	return v != NULL && *v != '\0' ? v : NULL;
}

/* ses_region - the configured region, else the SDKs' variables. */
const char *
ses_region(const struct conf *c)
{
	if (c->region != NULL && *c->region != '\0')
		return c->region;
	if (env("AWS_REGION") != NULL)
		return env("AWS_REGION");
	return env("AWS_DEFAULT_REGION");
}

/*
 * ses_endpoint - as the SDKs choose it, the shim's own setting first.
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true makes the SDKs ignore the
 * endpoint variables; it does the same here. NULL also when no region
 * is known and nothing names an endpoint.
 */
char *
ses_endpoint(const struct conf *c, const char *region)
{
	struct buf	 b = BUF_INIT;
	const char	*e, *ignore;

	if (c->endpoint != NULL && *c->endpoint != '\0')
		return strdup(c->endpoint);

	ignore = env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	if (ignore == NULL || strcasecmp(ignore, "true") != 0) {
		e = env("AWS_ENDPOINT_URL_SES");
		if (e == NULL)
			e = env("AWS_ENDPOINT_URL");
		if (e != NULL)
			return strdup(e);
	}

	if (region == NULL ||
	    buf_printf(&b, "https://email.%s.amazonaws.com", region) == -1)
		return NULL;
	return buf_steal(&b);
}

/* unreserved - RFC 3986 unreserved bytes, the only ones sent as is. */
static int
unreserved(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
	    ch == '.' || ch == '~';
}

/*
 * pct_encode - %-encode s[0..n) into dst, or only count when dst is
 * NULL. Returns the encoded length.
 */
static size_t
pct_encode(const unsigned char *s, size_t n, char *dst)
{
	static const char	 hex[] = "0123456789ABCDEF";
	size_t			 i, len = 0;

	for (i = 0; i < n; i++) {
		if (unreserved(s[i])) {
			if (dst != NULL)
				dst[len] = (char)s[i];
			len++;
			continue;
		}
		if (dst != NULL) {
			dst[len] = '%';
			dst[len + 1] = hex[s[i] >> 4];
			dst[len + 2] = hex[s[i] & 0x0f];
		}
		len += 3;
	}
	return len;
}

/*
 * b64_form - base64 of raw[0..n), %-encoded, into dst, or only counted
 * when dst is NULL. The same code counts and writes, so the two agree.
 */
static size_t
b64_form(const unsigned char *raw, size_t n, char *dst)
{
	unsigned char	 chunk[B64_CHUNK / 3 * 4 + 1];
	size_t		 off, step, len = 0;
	int		 k;

	for (off = 0; off < n; off += step) {
		step = n - off < B64_CHUNK ? n - off : B64_CHUNK;
		k = EVP_EncodeBlock(chunk, raw + off, (int)step);
		len += pct_encode(chunk, (size_t)k,
		    dst != NULL ? dst + len : NULL);
	}
	return len;
}

/*
 * reserve_exact - room for extra more bytes and a NUL, without
 * buf_reserve's rounding up to a power of two: for a 10 MB message
 * that rounding could nearly double the memory the body takes.
 */
static int
reserve_exact(struct buf *b, size_t extra)
{
	char	*p;

	if (extra > SIZE_MAX - b->len - 1)
		return -1;
	if (b->len + extra + 1 <= b->cap)
		return 0;
	p = realloc(b->data, b->len + extra + 1);
	if (p == NULL)
		return -1;
	b->data = p;
	b->cap = b->len + extra + 1;
	return 0;
}

/* append_pct - "&name=" then the %-encoded value. */
static int
append_pct(struct buf *out, const char *name, const char *value)
{
	size_t	 n;

	n = pct_encode((const unsigned char *)value, strlen(value), NULL);
	if (buf_printf(out, "&%s=", name) == -1 ||
	    buf_reserve(out, n) == -1)
		return -1;
	pct_encode((const unsigned char *)value, strlen(value),
	    out->data + out->len);
	out->len += n;
	out->data[out->len] = '\0';
	return 0;
}

/* form_size - the exact length of the body, for one allocation. */
static size_t
form_size(const char *source, char *const *rcpts, size_t nrcpt,
    size_t b64len)
{
	char	 name[64];
	size_t	 i, n;

	n = strlen(FORM_HEAD) + strlen("&RawMessage.Data=") + b64len;
	if (source != NULL)
		n += strlen("&Source=") + pct_encode((const unsigned char *)
		    source, strlen(source), NULL);
	for (i = 0; i < nrcpt; i++)
		n += strlen("&=") + (size_t)snprintf(name, sizeof(name),
		    "Destinations.member.%zu", i + 1) +
		    pct_encode((const unsigned char *)rcpts[i],
		    strlen(rcpts[i]), NULL);
	return n;
}

/* ses_form_body - the SendRawEmail form, in botocore's order. */
int
ses_form_body(const char *source, char *const *rcpts, size_t nrcpt,
    const char *raw, size_t rawlen, struct buf *out)
{
	char	 name[64];
	size_t	 i, b64len;

	/* Keeps every size computation below far from overflowing. */
	if (rawlen > SIZE_MAX / 8)
		return -1;
	b64len = b64_form((const unsigned char *)raw, rawlen, NULL);
	if (reserve_exact(out, form_size(source, rcpts, nrcpt, b64len)) ==
	    -1)
		return -1;

	if (buf_appends(out, FORM_HEAD) == -1)
		return -1;
	if (source != NULL && append_pct(out, "Source", source) == -1)
		return -1;
	for (i = 0; i < nrcpt; i++) {
		snprintf(name, sizeof(name), "Destinations.member.%zu",
		    i + 1);
		if (append_pct(out, name, rcpts[i]) == -1)
			return -1;
	}

	if (buf_appends(out, "&RawMessage.Data=") == -1 ||
	    buf_reserve(out, b64len) == -1)
		return -1;
	b64_form((const unsigned char *)raw, rawlen, out->data + out->len);
	out->len += b64len;
	out->data[out->len] = '\0';
	return 0;
}

/*
 * json_string - s as a JSON string, quoted: " and \\ escaped, control
 * bytes as \\u00XX. Addresses are ASCII, but a quoted local part may
 * hold either of the two.
 */
static int
json_string(struct buf *out, const char *s)
{
	const unsigned char	*p;

	if (buf_appendc(out, '"') == -1)
		return -1;
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			if (buf_appendc(out, '\\') == -1 ||
			    buf_appendc(out, (char)*p) == -1)
				return -1;
		} else if (*p < 0x20) {
			if (buf_printf(out, "\\u%04x", *p) == -1)
				return -1;
		} else if (buf_appendc(out, (char)*p) == -1)
			return -1;
	}
	return buf_appendc(out, '"');
}

/* ses_json_head - the SendEmail request up to the data. */
int
ses_json_head(const char *source, char *const *rcpts, size_t nrcpt,
    struct buf *out)
{
	size_t	 i;

	if (buf_appendc(out, '{') == -1)
		return -1;
	if (source != NULL && (buf_appends(out, "\"FromEmailAddress\":") ==
	    -1 || json_string(out, source) == -1 || buf_appendc(out, ',') ==
	    -1))
		return -1;
	if (buf_appends(out, "\"Destination\":{\"ToAddresses\":[") == -1)
		return -1;
	for (i = 0; i < nrcpt; i++)
		if ((i > 0 && buf_appendc(out, ',') == -1) ||
		    json_string(out, rcpts[i]) == -1)
			return -1;
	return buf_appends(out, "]},\"Content\":{\"Raw\":{\"Data\":\"");
}

/* ses_reply_init - an empty reply. */
void
ses_reply_init(struct ses_reply *r)
{
	memset(r, 0, sizeof(*r));
}

/* reply_clear - drop the strings, keep the status. */
static void
reply_clear(struct ses_reply *r)
{
	free(r->message_id);
	free(r->request_id);
	free(r->error_type);
	free(r->error_code);
	free(r->error_message);
	r->message_id = NULL;
	r->request_id = NULL;
	r->error_type = NULL;
	r->error_code = NULL;
	r->error_message = NULL;
}

/* ses_reply_free - release the strings and reset r. */

void
ses_reply_free(struct ses_reply *r)
{
	reply_clear(r);
	free(r->date);
	ses_reply_init(r);
}

/*
 * reply_field - where an element's text goes: Error's only inside it,
 * and a MessageId only outside, for a message id is what says SES took
 * the message.
 */
static char **
reply_field(void *arg, const char *const *path, size_t n, int *secret)
{
	struct ses_reply	*r = arg;
	const char		*name = path[n - 1];
	int			 in_error;

	(void)secret;
	in_error = xmlreply_inside(path, n, "Error");
	if (strcmp(name, "MessageId") == 0)
		return in_error ? NULL : &r->message_id;
	if (strcmp(name, "RequestId") == 0)
		return &r->request_id;
	if (!in_error)
		return NULL;
	if (strcmp(name, "Type") == 0)
		return &r->error_type;
	if (strcmp(name, "Code") == 0)
		return &r->error_code;
	if (strcmp(name, "Message") == 0)
		return &r->error_message;
	return NULL;
}

/* ses_parse_reply - the fields of a Query reply, by local name. */
int
ses_parse_reply(const char *xml, size_t len, struct ses_reply *r)
{
	const struct xmlreply_opts	 opts = {
		.text_max = REPLY_TEXT_MAX,
		.select = reply_field,
		.arg = r
	};

	if (xmlreply_parse(xml, len, &opts) == -1) {
		reply_clear(r);
		return -1;
	}
	return 0;
}

/* json_member - the string member of doc called name, or NULL. */
static const char *
json_member(json_object *doc, const char *name)
{
	json_object	*v;

	if (!json_object_object_get_ex(doc, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/*
 * set_field - a sanitised copy of s[0..n) into *field ("" stays NULL).
 * Returns 0 or -1 (ENOMEM).
 */
static int
set_field(char **field, const char *s, size_t n)
{
	char	*copy;

	if (s == NULL || n == 0)
		return 0;
	if (n > REPLY_TEXT_MAX)
		n = REPLY_TEXT_MAX;
	copy = strndup(s, n);
	if (copy == NULL)
		return -1;
	sanitize(copy);
	free(*field);
	*field = copy;
	return 0;
}

/*
 * set_code - an error code as the SDKs read it: what comes before a
 * ':' ("Code:http://..."), after a '#' ("namespace#Code").
 */
static int
set_code(char **field, const char *s)
{
	const char	*hash;

	if (s == NULL)
		return 0;
	hash = strrchr(s, '#');
	if (hash != NULL)
		s = hash + 1;
	return set_field(field, s, strcspn(s, ":"));
}

/* ses_parse_json_reply - MessageId, or the error's code and text. */
int
ses_parse_json_reply(const char *json, size_t len, const char *error_type,
    struct ses_reply *r)
{
	json_tokener	*tok;
	json_object	*doc = NULL;
	const char	*code, *text;
	int		 rc = -1;

	if (set_code(&r->error_code, error_type) == -1)
		return -1;
	if (len == 0 || len > INT32_MAX)
		return -1;
	tok = json_tokener_new();
	if (tok == NULL)
		return -1;
	doc = json_tokener_parse_ex(tok, json, (int)len);
	if (doc == NULL ||
	    json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(doc, json_type_object))
		goto out;

	text = json_member(doc, "MessageId");
	if (set_field(&r->message_id, text, text != NULL ? strlen(text) : 0) ==
	    -1)
		goto out;
	if (r->error_code == NULL) {
		code = json_member(doc, "__type");
		if (code == NULL)
			code = json_member(doc, "code");
		if (code == NULL)
			code = json_member(doc, "Code");
		if (set_code(&r->error_code, code) == -1)
			goto out;
	}
	text = json_member(doc, "message");
	if (text == NULL)
		text = json_member(doc, "Message");
	if (set_field(&r->error_message, text, text != NULL ? strlen(text) :
	    0) == -1)
		goto out;
	rc = 0;

out:
	json_object_put(doc);
	json_tokener_free(tok);
	return rc;
}

/* endpoint_path - the path to sign: what libcurl will send. */
static int
endpoint_path(const char *endpoint, char **path, char *err, size_t errlen)
{
	CURLU	*u;
	char	*p = NULL, *q = NULL;
	int	 rc = -1;

	*path = NULL;
	u = curl_url();
	if (u == NULL || curl_url_set(u, CURLUPART_URL, endpoint, 0) !=
	    CURLUE_OK) {
		seterr(err, errlen, "malformed SES endpoint URL");
		goto out;
	}
	/* The signed request has no query; the endpoint must not add one. */
	if (curl_url_get(u, CURLUPART_QUERY, &q, 0) == CURLUE_OK) {
		seterr(err, errlen, "the SES endpoint URL must not have a "
		    "query (?...)");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PATH, &p, 0) == CURLUE_OK)
		*path = strdup(p);
	if (*path == NULL) {
		seterr(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;

out:
	curl_free(p);
	curl_free(q);
	curl_url_cleanup(u);
	return rc;
}

/*
 * sign_request - the header lines of a POST to url of a body of type
 * ctype whose SHA-256 is sha: Content-Type, Host, X-Amz-Date, the token
 * when there is one, and Authorization over all of them. Returns 0 or
 * an EX_* code with err.
 */
static int
sign_request(const struct ses_target *t, const char *url, const char *ctype,
    const char *sha, struct http_headers *sr, char *err, size_t errlen)
{
	const struct credentials *cr = t->cred;
	struct sigv4_header	 h[4];
	struct sigv4_request	 req;
	struct sigv4_result	 res;
	char			 date[17];
	char			*host, *path = NULL;
	size_t			 i, nh = 0;
	int			 rc = EX_OSERR;

	memset(&res, 0, sizeof(res));
	seterr(err, errlen, "out of memory signing the SES request");
	host = http_url_host(url);
	if (host == NULL)
		goto out;
	if (endpoint_path(url, &path, err, errlen) == -1) {
		rc = EX_CONFIG;
		goto out;
	}

	amz_date_at(time(NULL) + t->clock_offset, date);
	h[nh].name = "Content-Type";
	h[nh++].value = ctype;
	h[nh].name = "Host";
	h[nh++].value = host;
	h[nh].name = "X-Amz-Date";
	h[nh++].value = date;
	if (cr->session_token != NULL) {
		h[nh].name = "X-Amz-Security-Token";
		h[nh++].value = cr->session_token;
	}

	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.path = path;
	req.query = NULL;
	req.headers = h;
	req.nheaders = nh;
	req.payload_sha256 = sha;
	req.amz_date = date;
	req.region = t->region;
	req.service = "ses";
	req.access_key_id = cr->access_key_id;
	req.secret_access_key = cr->secret_access_key;
	req.session_token = cr->session_token;
	if (sigv4_sign(&req, &res) == -1) {
		seterr(err, errlen, "cannot sign the SES request");
		rc = EX_SOFTWARE;
		goto out;
	}

	for (i = 0; i < nh; i++)
		if (http_headers_add(sr, h[i].name, h[i].value) == -1)
			goto out;
	if (http_headers_add(sr, "Authorization", res.authorization) == -1)
		goto out;
	rc = 0;

out:
	sigv4_result_free(&res);
	free(host);
	free(path);
	return rc;
}

/* check_inputs - what must hold before anything is built or sent. */
static int
check_inputs(const char *endpoint, const char *region,
    const struct credentials *cr, size_t nrcpt, char *err, size_t errlen)
{
	char	 why[ERRLEN];

	if (endpoint == NULL) {
		seterr(err, errlen, "no SES endpoint (set region or "
		    "endpoint in the configuration)");
		return EX_CONFIG;
	}
	if (http_url_check(endpoint, why, sizeof(why)) == -1) {
		seterr(err, errlen, "SES endpoint %s: %s", endpoint, why);
		return EX_CONFIG;
	}
	if (region == NULL || *region == '\0') {
		seterr(err, errlen, "no AWS region: set region in the "
		    "configuration or AWS_REGION");
		return EX_CONFIG;
	}
	if (cr->access_key_id == NULL || cr->secret_access_key == NULL) {
		seterr(err, errlen, "no AWS credentials");
		return EX_CONFIG;
	}
	if (nrcpt > SES_MAX_RECIPIENTS) {
		seterr(err, errlen, "%zu recipients in one SES call, at most "
		    "%d allowed", nrcpt, SES_MAX_RECIPIENTS);
		return EX_SOFTWARE;
	}
	return 0;
}

/*
 * read_reply - what SES answered, as an exit code and a reason: XML from
 * v1, JSON from v2.
 */
static int
read_reply(int api, struct http_response *resp, struct ses_reply *r,
    char *err, size_t errlen)
{
	int	 parsed;

	r->http_status = resp->status;
	/* Kept for clock-skew correction (already sanitised by http). */
	r->date = resp->date;
	resp->date = NULL;
	if (api == SES_API_V2)
		parsed = ses_parse_json_reply(resp->body.data, resp->body.len,
		    resp->amzn_error, r);
	else
		parsed = ses_parse_reply(resp->body.data, resp->body.len, r);
	if (resp->status == 200 && parsed == 0 && r->message_id != NULL)
		return 0;

	/* A v2 error code may come in a header over an unreadable body. */
	if (resp->status != 200 && r->error_code != NULL) {
		if (r->error_message != NULL)
			seterr(err, errlen, "SES refused the message: %s: %s",
			    r->error_code, r->error_message);
		else
			seterr(err, errlen, "SES refused the message: %s",
			    r->error_code);
		return ses_exitcode(resp->status, r->error_code);
	}

	/* An error status still tells permanent from temporary. */
	seterr(err, errlen, "unreadable reply from SES (HTTP %ld)",
	    resp->status);
	return resp->status >= 400 ? ses_exitcode(resp->status, NULL) :
	    EX_TEMPFAIL;
}

/* ses_send_raw - ses_send without a clock offset. */
int
ses_send_raw(struct http_client *http, const char *endpoint,
    const char *region, const struct credentials *cr,
    const char *source, char *const *rcpts, size_t nrcpt,
    const char *raw, size_t rawlen, struct ses_reply *r,
    char *err, size_t errlen)
{
	struct ses_target	 t;

	t.http = http;
	t.endpoint = endpoint;
	t.region = region;
	t.cred = cr;
	t.clock_offset = 0;
	t.api = SES_API_V1;
	return ses_send(&t, source, rcpts, nrcpt, raw, rawlen, r, err,
	    errlen);
}

/* ses_send - one call for a message in one block. */
int
ses_send(const struct ses_target *t, const char *source,
    char *const *rcpts, size_t nrcpt, const char *raw, size_t rawlen,
    struct ses_reply *r, char *err, size_t errlen)
{
	struct body_piece	 whole = { raw, rawlen, NULL };

	return ses_send_pieces(t, source, rcpts, nrcpt, &whole, 1, r, err,
	    errlen);
}

/* v2_url - the endpoint with SendEmail's path; NULL when out of memory. */
static char *
v2_url(const char *endpoint)
{
	struct buf	 b = BUF_INIT;
	size_t		 n = strlen(endpoint);

	while (n > 0 && endpoint[n - 1] == '/')
		n--;
	if (buf_append(&b, endpoint, n) == -1 ||
	    buf_appends(&b, V2_PATH) == -1) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* The callbacks through which libcurl reads a body (body.h). */
static size_t
read_body(void *arg, char *dst, size_t len)
{
	return body_read(arg, dst, len);
}

static void
rewind_body(void *arg)
{
	body_rewind(arg);
}

/*
 * body_failed - the message could not be read back from its file: a
 * local fault that another try will not mend.
 */
static int
body_failed(const struct body *b, char *err, size_t errlen)
{
	seterr(err, errlen, "cannot read the message back from its file: "
	    "%s", strerror(b->error));
	return EX_IOERR;
}

/* ses_send_pieces - one call, no retries; the body made on the fly. */
int
ses_send_pieces(const struct ses_target *t, const char *source,
    char *const *rcpts, size_t nrcpt, const struct body_piece *pieces,
    size_t npieces, struct ses_reply *r, char *err, size_t errlen)
{
	struct buf		 head = BUF_INIT, small = BUF_INIT;
	struct body		 body;
	struct http_body	 hb;
	struct http_response	 resp;
	struct http_headers	 sr;
	char			 why[ERRLEN], sha[65];
	char			*url = NULL;
	int			 rc, sent, v2 = t->api == SES_API_V2;

	memset(&sr, 0, sizeof(sr));
	memset(&body, 0, sizeof(body));
	memset(&resp, 0, sizeof(resp));
	r->http_status = 0;

	rc = check_inputs(t->endpoint, t->region, t->cred, nrcpt, err,
	    errlen);
	if (rc != 0)
		goto out;
	rc = EX_OSERR;
	seterr(err, errlen, "out of memory building the SES request");
	url = v2 ? v2_url(t->endpoint) : strdup(t->endpoint);
	if (url == NULL)
		goto out;
	/* The form or JSON around the data, then the data as it goes. */
	if ((v2 ? ses_json_head(source, rcpts, nrcpt, &head) :
	    ses_form_body(source, rcpts, nrcpt, "", 0, &head)) == -1 ||
	    body_init(&body, head.data, head.len, pieces, npieces, !v2,
	    v2 ? SES_JSON_TAIL : "") == -1)
		goto out;
	if (body_sha256_hex(&body, sha) == -1) {
		if (body.error != 0)
			rc = body_failed(&body, err, errlen);
		goto out;
	}
	rc = sign_request(t, url, v2 ? JSON_TYPE : CONTENT_TYPE, sha, &sr,
	    err, errlen);
	if (rc != 0)
		goto out;

	/*
	 * A small body is made once more, whole, and given to libcurl in
	 * one block, which it sends with the headers in one write, as curl
	 * does; only a large one is worth streaming.
	 */
	if (body.length <= INLINE_MAX) {
		if (buf_reserve(&small, body.length) == -1) {
			seterr(err, errlen, "out of memory");
			rc = EX_OSERR;
			goto out;
		}
		small.len = body_read(&body, small.data, body.length);
		sent = http_request(t->http, "POST", url,
		    (const char *const *)sr.v, small.data, small.len, &resp,
		    why, sizeof(why));
	} else {
		hb.read = read_body;
		hb.rewind = rewind_body;
		hb.arg = &body;
		hb.length = body.length;
		sent = http_request_body(t->http, url,
		    (const char *const *)sr.v, &hb, &resp, why,
		    sizeof(why));
	}
	if (sent == -1 && body.error != 0) {
		rc = body_failed(&body, err, errlen);
		goto out;
	}
	if (sent == -1) {
		seterr(err, errlen, "no reply from SES: %s", why);
		rc = EX_TEMPFAIL;
		goto out;
	}
	rc = read_reply(v2 ? SES_API_V2 : SES_API_V1, &resp, r, err, errlen);

out:
	http_response_free(&resp);
	http_headers_wipe(&sr);
	body_free(&body);
	buf_free(&head);
	buf_free(&small);
	free(url);
	return rc;
}
