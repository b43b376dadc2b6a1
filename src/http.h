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

#include <stddef.h>

#include "buf.h"

struct http_client;

struct http_response {
	long		 status;	/* HTTP status, 0 when none came */
	struct buf	 body;		/* at most HTTP_MAX_REPLY bytes */
	char		*date;		/* the Date header, or NULL */
};

/* No SES or STS reply is anywhere near this; a longer one is an error. */
#define HTTP_MAX_REPLY	(1024 * 1024)

/*
 * http_client_new - ca_file may be NULL (system store). Timeouts in
 * seconds; 0 means the default (10 s to connect, 60 s in all).
 * Returns NULL when libcurl cannot be set up.
 */
struct http_client *http_client_new(const char *ca_file,
	    long connect_timeout, long timeout);
void	http_client_free(struct http_client *);

/*
 * http_url_check - refuse a URL sesmail must not talk to: anything but
 * https://, or http:// to a non-loopback host. Returns 0 or -1 with err.
 */
int	http_url_check(const char *url, char *err, size_t errlen);

/*
 * http_url_host - the Host header value for url ("host" or "host:port"
 * when the port is not the scheme's default; IPv6 in brackets). Returns
 * an allocated string or NULL.
 */
char	*http_url_host(const char *url);

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

void	http_response_free(struct http_response *);

#endif
