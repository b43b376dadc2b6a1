/*
 * http - HTTPS requests through libcurl.
 */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "buf.h"
#include "http.h"
#include "util.h"

#define DEFAULT_CONNECT_TIMEOUT	10
#define DEFAULT_TIMEOUT		60

/* A Date header is about 29 bytes; anything longer is not one we use. */
#define DATE_MAX		64
/* x-amzn-ErrorType: a code, maybe with a ":" and a URL after it. */
#define ERROR_TYPE_MAX		256

struct http_client {
	CURL	*curl;
	int	 flags;		/* HTTP_* */
	char	 errbuf[CURL_ERROR_SIZE];
};

/* What the callbacks fill during one transfer. */
struct transfer {
	struct http_response	*resp;
	size_t			 max;		/* longest body accepted */
	int			 too_large;
};

/*
 * The credential services that answer only plain HTTP, on link-local
 * addresses no one else can take: EC2 instance metadata (IPv4, IPv6) and
 * the ECS and EKS Pod Identity agents (IPv4, IPv6).
 */
static const char *const metadata_hosts[] = {
	"169.254.169.254", "169.254.170.2", "169.254.170.23",
	"fd00:ec2::254", "fd00:ec2::23"
};

/* sesmail is single-threaded, so a plain flag is enough. */
static int	curl_ready;

/*
 * set_ca - what to trust. A bundle file is parsed whole when the first
 * handshake starts: some 140 certificates, most of a small send's CPU
 * time (doc/PERFORMANCE.md). A hashed directory costs only the lookups
 * the handshake makes. So: ca_file as a file or a directory; without
 * it, the directory libcurl was built with and not its bundle.
 */
static int
set_ca(CURL *c, const char *ca_file)
{
	struct stat	 st;
	char		*dir = NULL;

	if (ca_file != NULL && stat(ca_file, &st) == 0 &&
	    S_ISDIR(st.st_mode)) {
		if (curl_easy_setopt(c, CURLOPT_CAPATH, ca_file) != CURLE_OK ||
		    curl_easy_setopt(c, CURLOPT_CAINFO, (char *)NULL) !=
		    CURLE_OK)
			return -1;
		return 0;
	}
	if (ca_file != NULL)
		return curl_easy_setopt(c, CURLOPT_CAINFO, ca_file) ==
		    CURLE_OK ? 0 : -1;

#if LIBCURL_VERSION_NUM >= 0x075400	/* CURLINFO_CAPATH came in 7.84.0 */
	if (curl_easy_getinfo(c, CURLINFO_CAPATH, &dir) == CURLE_OK &&
	    dir != NULL && stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	    curl_easy_setopt(c, CURLOPT_CAINFO, (char *)NULL) != CURLE_OK)
		return -1;
#else
	(void)dir;
#endif
	return 0;
}

/* setup - the options every request shares; 0 or -1. */
static int
setup(struct http_client *h, const char *ca_file, long connect_timeout,
    long timeout)
{
	CURL	*c = h->curl;

	if (connect_timeout <= 0)
		connect_timeout = DEFAULT_CONNECT_TIMEOUT;
	if (timeout <= 0)
		timeout = DEFAULT_TIMEOUT;

	if (curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSLVERSION,
	    (long)CURL_SSLVERSION_TLSv1_2) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, connect_timeout) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)HTTP_MAX_REPLY) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT,
	    PACKAGE_NAME "/" PACKAGE_VERSION) != CURLE_OK)
		return -1;

	if (set_ca(c, ca_file) == -1)
		return -1;

	/* A proxy cannot reach a link-local address, and must not see the
	   container's authorization token. */
	if ((h->flags & HTTP_METADATA) &&
	    curl_easy_setopt(c, CURLOPT_NOPROXY, "*") != CURLE_OK)
		return -1;
	return 0;
}

/* http_client_new - one easy handle, kept for connection reuse. */
struct http_client *
http_client_new(const char *ca_file, long connect_timeout, long timeout)
{
	return http_client_new_flags(ca_file, connect_timeout, timeout, 0);
}

/* http_client_new_flags - http_client_new for credential services. */
struct http_client *
http_client_new_flags(const char *ca_file, long connect_timeout,
    long timeout, int flags)
{
	struct http_client	*h;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return NULL;
		curl_ready = 1;
	}

	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return NULL;
	h->flags = flags;
	h->curl = curl_easy_init();
	if (h->curl == NULL)
		goto fail;
	if (setup(h, ca_file, connect_timeout, timeout) == -1)
		goto fail;
	return h;

fail:
	http_client_free(h);
	return NULL;
}

/* on_progress - libcurl asks at least once a second: stop when told. */
static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	const volatile sig_atomic_t	*stop = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return *stop != 0;
}

/* http_abort_on - end every transfer of h once *stop is set. */
int
http_abort_on(struct http_client *h, const volatile sig_atomic_t *stop)
{
	if (curl_easy_setopt(h->curl, CURLOPT_XFERINFOFUNCTION,
	    on_progress) != CURLE_OK ||
	    curl_easy_setopt(h->curl, CURLOPT_XFERINFODATA,
	    (void *)(uintptr_t)stop) != CURLE_OK ||
	    curl_easy_setopt(h->curl, CURLOPT_NOPROGRESS, 0L) != CURLE_OK)
		return -1;
	return 0;
}

/* http_client_free - close the connection and the handle. */
void
http_client_free(struct http_client *h)
{
	if (h == NULL)
		return;
	if (h->curl != NULL)
		curl_easy_cleanup(h->curl);
	free(h);
}

/* http_response_free - release what http_request collected. */
void
http_response_free(struct http_response *resp)
{
	buf_free(&resp->body);
	free(resp->date);
	free(resp->amzn_error);
	resp->date = NULL;
	resp->amzn_error = NULL;
	resp->status = 0;
}

/* http_response_wipe - for replies that carry keys or tokens. */
void
http_response_wipe(struct http_response *resp)
{
	buf_wipe(&resp->body);
	http_response_free(resp);
}

/* url_parse - url into a CURLU handle, or NULL with err. */
static CURLU *
url_parse(const char *url, char *err, size_t errlen)
{
	CURLU		*u;
	CURLUcode	 rc;

	u = curl_url();
	if (u == NULL) {
		seterr(err, errlen, "out of memory");
		return NULL;
	}
	rc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
	if (rc != CURLUE_OK) {
		seterr(err, errlen, "malformed URL: %s",
		    curl_url_strerror(rc));
		curl_url_cleanup(u);
		return NULL;
	}
	return u;
}

/* url_part - one part of u, or NULL when it is not there. */
static char *
url_part(CURLU *u, CURLUPart what)
{
	char	*s = NULL;

	if (curl_url_get(u, what, &s, 0) != CURLUE_OK)
		return NULL;
	return s;
}

/* is_metadata_host - one of the link-local credential services. */
static int
is_metadata_host(const char *host)
{
	size_t	 i;

	for (i = 0; i < sizeof(metadata_hosts) / sizeof(metadata_hosts[0]);
	    i++)
		if (host_is_address(host, metadata_hosts[i]))
			return 1;
	return 0;
}

/* url_check - https, or http to loopback (or to metadata when allowed). */
static int
url_check(const char *url, int metadata, char *err, size_t errlen)
{
	CURLU	*u;
	char	*scheme = NULL, *host = NULL, *user = NULL;
	int	 rc = -1;

	u = url_parse(url, err, errlen);
	if (u == NULL)
		return -1;
	scheme = url_part(u, CURLUPART_SCHEME);
	host = url_part(u, CURLUPART_HOST);
	user = url_part(u, CURLUPART_USER);

	if (scheme == NULL || host == NULL || *host == '\0') {
		seterr(err, errlen, "URL needs a scheme and a host");
		goto out;
	}
	/* libcurl would send these as Basic authentication. */
	if (user != NULL) {
		seterr(err, errlen, "URL must not hold a user name or "
		    "password");
		goto out;
	}
	if (strcasecmp(scheme, "https") == 0)
		rc = 0;
	else if (strcasecmp(scheme, "http") == 0 && host_is_loopback(host))
		rc = 0;
	else if (strcasecmp(scheme, "http") == 0 && metadata &&
	    is_metadata_host(host))
		rc = 0;
	else if (strcasecmp(scheme, "http") == 0 && metadata)
		seterr(err, errlen, "plain http:// is allowed only to a "
		    "loopback host or a link-local credential service "
		    "(169.254.169.254, 169.254.170.2, 169.254.170.23, "
		    "fd00:ec2::254, fd00:ec2::23); use https://");
	else if (strcasecmp(scheme, "http") == 0)
		seterr(err, errlen, "plain http:// is allowed only to a "
		    "loopback host (127.0.0.1, ::1, localhost); use https://");
	else
		seterr(err, errlen, "only https:// URLs are allowed");

out:
	curl_free(scheme);
	curl_free(host);
	curl_free(user);
	curl_url_cleanup(u);
	return rc;
}

/* http_url_check - only https, or http to this very machine. */
int
http_url_check(const char *url, char *err, size_t errlen)
{
	return url_check(url, 0, err, errlen);
}

/* http_cred_url_check - the same, and the five metadata addresses. */
int
http_cred_url_check(const char *url, char *err, size_t errlen)
{
	return url_check(url, 1, err, errlen);
}

/* is_default_port - port is what scheme implies anyway. */
static int
is_default_port(const char *scheme, const char *port)
{
	if (strcasecmp(scheme, "https") == 0)
		return strcmp(port, "443") == 0;
	if (strcasecmp(scheme, "http") == 0)
		return strcmp(port, "80") == 0;
	return 0;
}

/* http_url_host - the Host header value, as a browser would send it. */
char *
http_url_host(const char *url)
{
	struct buf	 b = BUF_INIT;
	CURLU		*u;
	char		*scheme = NULL, *host = NULL, *port = NULL, *out;
	size_t		 i;

	u = url_parse(url, NULL, 0);
	if (u == NULL)
		return NULL;
	scheme = url_part(u, CURLUPART_SCHEME);
	host = url_part(u, CURLUPART_HOST);
	port = url_part(u, CURLUPART_PORT);
	out = NULL;
	if (scheme == NULL || host == NULL || *host == '\0')
		goto out;

	/* DNS names are case-insensitive; SigV4 wants them lower-case. */
	for (i = 0; host[i] != '\0'; i++)
		host[i] = (char)tolower((unsigned char)host[i]);
	if (buf_appends(&b, host) == -1)
		goto out;
	if (port != NULL && !is_default_port(scheme, port) &&
	    buf_printf(&b, ":%s", port) == -1)
		goto out;
	out = buf_steal(&b);

out:
	buf_free(&b);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return out;
}

/* http_url_path - what SigV4 signs as the path of url. */
char *
http_url_path(const char *url, char *err, size_t errlen)
{
	CURLU	*u;
	char	*p = NULL, *q = NULL, *path = NULL;

	u = url_parse(url, err, errlen);
	if (u == NULL)
		return NULL;
	if (curl_url_get(u, CURLUPART_QUERY, &q, 0) == CURLUE_OK) {
		seterr(err, errlen, "the URL must not have a query (?...)");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PATH, &p, 0) != CURLUE_OK) {
		seterr(err, errlen, "the URL has no path");
		goto out;
	}
	path = strdup(*p != '\0' ? p : "/");
	if (path == NULL)
		seterr(err, errlen, "out of memory");
out:
	curl_free(p);
	curl_free(q);
	curl_url_cleanup(u);
	return path;
}

/* on_body - collect the reply, refusing to grow past t->max. */
static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct transfer	*t = arg;
	size_t		 n = size * nmemb;

	if (n > t->max - t->resp->body.len) {
		t->too_large = 1;
		return 0;
	}
	if (buf_append(&t->resp->body, data, n) == -1)
		return 0;
	return n;
}

/*
 * keep_header - when the header line data[0..n) is name, store its value
 * (trimmed, sanitised, at most max bytes or else ignored) in *dst.
 * Returns 0, or -1 when memory runs out.
 */
static int
keep_header(const char *data, size_t n, const char *name, size_t max,
    char **dst)
{
	size_t		 nlen = strlen(name), len;
	const char	*v;
	char		*copy;

	if (n <= nlen || strncasecmp(data, name, nlen) != 0 ||
	    data[nlen] != ':')
		return 0;
	v = data + nlen + 1;
	len = n - nlen - 1;
	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' ||
	    v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if (len > max)
		return 0;
	copy = strndup(v, len);
	if (copy == NULL)
		return -1;
	sanitize(copy);
	free(*dst);
	*dst = copy;
	return 0;
}

/*
 * on_header - keep the Date header (for clock-skew correction) and the
 * error code of a REST-JSON reply (SES v2).
 */
static size_t
on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct transfer	*t = arg;
	size_t		 n = size * nmemb;

	if (keep_header(data, n, "Date", DATE_MAX, &t->resp->date) == -1 ||
	    keep_header(data, n, "x-amzn-ErrorType", ERROR_TYPE_MAX,
	    &t->resp->amzn_error) == -1)
		return 0;
	return n;
}

/* make_headers - the caller's lines plus the two we suppress. */
static struct curl_slist *
make_headers(const char *const *headers, char *err, size_t errlen)
{
	static const char *const quiet[] = { "Expect:", "Accept:" };
	struct curl_slist	*list = NULL, *l;
	size_t			 i;

	for (i = 0; headers != NULL && headers[i] != NULL; i++) {
		if (has_line_break(headers[i])) {
			seterr(err, errlen, "header line holds a line break");
			goto fail;
		}
		l = curl_slist_append(list, headers[i]);
		if (l == NULL)
			goto nomem;
		list = l;
	}
	for (i = 0; i < sizeof(quiet) / sizeof(quiet[0]); i++) {
		l = curl_slist_append(list, quiet[i]);
		if (l == NULL)
			goto nomem;
		list = l;
	}
	return list;

nomem:
	seterr(err, errlen, "out of memory");
fail:
	curl_slist_free_all(list);
	return NULL;
}

/* on_read - the next bytes of a body made as it is sent. */
static size_t
on_read(char *dst, size_t size, size_t nitems, void *arg)
{
	const struct http_body	*b = arg;

	return b->read(b->arg, dst, size * nitems);
}

/* on_seek - libcurl sends the body again only from its start. */
static int
on_seek(void *arg, curl_off_t offset, int origin)
{
	const struct http_body	*b = arg;

	if (origin != SEEK_SET || offset != 0)
		return CURL_SEEKFUNC_CANTSEEK;
	b->rewind(b->arg);
	return CURL_SEEKFUNC_OK;
}

/* set_stream - a POST whose body libcurl reads from stream. */
static int
set_stream(CURL *c, const struct http_body *stream)
{
	if (curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDS, (char *)NULL) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
	    (curl_off_t)stream->length) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_READDATA, (void *)(uintptr_t)stream) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SEEKDATA, (void *)(uintptr_t)stream) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, (char *)NULL) !=
	    CURLE_OK)
		return -1;
	return 0;
}

/* set_method - method and body for this transfer; 0 or -1. */
static int
set_method(CURL *c, const char *method, const char *body, size_t bodylen)
{
	CURLcode	 rc;

	if (strcmp(method, "GET") == 0) {
		rc = curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
		if (rc == CURLE_OK)
			rc = curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST,
			    (char *)NULL);
		return rc == CURLE_OK ? 0 : -1;
	}
	if (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0)
		return -1;

	/*
	 * The body is signed, so libcurl must send it as it is: the size
	 * is given (the body may hold NULs) and nothing is copied.
	 */
	rc = curl_easy_setopt(c, CURLOPT_POST, 1L);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)bodylen);
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(c, CURLOPT_POSTFIELDS,
		    body != NULL ? body : "");
	if (rc == CURLE_OK)
		rc = curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST,
		    strcmp(method, "PUT") == 0 ? "PUT" : (char *)NULL);
	return rc == CURLE_OK ? 0 : -1;
}

/* set_transfer - everything that differs from one request to the next. */
static int
set_transfer(CURL *c, const char *url, struct curl_slist *hdrs,
    struct transfer *t)
{
	if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, t) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HEADERDATA, t) != CURLE_OK)
		return -1;
	return 0;
}

/* forget_transfer - the handle must not point at freed memory later. */
static void
forget_transfer(CURL *c)
{
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, (char *)NULL);
	curl_easy_setopt(c, CURLOPT_READDATA, (void *)NULL);
	curl_easy_setopt(c, CURLOPT_SEEKDATA, (void *)NULL);
	curl_easy_setopt(c, CURLOPT_READFUNCTION,
	    (curl_read_callback)NULL);
	curl_easy_setopt(c, CURLOPT_SEEKFUNCTION,
	    (curl_seek_callback)NULL);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, (void *)NULL);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, (void *)NULL);
}

/*
 * request - one request on the kept connection, its body either
 * body[0..bodylen) or made by stream.
 */
static int
request(struct http_client *h, const char *method, const char *url,
    const char *const *headers, const char *body, size_t bodylen,
    const struct http_body *stream, struct http_response *resp,
    char *err, size_t errlen)
{
	struct curl_slist	*hdrs = NULL;
	struct transfer		 t;
	CURLcode		 rc;
	long			 status = 0;
	int			 ret = -1;

	buf_init(&resp->body);
	resp->date = NULL;
	resp->amzn_error = NULL;
	resp->status = 0;
	t.resp = resp;
	t.max = (h->flags & HTTP_SECRET) ? HTTP_SECRET_MAX : HTTP_MAX_REPLY;
	t.too_large = 0;

	if (url_check(url, h->flags & HTTP_METADATA, err, errlen) == -1)
		return -1;
	/* Reserved whole, so that no copy of a secret is left behind by a
	   realloc that moves the body. */
	if ((h->flags & HTTP_SECRET) &&
	    buf_reserve(&resp->body, HTTP_SECRET_MAX) == -1) {
		seterr(err, errlen, "out of memory");
		return -1;
	}
	hdrs = make_headers(headers, err, errlen);
	if (hdrs == NULL)
		return -1;
	if ((stream != NULL ? set_stream(h->curl, stream) :
	    set_method(h->curl, method, body, bodylen)) == -1 ||
	    set_transfer(h->curl, url, hdrs, &t) == -1) {
		seterr(err, errlen, "cannot set up a %s request", method);
		goto out;
	}

	h->errbuf[0] = '\0';
	rc = curl_easy_perform(h->curl);
	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		seterr(err, errlen, "interrupted by a signal");
		goto out;
	}
	if (t.too_large || rc == CURLE_FILESIZE_EXCEEDED) {
		seterr(err, errlen, "reply too large (over %zu bytes)",
		    t.max);
		goto out;
	}
	if (rc != CURLE_OK) {
		sanitize(h->errbuf);
		seterr(err, errlen, "%s", h->errbuf[0] != '\0' ? h->errbuf :
		    curl_easy_strerror(rc));
		goto out;
	}
	if (curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status) !=
	    CURLE_OK || status <= 0) {
		seterr(err, errlen, "reply without an HTTP status");
		goto out;
	}
	resp->status = status;
	ret = 0;

out:
	forget_transfer(h->curl);
	curl_slist_free_all(hdrs);
	return ret;
}

/* http_request - a request whose body is in memory. */
int
http_request(struct http_client *h, const char *method, const char *url,
    const char *const *headers, const char *body, size_t bodylen,
    struct http_response *resp, char *err, size_t errlen)
{
	return request(h, method, url, headers, body, bodylen, NULL, resp,
	    err, errlen);
}

/* http_request_body - a POST whose body is made as it goes out. */
int
http_request_body(struct http_client *h, const char *url,
    const char *const *headers, const struct http_body *body,
    struct http_response *resp, char *err, size_t errlen)
{
	return request(h, "POST", url, headers, NULL, 0, body, resp, err,
	    errlen);
}

int
http_headers_add(struct http_headers *h, const char *name, const char *value)
{
	struct buf	 b = BUF_INIT;

	if (h->n >= HTTP_MAX_HEADERS ||
	    buf_printf(&b, "%s: %s", name, value) == -1) {
		buf_free(&b);
		return -1;
	}
	h->v[h->n++] = buf_steal(&b);
	h->v[h->n] = NULL;
	return 0;
}

void
http_headers_wipe(struct http_headers *h)
{
	size_t	 i;

	for (i = 0; i < h->n; i++) {
		OPENSSL_cleanse(h->v[i], strlen(h->v[i]));
		free(h->v[i]);
		h->v[i] = NULL;
	}
	h->n = 0;
}
