/*
 * sts - AWS STS: AssumeRole (signed with the credentials the chain
 * found) and AssumeRoleWithWebIdentity (unsigned; the token is the
 * proof). Query protocol, version 2011-06-15, XML replies.
 */
#ifndef SESMAIL_STS_H
#define SESMAIL_STS_H

#include <stddef.h>

#include "buf.h"
#include "conf.h"
#include "credentials.h"

/* Inline session policies are limited to this many characters. */
#define STS_POLICY_MAX		2048
/* RoleSessionName: 2 to 64 characters of [\w+=,.@-]. */
#define STS_SESSION_NAME_MAX	64

/* One call. */
struct sts_call {
	const char	*endpoint;
	const char	*region;		/* signing region */
	const char	*role_arn;
	const char	*session_name;
	const char	*external_id;		/* AssumeRole; NULL: none */
	const char	*policy;		/* inline policy; NULL: none */
	const char	*web_identity_token;	/* not NULL: the call is
						   AssumeRoleWithWebIdentity,
						   unsigned */
	const struct credentials *signer;	/* AssumeRole: signs it */
	const char	*ca_file;		/* NULL: system store */
	long		 connect_timeout;	/* seconds */
	long		 timeout;
};

/* What STS said. */
struct sts_reply {
	long			 http_status;
	struct credentials	 cr;		/* keys, token */
	char			*expiration;	/* as sent */
	char			*assumed_arn;	/* AssumedRoleUser/Arn */
	char			*error_code;
	char			*error_message;	/* sanitised */
	char			*request_id;
};

/*
 * sts_endpoint - AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL (neither
 * when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true), else
 * c->sts_endpoint, else https://sts.REGION.amazonaws.com. Returns an
 * allocated string, or NULL when there is no region to build one from
 * (or no memory).
 */
char	*sts_endpoint(const struct conf *c, const char *region);

/*
 * sts_form_body - the request form, parameters in botocore's order
 * (pure). Returns 0 or -1 (ENOMEM).
 */
int	sts_form_body(const struct sts_call *call, struct buf *out);

/*
 * sts_parse_reply - Credentials, AssumedRoleUser/Arn, Error/Code and
 * Message, RequestId of an STS reply (pure). Nothing is truncated; a
 * longer element than STS sends makes the reply unreadable. Returns 0,
 * or -1 when the body is not such XML.
 */
int	sts_parse_reply(const char *xml, size_t len, struct sts_reply *r);

void	sts_reply_init(struct sts_reply *r);
void	sts_reply_free(struct sts_reply *r);

/*
 * sts_exitcode - a refused STS call as a sysexits code (pure):
 *   no reply, 5xx, throttling, IDPCommunicationError   EX_TEMPFAIL
 *   caller or token refused (AccessDenied, ...)         EX_NOPERM
 *   the request is wrong (policy, region, parameters)   EX_CONFIG
 * EX_TEMPFAIL is exactly what SES.md 5.2 calls retryable.
 */
int	sts_exitcode(long http_status, const char *code);

/*
 * sts_session_name - "sesmail-USER@HOST" for RoleSessionName: bytes STS
 * refuses become '_', and it is cut to 64 (pure). out needs
 * STS_SESSION_NAME_MAX + 1 bytes. Returns 0 or -1 (out too small).
 */
int	sts_session_name(const char *user, const char *host, char *out,
	    size_t outlen);

/*
 * sts_session_policy - the inline policy of session_policy = true:
 * allow ses:SendRawEmail and ses:SendEmail only, with ses:FromAddress
 * one of the configured senders (the global sender, then the user
 * sections'). Returns 0 with *out allocated, or EX_CONFIG (no sender,
 * policy too long) or EX_OSERR with err.
 */
int	sts_session_policy(const struct conf *c, char **out, char *err,
	    size_t errlen);

/*
 * sts_assume - make the call, up to three attempts while the failure is
 * retryable, and fill out with the role's credentials (source left
 * NULL, role_arn set). Returns 0, or an sts_exitcode with err.
 */
int	sts_assume(const struct sts_call *call, struct credentials *out,
	    char *err, size_t errlen);

#endif
