/*
 * conf - the configuration file, sesmail.conf(5), read with libconfuse.
 *
 * (Named conf, not config, because config.h is autoconf's.)
 */
#ifndef SESMAIL_CONF_H
#define SESMAIL_CONF_H

#include <sys/types.h>

#include "strlist.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define CONF_DEFAULT_PATH	SYSCONFDIR "/sesmail.conf"

/* A user NAME { ... } section: what one local user sends as. */
struct conf_user {
	char	*name;		/* login name */
	char	*sender;	/* envelope sender for this user */
	char	*fullname;	/* display name of a From sesmail adds */
};

struct conf {
	char	*path;		/* file read, or NULL when none was */
	char	*region;	/* NULL: from the environment */
	char	*endpoint;	/* NULL: from the environment or region */
	char	*ca_file;	/* NULL: the system's CA store */
	char	*sender;	/* default envelope sender */
	char	*domain;	/* qualifies bare local names */
	char	*aliases;	/* aliases(5) file, NULL for none */
	char	*cred_file;	/* credentials { file } */
	char	*cred_profile;	/* credentials { profile }, default "default" */
	char	*cred_source;	/* credentials { source }: NULL or "auto" for
				   the whole chain, else the one source used */
	char	*role_arn;	/* credentials { role_arn }: assumed on top */
	char	*external_id;	/* credentials { external_id } */
	int	 session_policy; /* credentials { session_policy } */
	char	*sts_endpoint;	/* credentials { sts_endpoint } */
	long	 connect_timeout;	/* seconds */
	long	 timeout;		/* seconds, whole request */
	long	 retry_attempts;	/* retry { max_attempts } */
	double	 retry_max_time;	/* retry { max_time }, seconds */
	double	 retry_base_delay;	/* retry { base_delay }, seconds */
	char	*spool;		/* NULL: the default; "": none */
	int	 spool_sync;	/* fsync each spool file */
	int	 dead_letter;	/* ~/dead.letter when the spool fails */
	char	*api;		/* "auto", "v1" or "v2" */
	char	*configuration_set;	/* NULL: none */
	struct strlist	 allowed_from;	/* From patterns; empty: any */
	struct conf_user *users;
	size_t		 nusers;
};

/*
 * conf_load - read path into c. With explicit == 0 (the default path) a
 * missing file is not an error: c keeps its defaults and c->path stays
 * NULL. With explicit != 0 (-C) the file must exist.
 *
 * The file must be owned by root or by the invoking user (caller_uid) and
 * must not be writable by group or others; this keeps another local user
 * from pointing sesmail at an endpoint or a key file of their choice.
 *
 * Returns 0, or EX_CONFIG with err filled (path and reason, one line).
 */
int	conf_load(const char *path, int explicit, uid_t caller_uid,
	    struct conf *c, char *err, size_t errlen);

/* conf_user_find - the user section for login name, or NULL. */
const struct conf_user *conf_user_find(const struct conf *c,
	    const char *name);

/* conf_init - set the defaults (no file read). */
void	conf_init(struct conf *c);
void	conf_free(struct conf *c);

#endif
