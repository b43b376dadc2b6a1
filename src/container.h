/*
 * container - the ECS task role and EKS Pod Identity endpoint: a GET of
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on 169.254.170.2) or of
 * AWS_CONTAINER_CREDENTIALS_FULL_URI, with AWS_CONTAINER_AUTHORIZATION_
 * TOKEN_FILE or AWS_CONTAINER_AUTHORIZATION_TOKEN as Authorization.
 */
#ifndef SESMAIL_CONTAINER_H
#define SESMAIL_CONTAINER_H

#include <stddef.h>

#include "credentials.h"

/* Seconds for the connection and the whole request. */
#define CONTAINER_CONNECT_TIMEOUT	2
#define CONTAINER_TIMEOUT		5

/* container_configured - either URI variable is set. */
int	container_configured(void);

/*
 * container_url_allowed - the hosts the SDKs allow for a full URI:
 * any over https://; over http:// only loopback, 169.254.170.2,
 * 169.254.170.23 and fd00:ec2::23. Returns 0 or -1 with err.
 */
int	container_url_allowed(const char *url, char *err, size_t errlen);

/*
 * container_url - the URL to ask, from the environment (the relative URI
 * wins). Returns an allocated string, or NULL with err.
 */
char	*container_url(char *err, size_t errlen);

/*
 * cred_from_container - the credentials the agent gives. Returns 0, or
 * EX_CONFIG (URL or token refused, 4xx), EX_NOPERM (401, 403),
 * EX_TEMPFAIL (no answer, 5xx, expired or unreadable credentials) with
 * err.
 */
int	cred_from_container(struct credentials *cr, char *err, size_t errlen);

#endif
