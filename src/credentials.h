/*
 * credentials - where the AWS keys come from.
 *
 * For now: the SDK environment variables, then the shared-credentials
 * file named in the configuration. Secrets are wiped when freed.
 */
#ifndef SESMAIL_CREDENTIALS_H
#define SESMAIL_CREDENTIALS_H

#include <sys/types.h>

#include "conf.h"

struct credentials {
	char		*access_key_id;
	char		*secret_access_key;
	char		*session_token;		/* NULL for long-term keys */
	const char	*source;		/* "environment", "file" */
};

/*
 * credentials_resolve - fill cr from the first source that has keys:
 * 1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
 * 2. the file in c->cred_file, profile c->cred_profile (or AWS_PROFILE,
 *    else "default"), in the AWS shared-credentials format
 *    (aws_access_key_id, aws_secret_access_key, aws_session_token).
 *    The file must be owned by root or caller_uid and must not be
 *    readable or writable by others.
 *
 * Returns 0; EX_CONFIG when no source has keys or a source is malformed;
 * EX_NOPERM when the key file is too open or unreadable. err says which.
 */
int	credentials_resolve(const struct conf *c, uid_t caller_uid,
	    struct credentials *cr, char *err, size_t errlen);

/*
 * credentials_parse_ini - find profile in the shared-credentials text
 * data[0..len) (pure, for tests). Returns 0, or -1 with err.
 */
int	credentials_parse_ini(const char *data, size_t len,
	    const char *profile, struct credentials *cr,
	    char *err, size_t errlen);

void	credentials_init(struct credentials *cr);
/* Overwrites the secret and token before freeing them. */
void	credentials_free(struct credentials *cr);

#endif
