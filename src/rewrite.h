/*
 * rewrite - what sesmail does to the header section before handing a
 * message on, as every sendmail does: Bcc out, one of each field SES
 * allows once, and Date, Message-ID and From when missing. The body is
 * never touched here.
 */
#ifndef SESMAIL_REWRITE_H
#define SESMAIL_REWRITE_H

#include "message.h"

struct rewrite_opts {
	const char	*sender;	/* envelope sender, NULL: null sender */
	const char	*fullname;	/* -F, else from the password file */
	const char	*domain;	/* configured domain, may be NULL */
};

/*
 * rewrite_message - edit msg in place. Returns 0, or -1 when memory or
 * randomness runs out.
 */
int	rewrite_message(struct message *msg, const struct rewrite_opts *o);

/*
 * rewrite_from_value - the value of a From field sesmail adds:
 * "\"Full Name\" <addr>", or the bare address when there is no name or
 * the name is not printable ASCII. Returns an allocated string or NULL.
 */
char	*rewrite_from_value(const char *fullname, const char *addr);

#endif
