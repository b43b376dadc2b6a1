/*
 * sigv4 - AWS Signature Version 4, header form (no I/O, no clock).
 *
 * The rules are those of botocore's SigV4Auth, which the AWS test suite in
 * tests/sigv4-testsuite checks step by step; SES.md section 3 has them in
 * prose.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "buf.h"
#include "sigv4.h"
#include "util.h"

#define SHA256_LEN	32
#define ALGORITHM	"AWS4-HMAC-SHA256"
#define TOKEN_HEADER	"x-amz-security-token"

/* One header as it goes into the canonical request. */
struct chdr {
	char	*name;		/* lowercased */
	char	*value;		/* trimmed, whitespace runs collapsed */
	size_t	 order;		/* position in the request */
};

/* One query parameter, both halves already in canonical encoding. */
struct qparam {
	char	*name;
	char	*value;
};

/*
 * Headers never signed: botocore's SIGNED_HEADERS_BLACKLIST (hop-by-hop
 * headers a proxy may rewrite, RFC 9110 7.6.1, and User-Agent), plus
 * Authorization, which is the signature itself, and Content-Length, which
 * libcurl writes on its own and the payload hash covers anyway.
 */
static const char *const unsigned_headers[] = {
	"authorization", "connection", "content-length", "expect",
	"keep-alive", "proxy-authenticate", "proxy-authorization", "te",
	"trailer", "transfer-encoding", "upgrade", "user-agent",
	"x-amzn-trace-id", NULL
};

/* is_unreserved - RFC 3986 2.3 unreserved characters. */
static int
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '~';
}

/* is_space - the bytes Python's str.split() treats as whitespace. */
static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f';
}

/* hex_value - value of one hex digit, or -1. */
static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* hex_encode - lowercase hex of n bytes into out (2n + 1 bytes). */
static void
hex_encode(const unsigned char *p, size_t n, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

/* sha256 - one-shot SHA-256; returns 0 or -1. */
static int
sha256(const void *data, size_t len, unsigned char out[SHA256_LEN])
{
	unsigned int	 outlen = 0;

	if (EVP_Digest(data, len, out, &outlen, EVP_sha256(), NULL) != 1 ||
	    outlen != SHA256_LEN)
		return -1;
	return 0;
}

void
sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char	 md[SHA256_LEN];

	if (sha256(data, len, md) == -1) {
		/* Matches no real hash, and sigv4_sign refuses it. */
		out[0] = '\0';
		return;
	}
	hex_encode(md, sizeof(md), out);
}

/* hmac_sha256 - HMAC-SHA256 of data under key; returns 0 or -1. */
static int
hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
    unsigned char out[SHA256_LEN])
{
	unsigned int	 outlen = 0;

	if (keylen > INT_MAX)
		return -1;
	if (HMAC(EVP_sha256(), key, (int)keylen, data, len, out,
	    &outlen) == NULL || outlen != SHA256_LEN)
		return -1;
	return 0;
}

/* hmac_str - HMAC-SHA256 of a string under a 32-byte key. */
static int
hmac_str(const unsigned char key[SHA256_LEN], const char *s,
    unsigned char out[SHA256_LEN])
{
	return hmac_sha256(key, SHA256_LEN, s, strlen(s), out);
}

/*
 * signing_key - kSigning, from "AWS4" + secret through date, region,
 * service and "aws4_request" (SES.md 3.4).
 */
static int
signing_key(const struct sigv4_request *req, unsigned char key[SHA256_LEN])
{
	struct buf	 secret = BUF_INIT;
	unsigned char	 kdate[SHA256_LEN], kregion[SHA256_LEN];
	unsigned char	 kservice[SHA256_LEN];
	size_t		 slen;
	int		 rc = -1;

	/* Reserve first so that no realloc leaves a copy of the secret. */
	slen = strlen(req->secret_access_key);
	if (buf_reserve(&secret, 4 + slen) == -1 ||
	    buf_appends(&secret, "AWS4") == -1 ||
	    buf_append(&secret, req->secret_access_key, slen) == -1)
		goto out;

	/* The scope date is the first 8 characters of X-Amz-Date. */
	if (hmac_sha256(secret.data, secret.len, req->amz_date, 8,
	    kdate) == -1 ||
	    hmac_str(kdate, req->region, kregion) == -1 ||
	    hmac_str(kregion, req->service, kservice) == -1 ||
	    hmac_str(kservice, "aws4_request", key) == -1)
		goto out;
	rc = 0;

out:
	buf_wipe(&secret);
	OPENSSL_cleanse(kdate, sizeof(kdate));
	OPENSSL_cleanse(kregion, sizeof(kregion));
	OPENSSL_cleanse(kservice, sizeof(kservice));
	if (rc == -1)
		OPENSSL_cleanse(key, SHA256_LEN);
	return rc;
}

/*
 * uri_encode - append s[0..n) percent-encoded with uppercase hex
 * (RFC 3986 2.1), leaving unreserved bytes and, if keep_slash, '/' bare.
 */
static int
uri_encode(struct buf *b, const char *s, size_t n, int keep_slash)
{
	static const char	 digits[] = "0123456789ABCDEF";
	unsigned char		 c;
	char			 esc[3];
	size_t			 i;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (is_unreserved(c) || (keep_slash && c == '/')) {
			if (buf_appendc(b, (char)c) == -1)
				return -1;
			continue;
		}
		esc[0] = '%';
		esc[1] = digits[c >> 4];
		esc[2] = digits[c & 0x0f];
		if (buf_append(b, esc, sizeof(esc)) == -1)
			return -1;
	}
	return 0;
}

/* drop_segment - undo the last add_segment, for a ".." segment. */
static void
drop_segment(struct buf *norm)
{
	/* Each segment went in as "/name": cut back to before its slash. */
	while (norm->len > 0 && norm->data[norm->len - 1] != '/')
		norm->len--;
	if (norm->len > 0)
		norm->len--;
	if (norm->data != NULL)
		norm->data[norm->len] = '\0';
}

/*
 * add_segment - add one path segment to the normalised path: empty and
 * "." segments vanish and ".." removes the previous one (RFC 3986 5.2.4;
 * AWS also wants "//" collapsed).
 */
static int
add_segment(struct buf *norm, const char *seg, size_t n)
{
	if (n == 0 || (n == 1 && seg[0] == '.'))
		return 0;
	if (n == 2 && seg[0] == '.' && seg[1] == '.') {
		drop_segment(norm);
		return 0;
	}
	if (buf_appendc(norm, '/') == -1)
		return -1;
	return buf_append(norm, seg, n);
}

/*
 * canonical_uri - append the normalised path, encoded once more: the path
 * as sent is already percent-encoded, and every service but S3 expects
 * its '%' to become "%25" (botocore _normalize_url_path).
 */
static int
canonical_uri(struct buf *out, const char *path)
{
	struct buf	 norm = BUF_INIT;
	const char	*p;
	size_t		 n;
	int		 rc = -1;

	p = path;
	while (*p != '\0') {
		n = strcspn(p, "/");
		if (add_segment(&norm, p, n) == -1)
			goto out;
		p += n;
		if (*p == '/')
			p++;
	}

	/* A trailing slash names another resource, so it stays. */
	n = strlen(path);
	if (norm.len > 0 && path[n - 1] == '/' &&
	    buf_appendc(&norm, '/') == -1)
		goto out;
	if (norm.len == 0 && buf_appendc(&norm, '/') == -1)
		goto out;

	rc = uri_encode(out, norm.data, norm.len, 1);

out:
	buf_free(&norm);
	return rc;
}

/*
 * percent_decode - append s[0..n) with its %XX escapes decoded. A '%'
 * that starts no valid escape stays as it is, and so does '+': SigV4
 * knows nothing of the form encoding's '+' for space.
 */
static int
percent_decode(struct buf *b, const char *s, size_t n)
{
	size_t	 i;
	int	 hi, lo;

	for (i = 0; i < n; i++) {
		hi = lo = -1;
		if (s[i] == '%' && n - i >= 3) {
			hi = hex_value((unsigned char)s[i + 1]);
			lo = hex_value((unsigned char)s[i + 2]);
		}
		if (hi >= 0 && lo >= 0) {
			if (buf_appendc(b, (char)(hi << 4 | lo)) == -1)
				return -1;
			i += 2;
			continue;
		}
		if (buf_appendc(b, s[i]) == -1)
			return -1;
	}
	return 0;
}

/*
 * query_component - the canonical form of one query name or value:
 * decoded, then encoded leaving only unreserved bytes bare, so that
 * "%41" and "A" sign alike and raw UTF-8 is escaped. NULL if out of
 * memory.
 */
static char *
query_component(const char *s, size_t n)
{
	struct buf	 raw = BUF_INIT, enc = BUF_INIT;
	char		*res = NULL;

	if (percent_decode(&raw, s, n) == -1 ||
	    uri_encode(&enc, raw.data, raw.len, 0) == -1)
		goto out;
	res = buf_steal(&enc);

out:
	buf_free(&raw);
	buf_free(&enc);
	return res;
}

/* query_param - split "name=value" (or a bare "name") into q. */
static int
query_param(const char *s, size_t n, struct qparam *q)
{
	const char	*eq;
	size_t		 nlen;

	eq = memchr(s, '=', n);
	nlen = eq != NULL ? (size_t)(eq - s) : n;
	q->name = query_component(s, nlen);
	if (eq != NULL)
		q->value = query_component(eq + 1, n - nlen - 1);
	else
		q->value = query_component("", 0);
	if (q->name == NULL || q->value == NULL)
		return -1;
	return 0;
}

/* qparam_cmp - order by encoded name, then encoded value (bytewise). */
static int
qparam_cmp(const void *a, const void *b)
{
	const struct qparam	*x = a, *y = b;
	int			 c;

	c = strcmp(x->name, y->name);
	if (c != 0)
		return c;
	return strcmp(x->value, y->value);
}

/*
 * canonical_query - append the query's parameters, each canonically
 * encoded, sorted, as "name=value" joined by '&'. Repeated names are all
 * kept. Empty pieces ("a&&b") carry nothing and are skipped.
 */
static int
canonical_query(struct buf *out, const char *query)
{
	struct qparam	*v = NULL;
	const char	*p;
	size_t		 n = 0, cap = 1, i, len;
	int		 rc = -1;

	if (query == NULL || *query == '\0')
		return 0;

	for (p = query; *p != '\0'; p++)
		if (*p == '&')
			cap++;
	v = calloc(cap, sizeof(*v));
	if (v == NULL)
		goto out;

	p = query;
	while (*p != '\0') {
		len = strcspn(p, "&");
		if (len > 0 && query_param(p, len, &v[n++]) == -1)
			goto out;
		p += len;
		if (*p == '&')
			p++;
	}

	qsort(v, n, sizeof(*v), qparam_cmp);
	for (i = 0; i < n; i++)
		if (buf_printf(out, "%s%s=%s", i > 0 ? "&" : "", v[i].name,
		    v[i].value) == -1)
			goto out;
	rc = 0;

out:
	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
	return rc;
}

/* valid_header_name - a non-empty RFC 9110 5.1 token: no space or ':'. */
static int
valid_header_name(const char *s)
{
	const unsigned char	*p;

	if (s == NULL || *s == '\0')
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == ':')
			return 0;
	return 1;
}

/* is_unsigned_header - true for a header name SigV4 must skip. */
static int
is_unsigned_header(const char *name)
{
	size_t	 i;

	for (i = 0; unsigned_headers[i] != NULL; i++)
		if (strcasecmp(name, unsigned_headers[i]) == 0)
			return 1;
	return 0;
}

/* lowercase - an ASCII-lowercased copy of s, or NULL. */
static char *
lowercase(const char *s)
{
	char	*copy, *p;

	copy = strdup(s);
	if (copy == NULL)
		return NULL;
	for (p = copy; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return copy;
}

/*
 * canonical_value - s trimmed, with every whitespace run (folded line
 * breaks included) turned into one space, as botocore's
 * ' '.join(value.split()). NULL if out of memory.
 */
static char *
canonical_value(const char *s)
{
	struct buf	 b = BUF_INIT;
	size_t		 n;

	for (;;) {
		while (is_space((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		n = 0;
		while (s[n] != '\0' && !is_space((unsigned char)s[n]))
			n++;
		if ((b.len > 0 && buf_appendc(&b, ' ') == -1) ||
		    buf_append(&b, s, n) == -1) {
			buf_wipe(&b);
			return NULL;
		}
		s += n;
	}
	return buf_steal(&b);
}

/*
 * chdr_cmp - order by name, then by position: qsort need not be stable,
 * and repeated names must keep the order of the request.
 */
static int
chdr_cmp(const void *a, const void *b)
{
	const struct chdr	*x = a, *y = b;
	int			 c;

	c = strcmp(x->name, y->name);
	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* free_headers - free n collected headers; values may hold the token. */
static void
free_headers(struct chdr *h, size_t n)
{
	size_t	 i;

	if (h == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(h[i].name);
		if (h[i].value != NULL)
			OPENSSL_cleanse(h[i].value, strlen(h[i].value));
		free(h[i].value);
	}
	free(h);
}

/* has_header - true when the request carries a header called name. */
static int
has_header(const struct sigv4_request *req, const char *name)
{
	size_t	 i;

	for (i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return 1;
	return 0;
}

/* add_header - append one canonical header at h[*np]. */
static int
add_header(struct chdr *h, size_t *np, const char *name, const char *value)
{
	struct chdr	*e = &h[*np];

	e->order = *np;
	e->name = lowercase(name);
	e->value = canonical_value(value);
	(*np)++;
	if (e->name == NULL || e->value == NULL)
		return -1;
	return 0;
}

/* needs_token - true when the token must be added as a header. */
static int
needs_token(const struct sigv4_request *req)
{
	return req->session_token != NULL && *req->session_token != '\0' &&
	    !has_header(req, TOKEN_HEADER);
}

/*
 * collect_headers - the headers to sign, canonical and sorted, with the
 * session token among them unless the caller put it there already.
 */
static int
collect_headers(const struct sigv4_request *req, struct chdr **hp,
    size_t *np)
{
	const struct sigv4_header	*sh;
	struct chdr			*h;
	size_t				 i, n = 0;

	h = calloc(req->nheaders + 1, sizeof(*h));
	if (h == NULL)
		return -1;

	for (i = 0; i < req->nheaders; i++) {
		sh = &req->headers[i];
		if (is_unsigned_header(sh->name))
			continue;
		if (add_header(h, &n, sh->name, sh->value) == -1)
			goto fail;
	}
	if (needs_token(req) &&
	    add_header(h, &n, TOKEN_HEADER, req->session_token) == -1)
		goto fail;

	qsort(h, n, sizeof(*h), chdr_cmp);
	*hp = h;
	*np = n;
	return 0;

fail:
	free_headers(h, n);
	return -1;
}

/*
 * check_required - Host and X-Amz-Date must be signed, and the date the
 * server reads must be the one in the scope, or it rejects the request
 * with a mismatch no one can explain.
 */
static int
check_required(const struct sigv4_request *req, const struct chdr *h,
    size_t n)
{
	size_t	 i, hosts = 0, dates = 0;

	for (i = 0; i < n; i++) {
		if (strcmp(h[i].name, "host") == 0)
			hosts++;
		if (strcmp(h[i].name, "x-amz-date") != 0)
			continue;
		if (strcmp(h[i].value, req->amz_date) != 0)
			return -1;
		dates++;
	}
	return hosts == 1 && dates == 1 ? 0 : -1;
}

/*
 * write_headers - append the canonical header lines (repeated names
 * joined by ',' in request order) and the signed-header list.
 */
static int
write_headers(struct buf *creq, struct buf *signed_h, const struct chdr *h,
    size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(h[i].name, h[i - 1].name) == 0) {
			if (buf_printf(creq, ",%s", h[i].value) == -1)
				return -1;
			continue;
		}
		if (i > 0 && (buf_appendc(creq, '\n') == -1 ||
		    buf_appendc(signed_h, ';') == -1))
			return -1;
		if (buf_printf(creq, "%s:%s", h[i].name, h[i].value) == -1 ||
		    buf_appends(signed_h, h[i].name) == -1)
			return -1;
	}
	return buf_appendc(creq, '\n');
}

/* canonical_request - build the canonical request (SES.md 3.2). */
static int
canonical_request(const struct sigv4_request *req, struct buf *creq,
    struct buf *signed_h)
{
	struct chdr	*h = NULL;
	size_t		 n = 0;
	int		 rc = -1;

	if (collect_headers(req, &h, &n) == -1)
		goto out;
	if (check_required(req, h, n) == -1)
		goto out;

	if (buf_printf(creq, "%s\n", req->method) == -1 ||
	    canonical_uri(creq, req->path) == -1 ||
	    buf_appendc(creq, '\n') == -1 ||
	    canonical_query(creq, req->query) == -1 ||
	    buf_appendc(creq, '\n') == -1)
		goto out;
	if (write_headers(creq, signed_h, h, n) == -1)
		goto out;
	if (buf_printf(creq, "\n%s\n%s", signed_h->data,
	    req->payload_sha256) == -1)
		goto out;
	rc = 0;

out:
	free_headers(h, n);
	return rc;
}

/* string_to_sign - algorithm, date, scope and hash of creq (SES.md 3.3). */
static int
string_to_sign(const struct sigv4_request *req, const char *scope,
    const struct buf *creq, struct buf *sts)
{
	unsigned char	 md[SHA256_LEN];
	char		 hex[2 * SHA256_LEN + 1];

	if (sha256(creq->data, creq->len, md) == -1)
		return -1;
	hex_encode(md, sizeof(md), hex);
	return buf_printf(sts, ALGORITHM "\n%s\n%s\n%s", req->amz_date, scope,
	    hex);
}

/* signature - hex HMAC of the string to sign under kSigning. */
static int
signature(const struct sigv4_request *req, const struct buf *sts,
    char out[2 * SHA256_LEN + 1])
{
	unsigned char	 key[SHA256_LEN], mac[SHA256_LEN];
	int		 rc = -1;

	if (signing_key(req, key) == -1)
		goto out;
	if (hmac_sha256(key, sizeof(key), sts->data, sts->len, mac) == -1)
		goto out;
	hex_encode(mac, sizeof(mac), out);
	rc = 0;

out:
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/* is_scope_word - non-empty printable ASCII without ' ', ',' or '/'. */
static int
is_scope_word(const char *s)
{
	const unsigned char	*p;

	if (s == NULL || *s == '\0')
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == ',' || *p == '/')
			return 0;
	return 1;
}

/* is_amz_date - "YYYYMMDDTHHMMSSZ" in form (the values are not checked). */
static int
is_amz_date(const char *s)
{
	size_t	 i;

	if (s == NULL || strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
		return 0;
	for (i = 0; i < 15; i++)
		if (i != 8 && (s[i] < '0' || s[i] > '9'))
			return 0;
	return 1;
}

/* is_sha256_hex - 64 lowercase hex digits. */
static int
is_sha256_hex(const char *s)
{
	size_t	 i;

	if (s == NULL || strlen(s) != 2 * SHA256_LEN)
		return 0;
	for (i = 0; i < 2 * SHA256_LEN; i++)
		if (hex_value((unsigned char)s[i]) < 0 ||
		    (s[i] >= 'A' && s[i] <= 'F'))
			return 0;
	return 1;
}

/* check_request - every input present and of the right shape. */
static int
check_request(const struct sigv4_request *req)
{
	size_t	 i;

	if (req == NULL || !valid_header_name(req->method) ||
	    req->path == NULL || (req->path[0] != '/' && req->path[0] != '\0'))
		return -1;
	if (req->headers == NULL && req->nheaders > 0)
		return -1;
	for (i = 0; i < req->nheaders; i++)
		if (!valid_header_name(req->headers[i].name) ||
		    req->headers[i].value == NULL)
			return -1;
	if (!is_amz_date(req->amz_date) ||
	    !is_sha256_hex(req->payload_sha256) ||
	    !is_scope_word(req->region) || !is_scope_word(req->service) ||
	    !is_scope_word(req->access_key_id))
		return -1;
	if (req->secret_access_key == NULL || *req->secret_access_key == '\0')
		return -1;
	/* The caller sends the token as a header: no line break may hide. */
	if (req->session_token != NULL && has_line_break(req->session_token))
		return -1;
	return 0;
}

int
sigv4_sign(const struct sigv4_request *req, struct sigv4_result *res)
{
	struct buf	 creq = BUF_INIT, signed_h = BUF_INIT, sts = BUF_INIT;
	struct buf	 scope = BUF_INIT, authz = BUF_INIT;
	char		 sig[2 * SHA256_LEN + 1];

	if (res == NULL)
		return -1;
	memset(res, 0, sizeof(*res));
	if (check_request(req) == -1)
		goto fail;

	if (canonical_request(req, &creq, &signed_h) == -1)
		goto fail;

	/* The scope date is the first 8 characters of X-Amz-Date. */
	if (buf_printf(&scope, "%.8s/%s/%s/aws4_request", req->amz_date,
	    req->region, req->service) == -1)
		goto fail;
	if (string_to_sign(req, scope.data, &creq, &sts) == -1)
		goto fail;

	if (signature(req, &sts, sig) == -1)
		goto fail;
	if (buf_printf(&authz, ALGORITHM " Credential=%s/%s, SignedHeaders=%s, "
	    "Signature=%s", req->access_key_id, scope.data, signed_h.data,
	    sig) == -1)
		goto fail;

	res->canonical_request = buf_steal(&creq);
	res->string_to_sign = buf_steal(&sts);
	res->signed_headers = buf_steal(&signed_h);
	res->authorization = buf_steal(&authz);
	if (res->canonical_request == NULL || res->string_to_sign == NULL ||
	    res->signed_headers == NULL || res->authorization == NULL)
		goto fail;
	buf_free(&scope);
	return 0;

fail:
	buf_wipe(&creq);
	buf_free(&signed_h);
	buf_free(&sts);
	buf_free(&scope);
	buf_free(&authz);
	sigv4_result_free(res);
	return -1;
}

/* free_wiped - wipe a string before freeing it. */
static void
free_wiped(char *s)
{
	if (s != NULL)
		OPENSSL_cleanse(s, strlen(s));
	free(s);
}

void
sigv4_result_free(struct sigv4_result *res)
{
	if (res == NULL)
		return;
	/* The canonical request holds the session token, when there is one. */
	free_wiped(res->canonical_request);
	free(res->string_to_sign);
	free(res->signed_headers);
	free(res->authorization);
	memset(res, 0, sizeof(*res));
}
