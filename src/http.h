/*
 * http - HTTPS requests through libcurl.
 *
 * Certificate verification is always on; there is no switch to turn it
 * off. Plain http:// is refused unless the host is a loopback address
 * (tests and local emulators). One client keeps its connection open
 * between requests, so an SMTP session (-bs) pays for one handshake.
 */
#ifndef SESMAIL_HTTP_H
#define SESMAIL_HTTP_H

#include <signal.h>
#include <stddef.h>

#include "buf.h"

struct http_client;

struct http_response {
	long		 status;	/* HTTP status, 0 when none came */
	struct buf	 body;		/* at most HTTP_MAX_REPLY bytes */
	char		*date;		/* the Date header, or NULL */
	char		*amzn_error;	/* x-amzn-ErrorType (REST-JSON), or
					   NULL; sanitised */
};

/*
 * A request body made while it is sent (body.h), so that it is never
 * held whole: read copies up to len next bytes to dst and returns how
 * many, 0 at the end; rewind starts it again, for libcurl to send it
 * once more when a kept connection turned out to be closed. length is
 * exact (it was signed).
 */
struct http_body {
	size_t	(*read)(void *arg, char *dst, size_t len);
	void	(*rewind)(void *arg);
	void	 *arg;
	size_t	  length;
};

/* No SES or STS reply is anywhere near this; a longer one is an error. */
#define HTTP_MAX_REPLY	(1024 * 1024)

/* A credentials reply (metadata JSON, STS XML) is far below this. */
#define HTTP_SECRET_MAX	(64 * 1024)

/* Flags of http_client_new_flags. */
#define HTTP_METADATA	0x01	/* http:// also to the metadata addresses
				   (http_cred_url_check); never a proxy */
#define HTTP_SECRET	0x02	/* replies hold secrets: each is kept in
				   one block of HTTP_SECRET_MAX that never
				   moves, so http_response_wipe wipes all */

/*
 * http_client_new - ca_file names the certificates to trust: a PEM file,
 * or a directory of them by subject hash (OpenSSL's c_rehash layout).
 * NULL is the system store: the hashed directory libcurl was built with
 * (/etc/ssl/certs on Debian), whose certificates are read only when a
 * handshake needs them, rather than its bundle file, which would be
 * parsed whole at every start; libcurl's bundle when it has no such
 * directory. Timeouts in seconds; 0 means the default (10 s to connect,
 * 60 s in all). Returns NULL when libcurl cannot be set up.
 */
struct http_client *http_client_new(const char *ca_file,
	    long connect_timeout, long timeout);

/* http_client_new_flags - the same, with HTTP_* flags. */
struct http_client *http_client_new_flags(const char *ca_file,
	    long connect_timeout, long timeout, int flags);
void	http_client_free(struct http_client *);

/*
 * http_abort_on - make every later transfer of the client end, within
 * about a second, once *stop is non-zero (a signal handler sets it): the
 * request then fails with "interrupted by a signal". Returns 0 or -1.
 */
int	http_abort_on(struct http_client *,
	    const volatile sig_atomic_t *stop);

/*
 * http_url_check - refuse a URL sesmail must not talk to: anything but
 * https://, or http:// to a non-loopback host. Returns 0 or -1 with err.
 */
int	http_url_check(const char *url, char *err, size_t errlen);

/*
 * http_cred_url_check - http_url_check with one narrow exception for the
 * credential services of EC2 and ECS/EKS, which speak only plain HTTP on
 * link-local addresses: http:// is also allowed to 169.254.169.254,
 * 169.254.170.2, 169.254.170.23, fd00:ec2::254 and fd00:ec2::23 (as IP
 * literals, never names). Returns 0 or -1 with err.
 */
int	http_cred_url_check(const char *url, char *err, size_t errlen);

/*
 * http_url_host - the Host header value for url ("host" or "host:port"
 * when the port is not the scheme's default; IPv6 in brackets). Returns
 * an allocated string or NULL.
 */
char	*http_url_host(const char *url);

/*
 * http_url_path - the path of url as libcurl will send it ("/" when
 * empty), for signing. Returns an allocated string, or NULL with err when
 * url is malformed or has a query (a signed request has none).
 */
char	*http_url_path(const char *url, char *err, size_t errlen);

/*
 * http_request - send method (POST, GET, PUT) to url with the given
 * header lines ("Name: value", NULL-terminated array) and body. libcurl's
 * own Expect and Accept headers are suppressed; Content-Length is exact.
 *
 * Returns 0 when a reply arrived (whatever its status), or -1 when none
 * did (refused, reset, timeout, TLS failure, reply too large) with err
 * saying what happened. resp is initialised by the call; free it with
 * http_response_free in either case.
 */
int	http_request(struct http_client *, const char *method,
	    const char *url, const char *const *headers,
	    const char *body, size_t bodylen,
	    struct http_response *resp, char *err, size_t errlen);

/*
 * http_request_body - http_request with a body made as it is sent
 * (POST only).
 */
int	http_request_body(struct http_client *, const char *url,
	    const char *const *headers, const struct http_body *body,
	    struct http_response *resp, char *err, size_t errlen);

void	http_response_free(struct http_response *);

/* Header lines for http_request: "Name: value", NULL-terminated. */
#define HTTP_MAX_HEADERS	8

struct http_headers {
	char	*v[HTTP_MAX_HEADERS + 1];
	size_t	 n;
};

/*
 * http_headers_add - append "name: value". Returns 0, or -1 when memory
 * runs out or the list is full. Start from a zeroed struct.
 */
int	http_headers_add(struct http_headers *h, const char *name,
	    const char *value);

/*
 * http_headers_wipe - overwrite and free every line (one of them may
 * carry a session token); h is left empty.
 */
void	http_headers_wipe(struct http_headers *h);
/* http_response_wipe - http_response_free, overwriting the body first. */
void	http_response_wipe(struct http_response *);

#endif
