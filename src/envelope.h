/*
 * envelope - who the message is from and to, as SES will be told.
 */
#ifndef SESMAIL_ENVELOPE_H
#define SESMAIL_ENVELOPE_H

#include <stddef.h>

#include "aliases.h"
#include "conf.h"
#include "message.h"
#include "options.h"
#include "strlist.h"

struct envelope {
	char		*sender;	/* Source; NULL for the null sender */
	struct strlist	 rcpts;		/* bare addr-specs, no duplicates */
};

/* What the envelope is built with, besides the message. */
struct envelope_ctx {
	const struct conf	*conf;
	const struct aliases	*aliases;	/* NULL: none configured */
	const char		*user;		/* login name of the caller */
	const char		*hostname;	/* this host, may be NULL */
};

/*
 * envelope_build - the sender is -f, else the sender of the caller's
 * user section, else the configured sender, else login@domain.
 * Recipients are the arguments (each an address list), plus with -t
 * those of To, Cc and Bcc, or, when the message has Resent- fields,
 * only those of the newest Resent- block: from the first Resent- field
 * to a field that is not one, or to a second Resent-Date, -From,
 * -Sender or -Message-ID. A local recipient (no domain, @localhost or
 * @this host) goes through the aliases; what is left without a domain
 * gets "@domain".
 *
 * Returns 0; EX_USAGE when there is no recipient; EX_DATAERR for an
 * address that cannot be parsed or sent; EX_CONFIG when a bare name
 * needs a domain and none is known. err says which.
 */
int	envelope_build(const struct options *o, const struct envelope_ctx *x,
	    const struct message *msg, struct envelope *env,
	    char *err, size_t errlen);

/*
 * envelope_set_sender - as envelope_build does for -f: given NULL means
 * the configured default, "" the null sender.
 */
int	envelope_set_sender(const struct envelope_ctx *x, const char *given,
	    int from_caller, struct envelope *env, char *err, size_t errlen);

/*
 * envelope_add_list - add the recipients of one address list (an
 * argument, an SMTP RCPT, a header value), resolved and qualified.
 * what names the source in errors.
 */
int	envelope_add_list(const struct envelope_ctx *x, const char *text,
	    const char *what, struct envelope *env, char *err, size_t errlen);

void	envelope_init(struct envelope *env);
void	envelope_free(struct envelope *env);

#endif
