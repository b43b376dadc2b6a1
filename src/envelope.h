/*
 * envelope - who the message is from and to, as SES will be told.
 */
#ifndef SESMAIL_ENVELOPE_H
#define SESMAIL_ENVELOPE_H

#include "conf.h"
#include "message.h"
#include "options.h"
#include "strlist.h"

struct envelope {
	char		*sender;	/* Source; NULL for the null sender */
	struct strlist	 rcpts;		/* bare addr-specs, no duplicates */
};

/*
 * envelope_build - the sender is -f, else the configured sender, else
 * login@domain. Recipients are the arguments (each an address list),
 * plus with -t those of To, Cc and Bcc. Bare local names get "@domain".
 * user is the login name of the caller.
 *
 * Returns 0; EX_USAGE when there is no recipient; EX_DATAERR for an
 * address that cannot be parsed or sent; EX_CONFIG when a bare name
 * needs a domain and none is known. err says which.
 */
int	envelope_build(const struct options *o, const struct conf *c,
	    const struct message *msg, const char *user,
	    struct envelope *env, char *err, size_t errlen);

void	envelope_init(struct envelope *env);
void	envelope_free(struct envelope *env);

#endif
