/*
 * sigv4 - AWS Signature Version 4, header form (no I/O, no clock).
 *
 * The caller gives the request as it will be sent and the time; the
 * signer returns the canonical request, the string to sign and the value
 * of the Authorization header. Every intermediate result is exposed so
 * that the AWS test suite can check each step.
 */
#ifndef SESMAIL_SIGV4_H
#define SESMAIL_SIGV4_H

#include <stddef.h>

struct sigv4_header {
	const char	*name;		/* any case */
	const char	*value;		/* as sent; may hold folded lines */
};

struct sigv4_request {
	const char		*method;	/* "POST", "GET" */
	const char		*path;		/* as sent, already %-encoded,
						   without the query; "/..."
						   (empty means "/") */
	const char		*query;		/* as sent after '?', or NULL.
						   Names and values are
						   decoded and re-encoded, so
						   send a space as %20 and a
						   '+' as %2B: a bare '+' is
						   signed as '+', not space */
	const struct sigv4_header *headers;	/* must include Host and
						   X-Amz-Date */
	size_t			 nheaders;
	const char		*payload_sha256; /* lowercase hex of the body */
	const char		*amz_date;	/* "YYYYMMDDTHHMMSSZ", equal to
						   the X-Amz-Date header */
	const char		*region;
	const char		*service;	/* "ses", "sts" */
	const char		*access_key_id;
	const char		*secret_access_key;
	const char		*session_token;	/* NULL (or "") for long-term
						   keys. Signed as
						   x-amz-security-token unless
						   headers already hold it;
						   the caller must send it */
};

struct sigv4_result {
	char	*canonical_request;	/* holds the session token: never
					   log it */
	char	*string_to_sign;
	char	*signed_headers;	/* "content-type;host;x-amz-date" */
	char	*authorization;		/* value of the Authorization header */
};

/*
 * sigv4_sign - sign req. Headers that SigV4 must not cover (User-Agent,
 * Expect, Content-Length, Connection, Authorization, ...) are left out,
 * as botocore does. The path is normalised and encoded once more, as for
 * every service but S3. Returns 0, or -1 when memory runs out or an input
 * is missing or malformed: no Host or X-Amz-Date header, an X-Amz-Date
 * header unequal to amz_date, a bad header name, a line break in the
 * session token. res is always initialised; on failure every field is
 * NULL. Free it with sigv4_result_free, which may be called on failure.
 */
int	sigv4_sign(const struct sigv4_request *req, struct sigv4_result *res);

/* sigv4_result_free - free the strings (wiping the canonical request). */
void	sigv4_result_free(struct sigv4_result *res);

/*
 * sigv4_sha256_hex - lowercase hex SHA-256 of data into out (65 bytes);
 * out is "" in the unlikely case that OpenSSL fails.
 */
void	sigv4_sha256_hex(const void *data, size_t len, char out[65]);

#endif
