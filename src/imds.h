/*
 * imds - EC2 instance metadata, IMDSv2 only: a session token from a PUT,
 * then the role name, then its credentials, and the region.
 *
 * Never IMDSv1: a metadata service that refuses the token PUT (403, 404,
 * 405) is reported, not worked around, because IMDSv1 answers anyone who
 * can make the instance send a GET (SSRF).
 */
#ifndef SESMAIL_IMDS_H
#define SESMAIL_IMDS_H

#include <stddef.h>

#include "credentials.h"

/* Seconds for the connection and for each whole request: off EC2 the
   address does not answer at all, and that must not hold mail up. */
#define IMDS_TIMEOUT		1
/* Lifetime asked for the session token (the most IMDS grants). */
#define IMDS_TOKEN_TTL		21600

/* imds_disabled - AWS_EC2_METADATA_DISABLED is "true" (any case). */
int	imds_disabled(void);

/*
 * imds_base_url - AWS_EC2_METADATA_SERVICE_ENDPOINT, else by
 * AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE http://169.254.169.254 (IPv4,
 * the default) or http://[fd00:ec2::254] (IPv6); without a trailing '/'.
 * Returns an allocated string, or NULL with err (EX_CONFIG: the URL is
 * refused by http_cred_url_check or the mode is unknown).
 */
char	*imds_base_url(char *err, size_t errlen);

/*
 * imds_role_name - the first line of a security-credentials listing,
 * which must be an IAM role name ([\w+=,.@-], 1 to 64) (pure). Returns 0
 * or -1.
 */
int	imds_role_name(const char *body, size_t len, char *out, size_t outlen);

/*
 * cred_from_imds - the instance role's credentials. Returns 0, or
 * EX_TEMPFAIL (no answer, a fault, expired or unreadable credentials),
 * EX_CONFIG (IMDSv1 only, no role attached, bad endpoint) with err.
 */
int	cred_from_imds(struct credentials *cr, char *err, size_t errlen);

/*
 * imds_region - the instance's region from
 * /latest/meta-data/placement/region, checked to be a region name.
 * Returns 0 with *region allocated, or an EX_* code as above.
 */
int	imds_region(char **region, char *err, size_t errlen);

#endif
