/*
 * ses - the SES v1 SendRawEmail call: request body, signing, reply.
 *
 * The request is a form POST (Query protocol, version 2010-12-01) laid
 * out as botocore lays it out, so tests compare it byte for byte with
 * the SDK's own output. The reply is XML, read with expat by element
 * name.
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
#include <expat.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "buf.h"
#include "conf.h"
#include "credentials.h"
#include "http.h"
#include "ses.h"
#include "sigv4.h"
#include "util.h"

#define FORM_HEAD	"Action=SendRawEmail&Version=2010-12-01"
#define CONTENT_TYPE	"application/x-www-form-urlencoded; charset=utf-8"

/* Input bytes per base64 step: a multiple of 3, so no '=' inside. */
#define B64_CHUNK	(3 * 1024)

/* Text kept from one reply element; SES messages are far shorter. */
#define REPLY_TEXT_MAX	2048

/* Separates namespace URI and local name in expat's element names. */
#define NS_SEP		' '

/* Header lines of a signed request: four at most, Authorization, NULL. */
#define MAX_LINES	6

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
	{ "ConfigurationSetDoesNotExist",	EX_CONFIG },
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
	if (http_status == 403)
		return EX_NOPERM;
	if (http_status >= 400)
		return EX_UNAVAILABLE;
	/* Not a failure SES reported: do not lose the message. */
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

/* State of one expat run over a reply. */
struct xml_state {
	XML_Parser		 parser;
	struct ses_reply	*r;
	int			 depth;
	int			 error_depth;	/* of <Error>, or 0 */
	int			 text_depth;	/* of the element read, or 0 */
	char			**target;	/* where its text goes */
	struct buf		 text;
	int			 failed;	/* out of memory, or a DTD */
};

/* local_name - "uri<NS_SEP>Name" or "Name" to "Name". */
static const char *
local_name(const XML_Char *name)
{
	const char	*s;

	s = strrchr(name, NS_SEP);
	return s != NULL ? s + 1 : name;
}

/* field_for - which reply field an element fills, or NULL. */
static char **
field_for(struct xml_state *st, const char *name)
{
	if (strcmp(name, "MessageId") == 0)
		return &st->r->message_id;
	if (strcmp(name, "RequestId") == 0)
		return &st->r->request_id;
	if (st->error_depth == 0)
		return NULL;
	if (strcmp(name, "Type") == 0)
		return &st->r->error_type;
	if (strcmp(name, "Code") == 0)
		return &st->r->error_code;
	if (strcmp(name, "Message") == 0)
		return &st->r->error_message;
	return NULL;
}

/* on_start - note <Error> and start reading the elements we want. */
static void XMLCALL
on_start(void *arg, const XML_Char *name, const XML_Char **atts)
{
	struct xml_state	*st = arg;
	const char		*ln;
	char			**field;

	(void)atts;
	st->depth++;
	if (st->text_depth != 0)
		return;
	ln = local_name(name);
	if (strcmp(ln, "Error") == 0 && st->error_depth == 0)
		st->error_depth = st->depth;
	field = field_for(st, ln);
	if (field == NULL)
		return;
	st->text_depth = st->depth;
	st->target = field;
	buf_reset(&st->text);
}

/* on_text - collect direct text of the element being read, capped. */
static void XMLCALL
on_text(void *arg, const XML_Char *s, int len)
{
	struct xml_state	*st = arg;
	size_t			 n = (size_t)len;

	if (st->text_depth != st->depth || st->text.len >= REPLY_TEXT_MAX)
		return;
	if (n > REPLY_TEXT_MAX - st->text.len)
		n = REPLY_TEXT_MAX - st->text.len;
	if (buf_append(&st->text, s, n) == -1) {
		st->failed = 1;
		XML_StopParser(st->parser, XML_FALSE);
	}
}

/* store_text - trimmed, sanitised text into the field; "" stays NULL. */
static int
store_text(struct xml_state *st)
{
	const char	*s = st->text.data != NULL ? st->text.data : "";
	size_t		 n = st->text.len;
	char		*copy;

	while (n > 0 && strchr(" \t\r\n", *s) != NULL) {
		s++;
		n--;
	}
	while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
		n--;
	if (n == 0)
		return 0;
	copy = strndup(s, n);
	if (copy == NULL)
		return -1;
	sanitize(copy);
	free(*st->target);
	*st->target = copy;
	return 0;
}

/* on_end - finish the element being read, or leave <Error>. */
static void XMLCALL
on_end(void *arg, const XML_Char *name)
{
	struct xml_state	*st = arg;

	(void)name;
	if (st->text_depth == st->depth) {
		if (store_text(st) == -1) {
			st->failed = 1;
			XML_StopParser(st->parser, XML_FALSE);
		}
		st->text_depth = 0;
		st->target = NULL;
	}
	if (st->error_depth == st->depth)
		st->error_depth = 0;
	st->depth--;
}

/* on_doctype - SES never sends a DTD; one here is refused outright. */
static void XMLCALL
on_doctype(void *arg, const XML_Char *name, const XML_Char *sysid,
    const XML_Char *pubid, int has_internal_subset)
{
	struct xml_state	*st = arg;

	(void)name;
	(void)sysid;
	(void)pubid;
	(void)has_internal_subset;
	st->failed = 1;
	XML_StopParser(st->parser, XML_FALSE);
}

/* ses_parse_reply - the fields of a Query reply, by local name. */
int
ses_parse_reply(const char *xml, size_t len, struct ses_reply *r)
{
	struct xml_state	 st;
	enum XML_Status		 status;

	if (len > INT32_MAX)
		return -1;
	memset(&st, 0, sizeof(st));
	st.r = r;
	buf_init(&st.text);
	st.parser = XML_ParserCreateNS(NULL, NS_SEP);
	if (st.parser == NULL)
		return -1;
	XML_SetUserData(st.parser, &st);
	XML_SetElementHandler(st.parser, on_start, on_end);
	XML_SetCharacterDataHandler(st.parser, on_text);
	XML_SetStartDoctypeDeclHandler(st.parser, on_doctype);
	XML_SetParamEntityParsing(st.parser, XML_PARAM_ENTITY_PARSING_NEVER);

	status = XML_Parse(st.parser, xml != NULL ? xml : "", (int)len, 1);
	XML_ParserFree(st.parser);
	buf_free(&st.text);
	if (status != XML_STATUS_OK || st.failed) {
		reply_clear(r);
		return -1;
	}
	return 0;
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

/* Header lines of one signed request, NULL-terminated for http. */
struct signed_req {
	char	*lines[MAX_LINES];
	size_t	 nlines;
};

/* add_line - append "Name: value". */
static int
add_line(struct signed_req *sr, const char *name, const char *value)
{
	struct buf	 b = BUF_INIT;

	if (sr->nlines + 1 >= MAX_LINES ||
	    buf_printf(&b, "%s: %s", name, value) == -1)
		return -1;
	sr->lines[sr->nlines++] = buf_steal(&b);
	sr->lines[sr->nlines] = NULL;
	return 0;
}

/* free_lines - wiped first: one of them may carry the session token. */
static void
free_lines(struct signed_req *sr)
{
	size_t	 i;

	for (i = 0; i < sr->nlines; i++) {
		OPENSSL_cleanse(sr->lines[i], strlen(sr->lines[i]));
		free(sr->lines[i]);
		sr->lines[i] = NULL;
	}
	sr->nlines = 0;
}

/*
 * sign_request - the header lines for body: Content-Type, Host,
 * X-Amz-Date, the token when there is one, and Authorization over all
 * of them. Returns 0 or an EX_* code with err.
 */
static int
sign_request(const struct ses_target *t, const struct buf *body,
    struct signed_req *sr, char *err, size_t errlen)
{
	const struct credentials *cr = t->cred;
	struct sigv4_header	 h[4];
	struct sigv4_request	 req;
	struct sigv4_result	 res;
	char			 date[17], sha[65];
	char			*host, *path = NULL;
	size_t			 i, nh = 0;
	int			 rc = EX_OSERR;

	memset(&res, 0, sizeof(res));
	seterr(err, errlen, "out of memory signing the SES request");
	host = http_url_host(t->endpoint);
	if (host == NULL)
		goto out;
	if (endpoint_path(t->endpoint, &path, err, errlen) == -1) {
		rc = EX_CONFIG;
		goto out;
	}

	amz_date_at(time(NULL) + t->clock_offset, date);
	sigv4_sha256_hex(body->data, body->len, sha);
	h[nh].name = "Content-Type";
	h[nh++].value = CONTENT_TYPE;
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
		if (add_line(sr, h[i].name, h[i].value) == -1)
			goto out;
	if (add_line(sr, "Authorization", res.authorization) == -1)
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

/* read_reply - what SES answered, as an exit code and a reason. */
static int
read_reply(struct http_response *resp, struct ses_reply *r,
    char *err, size_t errlen)
{
	int	 parsed;

	r->http_status = resp->status;
	/* Kept for clock-skew correction (already sanitised by http). */
	r->date = resp->date;
	resp->date = NULL;
	parsed = ses_parse_reply(resp->body.data, resp->body.len, r);
	if (resp->status == 200 && parsed == 0 && r->message_id != NULL)
		return 0;

	if (resp->status != 200 && parsed == 0 && r->error_code != NULL) {
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
	return ses_send(&t, source, rcpts, nrcpt, raw, rawlen, r, err,
	    errlen);
}

/* ses_send - one SendRawEmail call, no retries. */
int
ses_send(const struct ses_target *t, const char *source,
    char *const *rcpts, size_t nrcpt, const char *raw, size_t rawlen,
    struct ses_reply *r, char *err, size_t errlen)
{
	struct buf		 body = BUF_INIT;
	struct http_response	 resp;
	struct signed_req	 sr;
	char			 why[ERRLEN];
	int			 rc;

	memset(&sr, 0, sizeof(sr));
	buf_init(&resp.body);
	resp.date = NULL;
	resp.status = 0;
	r->http_status = 0;

	rc = check_inputs(t->endpoint, t->region, t->cred, nrcpt, err,
	    errlen);
	if (rc != 0)
		goto out;
	if (ses_form_body(source, rcpts, nrcpt, raw, rawlen, &body) == -1) {
		seterr(err, errlen, "out of memory building the SES request");
		rc = EX_OSERR;
		goto out;
	}
	rc = sign_request(t, &body, &sr, err, errlen);
	if (rc != 0)
		goto out;

	if (http_request(t->http, "POST", t->endpoint,
	    (const char *const *)sr.lines, body.data, body.len, &resp, why,
	    sizeof(why)) == -1) {
		seterr(err, errlen, "no reply from SES: %s", why);
		rc = EX_TEMPFAIL;
		goto out;
	}
	rc = read_reply(&resp, r, err, errlen);

out:
	http_response_free(&resp);
	free_lines(&sr);
	buf_free(&body);
	return rc;
}
