/*
 * credentials - where the AWS keys come from: the AWS SDKs' default
 * chain, then an optional role on top (STS AssumeRole).
 *
 * Secrets (secret key, session token, web identity and container
 * tokens) are wiped before they are freed and never printed or logged.
 */
#ifndef SESMAIL_CREDENTIALS_H
#define SESMAIL_CREDENTIALS_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

#include "conf.h"

struct credentials {
	char		*access_key_id;
	char		*secret_access_key;
	char		*session_token;		/* NULL for long-term keys */
	time_t		 expiration;		/* 0: does not expire */
	const char	*source;		/* "environment", "file",
						   "web identity", "process",
						   "container", "instance
						   metadata" */
	char		*role_arn;		/* assumed role, or NULL */
};

/* What the chain needs to know besides the configuration. */
struct cred_query {
	const struct conf	*conf;
	uid_t			 uid;		/* caller: may own a key file */
	const char		*user;		/* login name, for the session
						   name of an assumed role */
	const char		*host;		/* NULL: gethostname() */
	const char		*region;	/* for STS; NULL when unknown */
};

/* Temporary credentials are fetched again when fewer seconds remain. */
#define CRED_REFRESH_BEFORE	(5 * 60)

/* JSON documents that carry credentials (credentials_parse_json). */
#define CRED_JSON_METADATA	1	/* IMDS and container: AccessKeyId,
					   SecretAccessKey, Token, Expiration
					   all required; Code, if there, must
					   be "Success" */
#define CRED_JSON_PROCESS	2	/* credential_process: Version 1,
					   AccessKeyId, SecretAccessKey,
					   SessionToken and Expiration
					   optional */

/*
 * credentials_resolve - fill cr from the first source that yields, in
 * the SDKs' order (or only from c->cred_source when it pins one):
 * 1. env: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
 * 2. web_identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
 *    (+ AWS_ROLE_SESSION_NAME), STS AssumeRoleWithWebIdentity;
 * 3. file: the profile (c->cred_profile, else AWS_PROFILE, else
 *    "default") of the shared-credentials file c->cred_file, which must
 *    be owned by root or the caller and not be readable by others; its
 *    keys, else its credential_process ("process" when pinned);
 * 4. container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI;
 * 5. imds: EC2 instance metadata, IMDSv2 only, unless
 *    AWS_EC2_METADATA_DISABLED is true.
 * A source that is configured but fails is reported, never skipped.
 * Then, with c->role_arn, STS AssumeRole signed with those credentials.
 *
 * Returns 0; EX_CONFIG when no source yields or one is misconfigured;
 * EX_NOPERM when a key file is too open or unreadable, or a service
 * refuses the caller; EX_TEMPFAIL when a service does not answer or
 * answers with a fault, or the credentials have expired. err says
 * which. cr need not be initialised; it is left empty on failure.
 */
int	credentials_resolve(const struct cred_query *q, struct credentials *cr,
	    char *err, size_t errlen);

/*
 * credentials_refresh - before each message of a long session: resolve
 * again when cr expires within CRED_REFRESH_BEFORE seconds. Returns 1
 * when cr was replaced, 0 when nothing was needed, -1 when the refresh
 * failed but cr is still good for a minute (err says why), or an EX_*
 * code when it failed and cr is about to expire.
 */
int	credentials_refresh(const struct cred_query *q, struct credentials *cr,
	    char *err, size_t errlen);

/* credentials_stale - cr expires within CRED_REFRESH_BEFORE of now. */
int	credentials_stale(const struct credentials *cr, time_t now);

/*
 * credentials_parse_ini - find profile in the shared-credentials text
 * data[0..len) (pure, for tests). Returns 0, or -1 with err.
 */
int	credentials_parse_ini(const char *data, size_t len,
	    const char *profile, struct credentials *cr,
	    char *err, size_t errlen);

/*
 * credentials_parse_profile - the same, but a profile may instead hold
 * credential_process: then cr stays empty and *process gets the command
 * (allocated). With both, the keys win and *process stays NULL.
 */
int	credentials_parse_profile(const char *data, size_t len,
	    const char *profile, struct credentials *cr, char **process,
	    char *err, size_t errlen);

/* credentials_parse_json returns this for credentials expired by now. */
#define CRED_JSON_EXPIRED	(-2)

/*
 * credentials_parse_json - the credentials of a JSON document of kind
 * CRED_JSON_* (pure). Returns 0; -1 when the document is not valid, or
 * CRED_JSON_EXPIRED, with err (which never quotes a secret).
 */
int	credentials_parse_json(const char *json, size_t len, int kind,
	    time_t now, struct credentials *cr, char *err, size_t errlen);

/*
 * credentials_parse_time - an ISO 8601 / RFC 3339 UTC time such as
 * "2026-12-03T18:00:00Z", with optional fraction and offset, to time_t.
 * Returns 0, or -1 when s is not such a time.
 */
int	credentials_parse_time(const char *s, time_t *out);

void	credentials_init(struct credentials *cr);
/* Overwrites the secret and token before freeing them. */
void	credentials_free(struct credentials *cr);

/* credentials_wipe_free - overwrite a string that may be secret, free it. */
void	credentials_wipe_free(char *s);

/*
 * credentials_read_token - read a token file (web identity, container
 * authorization) of at most max bytes into *out (allocated), without
 * its trailing white space. Symbolic links are followed: Kubernetes
 * mounts such files through them. Returns 0; EX_CONFIG when the file is
 * missing, empty, too long or holds a control character; EX_NOPERM
 * when it cannot be read. err names the file and the reason.
 */
int	credentials_read_token(const char *path, size_t max, char **out,
	    char *err, size_t errlen);

#endif
